import type { ColumnMapping } from '../../bindings/ColumnMapping';
import type { Field } from '../../bindings/Field';
import type { MessageKey } from '../i18n/en';
import { truncate } from '../shared/format';

/** Every field a column can map to, in the order the select shows them. */
export const FIELDS: readonly Field[] = [
  'first_name',
  'last_name',
  'full_name',
  'email',
  'phone',
  'street',
  'postcode',
  'town',
  'country',
  'language',
  'consent',
  'consent_date',
  'subscription',
  'tags',
  'signed_at',
  'comment',
  'custom',
  'ignore',
];

/** Fields that several columns may share: each is kept (custom), dropped (ignore) or merged (tags). */
export const SHARED_FIELDS: readonly Field[] = ['custom', 'ignore', 'tags'];

/** Fields that identify a person; a file mapping none of them imports nobody. */
export const IDENTITY_FIELDS: readonly Field[] = ['email', 'first_name', 'last_name', 'full_name'];

/**
 * Fields stored with the signature, not the person. With no petition there is no signature,
 * and the import keeps such columns as custom fields (the report's kept_as_custom says which).
 */
export const SIGNATURE_FIELDS: readonly Field[] = ['signed_at', 'comment'];

export function fieldLabel(field: Field): MessageKey {
  return `mapfield.${field}`;
}

/**
 * The columns (by index) that the import keeps as custom fields instead of storing them with
 * the signature: mapped to a signature field and named in the report's kept_as_custom. The
 * field is checked too, so that a column that was just mapped elsewhere loses its hint before
 * the next preview arrives.
 */
export function keptAsCustomColumns(mapping: ColumnMapping[], keptAsCustom: string[]): Set<number> {
  return new Set(
    mapping
      .filter((column) => SIGNATURE_FIELDS.includes(column.field) && keptAsCustom.includes(column.header))
      .map((column) => column.index),
  );
}

/** Sets (or replaces) the person's choice for one column. */
export function setOverride(overrides: ColumnMapping[], choice: ColumnMapping): ColumnMapping[] {
  return [...overrides.filter((o) => o.index !== choice.index), choice].sort((a, b) => a.index - b.index);
}

/**
 * Keeps the choices that still fit the file after it was read again (another encoding,
 * delimiter or sheet): the column at that index must still have the same header.
 */
export function reconcileOverrides(overrides: ColumnMapping[], headers: string[]): ColumnMapping[] {
  return overrides.filter((o) => headers[o.index] === o.header);
}

/**
 * The mapping the import will use: one entry per column, the person's choice first,
 * then the backend's guess; a column neither mentions is kept as a custom field.
 */
export function effectiveMapping(
  headers: string[],
  guessed: ColumnMapping[],
  overrides: ColumnMapping[],
): ColumnMapping[] {
  return headers.map((header, index) => {
    const chosen = overrides.find((o) => o.index === index && o.header === header);
    const guess = guessed.find((g) => g.index === index);
    return { index, header, field: chosen?.field ?? guess?.field ?? 'custom' };
  });
}

/** Up to max distinct non-empty sample values of one column, shortened for display. */
export function columnSamples(sample: string[][], index: number, max = 3, width = 40): string[] {
  const values: string[] = [];
  for (const row of sample) {
    const value = (row[index] ?? '').trim();
    if (value !== '' && !values.includes(value)) values.push(value);
    if (values.length >= max) break;
  }
  return values.map((value) => truncate(value, width));
}

export type MappingProblem =
  | { kind: 'duplicate'; field: Field; headers: string[] }
  | { kind: 'no_identity' };

/** What looks wrong with a mapping; the person may still go ahead. */
export function mappingProblems(mapping: ColumnMapping[]): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const byField = new Map<Field, string[]>();
  for (const column of mapping) {
    if (SHARED_FIELDS.includes(column.field)) continue;
    byField.set(column.field, [...(byField.get(column.field) ?? []), column.header]);
  }
  for (const [field, headers] of byField) {
    if (headers.length > 1) problems.push({ kind: 'duplicate', field, headers });
  }
  if (mapping.length > 0 && !mapping.some((column) => IDENTITY_FIELDS.includes(column.field))) {
    problems.push({ kind: 'no_identity' });
  }
  return problems;
}
