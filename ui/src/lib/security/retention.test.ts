import { describe, expect, it } from 'vitest';
import { translate } from '../i18n/translate';
import { monthsText, parseMonths, purgeParts } from './retention';

describe('a campaign’s retention period as typed', () => {
  it('is off when empty, else whole months from 1', () => {
    expect(parseMonths('')).toBeNull();
    expect(parseMonths('  ')).toBeNull();
    expect(parseMonths('24')).toBe(24);
    expect(parseMonths(' 6 ')).toBe(6);
  });

  it('is not a period when zero, negative, fractional or absurd', () => {
    for (const text of ['0', '-3', '1.5', 'twelve', '1201']) expect(parseMonths(text), text).toBeUndefined();
  });

  it('shows off as an empty field', () => {
    expect(monthsText(null)).toBe('');
    expect(monthsText(36)).toBe('36');
  });
});

describe('the words for a purge', () => {
  const en = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('en', key, params);
  const ru = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('ru', key, params);
  const report = { dry_run: true, people: 3, signatures: 5, messages: 0, suppressed: 3 };

  it('names the people, and only the other parts that are not zero', () => {
    expect(purgeParts(report, en)).toEqual(['3 people', '5 signatures']);
    expect(purgeParts({ ...report, people: 1, signatures: 0, messages: 1 }, en)).toEqual(['1 person', '1 message']);
  });

  it('uses the Russian plural forms', () => {
    expect(purgeParts({ ...report, people: 21, signatures: 2, messages: 5 }, ru)).toEqual(['21 человек', '2 подписи', '5 писем']);
  });
});
