import type { OutboxStatus } from '../../bindings/OutboxStatus';
import type { SendPhase } from '../../bindings/SendPhase';
import type { StateCounts } from '../../bindings/StateCounts';
import type { MessageKey } from '../i18n/en';
import type { Lang, Params } from '../i18n/types';
import { parseTimestamp } from '../shared/format';

type Translate = (key: MessageKey, params?: Params) => string;

/** Every message state, in the order a send moves through them. */
export const MESSAGE_STATES = [
  'queued',
  'sending',
  'deferred',
  'sent',
  'failed',
  'suppressed',
  'cancelled',
  'uncertain',
] as const satisfies readonly (keyof StateCounts)[];

/** Messages nothing more happens to: sent, failed, suppressed or cancelled. */
export function doneCount(counts: StateCounts): number {
  return counts.sent + counts.failed + counts.suppressed + counts.cancelled;
}

/** Whether a send in this window is still going (the last phases end it). */
export function isRunning(phase: SendPhase): boolean {
  return phase !== 'finished' && phase !== 'stopped';
}

/** A length of time in words: "45 s", "4 min 10 s", "2 h 5 min". */
export function formatDuration(seconds: number, tr: Translate): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return tr('duration.seconds', { s: total });
  if (total < 3600) {
    const m = Math.floor(total / 60);
    const s = total % 60;
    return s === 0 ? tr('duration.minutes', { m }) : tr('duration.minutes_seconds', { m, s });
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return m === 0 ? tr('duration.hours', { h }) : tr('duration.hours_minutes', { h, m });
}

/** The time left, or that it is not known yet (nothing sent, or paused). */
export function formatEta(seconds: number | null, tr: Translate): string {
  return seconds === null ? tr('send.eta_unknown') : tr('send.eta', { duration: formatDuration(seconds, tr) });
}

/** Messages per second: one decimal below ten, whole numbers above. */
export function formatRate(perSecond: number, lang: Lang): string {
  const rate = Number.isFinite(perSecond) && perSecond > 0 ? perSecond : 0;
  return new Intl.NumberFormat(lang, { maximumFractionDigits: rate < 10 ? 1 : 0 }).format(rate);
}

/** A moment later today as a time, another day with its date. */
export function formatMoment(value: string, lang: Lang, now: Date = new Date()): string {
  const date = parseTimestamp(value);
  if (!date) return value;
  const sameDay = date.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** What a running send is doing, in words; waiting for a retry says until when. */
export function phaseLabel(phase: SendPhase, nextRetryAt: string | null, tr: Translate, lang: Lang, now?: Date): string {
  if (phase === 'waiting_for_retry' && nextRetryAt) {
    return tr('send_phase.waiting_until', { time: formatMoment(nextRetryAt, lang, now) });
  }
  return tr(`send_phase.${phase}`);
}

/** Where a mailing stands when this window is not sending it. */
export type IdleState = 'empty' | 'finished' | 'elsewhere' | 'ready' | 'stopped';

export function idleState(status: OutboxStatus): IdleState {
  if (status.total === 0) return 'empty';
  if (status.finished) return 'finished';
  if (status.sending_elsewhere) return 'elsewhere';
  if (status.counts.queued === status.total) return 'ready';
  return 'stopped';
}
