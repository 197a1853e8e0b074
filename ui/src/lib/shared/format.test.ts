import { describe, expect, it } from 'vitest';
import {
  fileStem,
  formatBytes,
  formatDate,
  formatDateTime,
  formatList,
  formatNumber,
  fullName,
  parseTimestamp,
  percent,
  showLineBreaks,
  truncate,
} from './format';

describe('parseTimestamp', () => {
  it('reads SQLite timestamps as UTC', () => {
    expect(parseTimestamp('2024-05-01 12:30:00')?.toISOString()).toBe('2024-05-01T12:30:00.000Z');
  });
  it('reads RFC 3339 with a zone', () => {
    expect(parseTimestamp('2024-05-01T12:30:00+02:00')?.toISOString()).toBe('2024-05-01T10:30:00.000Z');
    expect(parseTimestamp('2024-05-01T12:30:00Z')?.toISOString()).toBe('2024-05-01T12:30:00.000Z');
  });
  it('reads plain dates', () => {
    expect(parseTimestamp('2024-05-01')?.getDate()).toBe(1);
  });
  it('returns null for text it cannot read', () => {
    expect(parseTimestamp('last Tuesday')).toBeNull();
  });
});

describe('formatDateTime', () => {
  it('formats for the language', () => {
    const text = formatDateTime('2024-05-01', 'en');
    expect(text).toContain('2024');
    expect(text).toContain('May');
    expect(formatDateTime('2024-05-01', 'ru')).toContain('мая');
  });
  it('can leave the time out', () => {
    expect(formatDate('2024-05-01 09:30:00', 'en')).toBe('May 1, 2024');
  });
  it('shows unreadable values as they are, and nothing for null', () => {
    expect(formatDateTime('soon', 'en')).toBe('soon');
    expect(formatDateTime(null, 'en')).toBe('');
  });
});

describe('small helpers', () => {
  it('formats numbers per language', () => {
    expect(formatNumber(1234567, 'en')).toBe('1,234,567');
    expect(formatNumber(1234567, 'ru')).toBe('1\u00a0234\u00a0567');
  });
  it('computes percentages and knows when the total is unknown', () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(10, 0)).toBeNull();
  });
  it('joins names', () => {
    expect(fullName('Mira', 'Kestrel')).toBe('Mira Kestrel');
    expect(fullName(null, ' Kestrel ')).toBe('Kestrel');
    expect(fullName(null, null)).toBe('');
  });
  it('takes the file stem from either kind of path', () => {
    expect(fileStem('/home/a/list.final.csv')).toBe('list.final');
    expect(fileStem('C:\\Users\\a\\paper.xlsx')).toBe('paper');
    expect(fileStem('noext')).toBe('noext');
  });
  it('truncates long values', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('formatBytes', () => {
  it('shows sizes in powers of 1000, one decimal below 100', () => {
    expect(formatBytes(812, 'en')).toBe('812 bytes');
    expect(formatBytes(812_400, 'en')).toBe('812 kB');
    expect(formatBytes(3_450_000, 'en')).toBe('3.5 MB');
    expect(formatBytes(1_500_000_000, 'en')).toBe('1.5 GB');
  });
  it('in the person’s language', () => {
    // ICU versions differ on the space before the unit (plain or no-break).
    expect(formatBytes(3_450_000, 'ru')).toMatch(/^3,5\sМБ$/u);
  });
});

describe('showLineBreaks', () => {
  it('marks each line break of a cell, whichever the file used, with one ⏎', () => {
    expect(showLineBreaks('Port\nCalloway')).toBe('Port⏎Calloway');
    expect(showLineBreaks('Flat 3\r\nHollin\rEast')).toBe('Flat 3⏎Hollin⏎East');
    expect(showLineBreaks('a\n\nb')).toBe('a⏎⏎b');
  });
  it('leaves a value without line breaks as it is', () => {
    expect(showLineBreaks('Lindenfeld')).toBe('Lindenfeld');
  });
});

describe('formatList', () => {
  it('joins items as the language writes a list', () => {
    expect(formatList(['A'], 'en')).toBe('A');
    expect(formatList(['A', 'B'], 'en')).toBe('A and B');
    expect(formatList(['A', 'B', 'C'], 'ru')).toBe('A, B и C');
  });
});
