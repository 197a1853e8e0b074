/**
 * What an import report says beyond its counts, in the person's words: the columns kept as
 * custom fields for want of a petition, and the cells whose line breaks were joined.
 */
import type { FoldedRow } from '../../bindings/FoldedRow';
import type { MessageKey } from '../i18n/en';
import type { Lang, Params } from '../i18n/types';
import { formatList } from '../shared/format';
import { fieldLabel } from './mapping';

type Translate = (key: MessageKey, params?: Params) => string;

/**
 * The sentence naming the columns kept as custom fields (the report's kept_as_custom), before
 * the import ("preview") or after it ("done"); null when there are none.
 */
export function keptAsCustomNote(headers: string[], when: 'preview' | 'done', tr: Translate, lang: Lang): string | null {
  if (headers.length === 0) return null;
  const columns = formatList(
    headers.map((header) => tr('common.quoted', { text: header || tr('mapping.no_header') })),
    lang,
  );
  const key = when === 'preview' ? 'import.kept_as_custom' : 'report.kept_as_custom';
  return tr(key, { count: headers.length, columns });
}

/** A folded cell's field in the person's language. */
export function foldFieldLabel(fold: Pick<FoldedRow, 'field'>, tr: Translate): string {
  return tr(fieldLabel(fold.field));
}

/** Folded cells the report counted but does not list (it lists the first thousand). */
export function unlistedFolds(report: { folded: number; folds: unknown[] }): number {
  return Math.max(0, report.folded - report.folds.length);
}
