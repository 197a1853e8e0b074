import type { Lang } from '../i18n/types';

/** A backend timestamp ("2024-05-01 12:30:00", RFC 3339 or a plain date) as a Date. */
export function parseTimestamp(value: string): Date | null {
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  let iso = text.replace(' ', 'T');
  // SQLite's CURRENT_TIMESTAMP carries no zone and is UTC.
  if (!dateOnly && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso += 'Z';
  const date = new Date(dateOnly ? `${text}T00:00:00` : iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Date and time in the person's language; the raw text if it cannot be read. */
export function formatDateTime(value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const date = parseTimestamp(value);
  if (!date) return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(date);
  }
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The date alone, for narrow table columns. */
export function formatDate(value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const date = parseTimestamp(value);
  return date ? new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(date) : value;
}

export function formatNumber(value: number, lang: Lang): string {
  return new Intl.NumberFormat(lang).format(value);
}

/** Percentage done, 0–100, or null when the total is unknown. */
export function percent(done: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}

/** "First Last", whichever parts exist; empty when neither does. */
export function fullName(first: string | null, last: string | null): string {
  return [first, last]
    .map((part) => (part ?? '').trim())
    .filter((part) => part !== '')
    .join(' ');
}

/** The file name without folders or extension, for suggested file names. */
export function fileStem(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? path;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A value shortened to max characters with an ellipsis. */
export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, Math.max(0, max - 1))}…` : value;
}

/** A cell's line breaks made visible on one line (CR LF, CR and LF each become one "⏎"). */
export function showLineBreaks(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '⏎');
}

/** Items as a sentence's list in the person's language: "A, B, and C"; «А», «Б» и «В». */
export function formatList(items: string[], lang: Lang): string {
  return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(items);
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** A file's size in the person's language: "812 kB", "3.4 MB" (powers of 1000, as file managers show them). */
export function formatBytes(bytes: number, lang: Lang): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}
