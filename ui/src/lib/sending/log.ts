import type { MessageState } from '../../bindings/MessageState';
import type { OutboxQuery } from '../../bindings/OutboxQuery';
import { MESSAGE_STATES } from './progress';

/** The per-recipient log shows every message, or those in one state. */
export type LogFilter = 'all' | MessageState;

export const LOG_FILTERS: readonly LogFilter[] = ['all', ...MESSAGE_STATES];

/** The backend's query for one page of the log. */
export function outboxQuery(filter: LogFilter, search: string, offset: number, limit: number): OutboxQuery {
  const term = search.trim();
  return { state: filter === 'all' ? null : filter, search: term === '' ? null : term, offset, limit };
}

/** The ids kept selected: only those still shown and still uncertain can be resolved. */
export function keepSelected(selected: readonly number[], rows: readonly { id: number; state: MessageState }[]): number[] {
  const uncertain = new Set(rows.filter((row) => row.state === 'uncertain').map((row) => row.id));
  return selected.filter((id) => uncertain.has(id));
}

/** The outcomes the backend records for an attempt; others are shown as they come. */
const OUTCOMES = ['sent', 'deferred', 'failed', 'uncertain', 'suppressed', 'requeued', 'marked_sent', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function knownOutcome(value: string): Outcome | null {
  return (OUTCOMES as readonly string[]).includes(value) ? (value as Outcome) : null;
}
