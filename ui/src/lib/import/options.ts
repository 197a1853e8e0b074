import type { ColumnMapping } from '../../bindings/ColumnMapping';
import type { ImportOptions } from '../../bindings/ImportOptions';
import type { ImportReport } from '../../bindings/ImportReport';
import type { OnExisting } from '../../bindings/OnExisting';
import type { MessageKey } from '../i18n/en';

/** Encodings offered for CSV files (labels encoding_rs understands). */
export const ENCODINGS = [
  'UTF-8',
  'UTF-16LE',
  'UTF-16BE',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'ISO-8859-2',
  'KOI8-R',
  'IBM866',
] as const;

export const DELIMITERS = [',', ';', '\t', '|'] as const;

export const DELIMITER_LABELS: Record<string, MessageKey> = {
  ',': 'delimiter.comma',
  ';': 'delimiter.semicolon',
  '\t': 'delimiter.tab',
  '|': 'delimiter.pipe',
};

export const ON_EXISTING: readonly OnExisting[] = ['fill_blanks', 'overwrite', 'keep'];

/** The list of choices, with the detected value added when it is not one of them. */
export function withDetected(list: readonly string[], detected: string | null): string[] {
  if (!detected) return [...list];
  const known = list.some((item) => item.toLowerCase() === detected.toLowerCase());
  return known ? [...list] : [...list, detected];
}

/** Everything the person chose in the wizard. */
export type ImportSettings = {
  encoding: string | null;
  delimiter: string | null;
  sheet: string | null;
  onExisting: OnExisting;
  petitionId: number | null;
  /** Only the columns the person changed; the backend guesses the rest. */
  overrides: ColumnMapping[];
};

export function defaultSettings(): ImportSettings {
  return {
    encoding: null,
    delimiter: null,
    sheet: null,
    onExisting: 'fill_blanks',
    petitionId: null,
    overrides: [],
  };
}

export function toImportOptions(settings: ImportSettings): ImportOptions {
  return {
    encoding: settings.encoding,
    delimiter: settings.delimiter,
    sheet: settings.sheet,
    mapping: settings.overrides.map(({ index, header, field }) => ({ index, header, field })),
    on_existing: settings.onExisting,
    petition_id: settings.petitionId,
  };
}

/** Rows the import will take in: every row of the file except the rejected ones. */
export function rowsToImport(report: ImportReport): number {
  return Math.max(0, report.rows - report.rejected);
}

/** The report counts, in the order they are shown. */
export const REPORT_COUNTS = ['imported', 'updated', 'duplicates', 'suppressed', 'rejected'] as const;
export type ReportCount = (typeof REPORT_COUNTS)[number];
