import { describe, expect, it } from 'vitest';
import type { ColumnMapping } from '../../bindings/ColumnMapping';
import { en } from '../i18n/en';
import {
  columnSamples,
  effectiveMapping,
  fieldLabel,
  FIELDS,
  keptAsCustomColumns,
  mappingProblems,
  reconcileOverrides,
  setOverride,
} from './mapping';

const headers = ['Vorname', 'Nachname', 'E-Mail', 'Ort', 'Notiz'];
const guessed: ColumnMapping[] = [
  { index: 0, header: 'Vorname', field: 'first_name' },
  { index: 1, header: 'Nachname', field: 'last_name' },
  { index: 2, header: 'E-Mail', field: 'email' },
  { index: 3, header: 'Ort', field: 'town' },
];

describe('effectiveMapping', () => {
  it('uses the guess, and keeps an unguessed column as a custom field', () => {
    const mapping = effectiveMapping(headers, guessed, []);
    expect(mapping.map((m) => m.field)).toEqual(['first_name', 'last_name', 'email', 'town', 'custom']);
    expect(mapping[4]).toEqual({ index: 4, header: 'Notiz', field: 'custom' });
  });

  it("puts the person's choice over the guess", () => {
    const overrides = [{ index: 4, header: 'Notiz', field: 'comment' as const }];
    expect(effectiveMapping(headers, guessed, overrides)[4].field).toBe('comment');
  });

  it('ignores a choice whose header no longer matches', () => {
    const overrides = [{ index: 3, header: 'Stadt', field: 'ignore' as const }];
    expect(effectiveMapping(headers, guessed, overrides)[3].field).toBe('town');
  });
});

describe('overrides', () => {
  it('setOverride replaces the choice for the same column and keeps index order', () => {
    let overrides: ColumnMapping[] = [];
    overrides = setOverride(overrides, { index: 3, header: 'Ort', field: 'ignore' });
    overrides = setOverride(overrides, { index: 1, header: 'Nachname', field: 'full_name' });
    overrides = setOverride(overrides, { index: 3, header: 'Ort', field: 'custom' });
    expect(overrides).toEqual([
      { index: 1, header: 'Nachname', field: 'full_name' },
      { index: 3, header: 'Ort', field: 'custom' },
    ]);
  });

  it('reconcileOverrides keeps only choices whose column still has the same header', () => {
    const overrides: ColumnMapping[] = [
      { index: 0, header: 'Vorname', field: 'full_name' },
      { index: 2, header: 'Email', field: 'ignore' },
      { index: 9, header: 'Extra', field: 'tags' },
    ];
    expect(reconcileOverrides(overrides, headers)).toEqual([{ index: 0, header: 'Vorname', field: 'full_name' }]);
  });
});

describe('columnSamples', () => {
  const sample = [
    ['Mira', ' ', 'x'],
    ['Mira', 'Kestrel', 'y'],
    ['Olek', '', 'z'],
    ['Tamsin', 'Vale', 'w'],
  ];
  it('lists distinct non-empty values, up to the limit', () => {
    expect(columnSamples(sample, 0)).toEqual(['Mira', 'Olek', 'Tamsin']);
    expect(columnSamples(sample, 1)).toEqual(['Kestrel', 'Vale']);
    expect(columnSamples(sample, 2, 2)).toEqual(['x', 'y']);
  });
  it('copes with short rows and shortens long values', () => {
    expect(columnSamples([['a']], 5)).toEqual([]);
    expect(columnSamples([['a'.repeat(50)]], 0, 3, 10)).toEqual([`${'a'.repeat(9)}…`]);
  });
});

describe('mappingProblems', () => {
  it('finds nothing wrong with a plain mapping', () => {
    expect(mappingProblems(effectiveMapping(headers, guessed, []))).toEqual([]);
  });

  it('reports two columns stored as the same single field', () => {
    const mapping = effectiveMapping(headers, guessed, [{ index: 3, header: 'Ort', field: 'email' }]);
    expect(mappingProblems(mapping)).toEqual([{ kind: 'duplicate', field: 'email', headers: ['E-Mail', 'Ort'] }]);
  });

  it('allows several custom, ignored or tag columns', () => {
    const mapping: ColumnMapping[] = [
      { index: 0, header: 'a', field: 'email' },
      { index: 1, header: 'b', field: 'custom' },
      { index: 2, header: 'c', field: 'custom' },
      { index: 3, header: 'd', field: 'ignore' },
      { index: 4, header: 'e', field: 'ignore' },
      { index: 5, header: 'f', field: 'tags' },
      { index: 6, header: 'g', field: 'tags' },
    ];
    expect(mappingProblems(mapping)).toEqual([]);
  });

  it('warns when no column identifies a person', () => {
    const mapping: ColumnMapping[] = [{ index: 0, header: 'Ort', field: 'town' }];
    expect(mappingProblems(mapping)).toEqual([{ kind: 'no_identity' }]);
  });
});

describe('fields', () => {
  it('has a label for every field and lists each once', () => {
    expect(new Set(FIELDS).size).toBe(FIELDS.length);
    for (const field of FIELDS) expect(en).toHaveProperty(fieldLabel(field));
  });
});

describe('keptAsCustomColumns', () => {
  const mapping: ColumnMapping[] = [
    { index: 0, header: 'E-Mail', field: 'email' },
    { index: 1, header: 'Signed', field: 'signed_at' },
    { index: 2, header: 'Notiz', field: 'comment' },
    { index: 3, header: 'Notiz', field: 'custom' },
  ];

  it('marks the signature columns the report keeps as custom fields', () => {
    expect(keptAsCustomColumns(mapping, ['Signed', 'Notiz'])).toEqual(new Set([1, 2]));
  });

  it('marks nothing when a petition was chosen (the report keeps none)', () => {
    expect(keptAsCustomColumns(mapping, [])).toEqual(new Set());
  });

  it('drops a column mapped away from the signature before the next report says so', () => {
    const moved = mapping.map((m) => (m.index === 1 ? { ...m, field: 'custom' as const } : m));
    expect(keptAsCustomColumns(moved, ['Signed', 'Notiz'])).toEqual(new Set([2]));
  });
});
