/**
 * Retention without the screen: a campaign's period as typed (empty: kept until erased by
 * hand), and the words for what a purge would do or did.
 */
import type { PurgeReport } from '../../bindings/PurgeReport';
import type { MessageKey } from '../i18n/en';
import type { Params } from '../i18n/types';
import { wholeNumber } from '../shared/numbers';

type Translate = (key: MessageKey, params?: Params) => string;

/** A hundred years: anything longer is a typo. */
export const MAX_MONTHS = 1200;

/** The period typed: a number of months, null for off, or undefined when it is not one. */
export function parseMonths(text: string): number | null | undefined {
  if (text.trim() === '') return null;
  return wholeNumber(text, 1, MAX_MONTHS) ?? undefined;
}

export function monthsText(months: number | null): string {
  return months === null ? '' : String(months);
}

/** "3 people, 5 signatures, 12 messages": the parts of a purge that are not zero. */
export function purgeParts(report: PurgeReport, t: Translate): string[] {
  const parts: string[] = [t('retention.count_people', { count: report.people })];
  if (report.signatures > 0) parts.push(t('retention.count_signatures', { count: report.signatures }));
  if (report.messages > 0) parts.push(t('retention.count_messages', { count: report.messages }));
  return parts;
}
