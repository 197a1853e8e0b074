import { describe, expect, it } from 'vitest';
import type { OutboxStatus } from '../../bindings/OutboxStatus';
import type { StateCounts } from '../../bindings/StateCounts';
import type { MessageKey } from '../i18n/en';
import { translate } from '../i18n/translate';
import type { Params } from '../i18n/types';
import { doneCount, formatDuration, formatEta, formatMoment, formatRate, idleState, isRunning, phaseLabel } from './progress';

const en = (key: MessageKey, params?: Params) => translate('en', key, params);
const ru = (key: MessageKey, params?: Params) => translate('ru', key, params);
const none: StateCounts = { queued: 0, sending: 0, sent: 0, deferred: 0, failed: 0, suppressed: 0, cancelled: 0, uncertain: 0 };

describe('progress', () => {
  it('counts as done what nothing more happens to', () => {
    expect(doneCount({ ...none, queued: 5, sending: 2, deferred: 3, uncertain: 1, sent: 10, failed: 2, suppressed: 1, cancelled: 4 })).toBe(17);
  });

  it('knows which phases are still running', () => {
    expect(isRunning('paused')).toBe(true);
    expect(isRunning('waiting_for_retry')).toBe(true);
    expect(isRunning('finished')).toBe(false);
    expect(isRunning('stopped')).toBe(false);
  });
});

describe('durations, ETA and rate', () => {
  it('says durations in seconds, minutes and hours', () => {
    expect(formatDuration(0, en)).toBe('0 s');
    expect(formatDuration(44.6, en)).toBe('45 s');
    expect(formatDuration(120, en)).toBe('2 min');
    expect(formatDuration(250, en)).toBe('4 min 10 s');
    expect(formatDuration(3600, en)).toBe('1 h');
    expect(formatDuration(7530, en)).toBe('2 h 5 min');
    expect(formatDuration(250, ru)).toBe('4 мин 10 с');
  });

  it('says when the time left is not known', () => {
    expect(formatEta(250, en)).toBe('about 4 min 10 s');
    expect(formatEta(null, en)).toBe('not known yet');
  });

  it('shows one decimal for slow rates and none for fast ones', () => {
    expect(formatRate(2.46, 'en')).toBe('2.5');
    expect(formatRate(2.46, 'ru')).toBe('2,5');
    expect(formatRate(12.6, 'en')).toBe('13');
    expect(formatRate(Number.NaN, 'en')).toBe('0');
  });
});

describe('phase labels', () => {
  const now = new Date('2024-06-01T10:00:00Z');

  it('names every phase', () => {
    expect(phaseLabel('running', null, en, 'en')).toBe('Sending');
    expect(phaseLabel('slowed_down', null, en, 'en')).toBe('Slowed down by the server');
    expect(phaseLabel('paused', null, ru, 'ru')).toBe('Приостановлено');
  });

  it('says until when it waits for a retry', () => {
    const label = phaseLabel('waiting_for_retry', '2024-06-01T10:15:00.000Z', en, 'en', now);
    const time = new Intl.DateTimeFormat('en', { timeStyle: 'short' }).format(new Date('2024-06-01T10:15:00.000Z'));
    expect(label).toBe(`Waiting for retry at ${time}`);
    expect(phaseLabel('waiting_for_retry', null, en, 'en')).toBe('Waiting for retry');
  });

  it('adds the date when the moment is on another day', () => {
    expect(formatMoment('2024-06-03T10:15:00.000Z', 'en', now)).toContain('2024');
    expect(formatMoment('soon', 'en', now)).toBe('soon');
  });
});

describe('idle state', () => {
  const status = (counts: Partial<StateCounts>, extra: Partial<OutboxStatus> = {}): OutboxStatus => {
    const all = { ...none, ...counts };
    const total = Object.values(all).reduce((a, b) => a + b, 0);
    return { mailing_id: 12, counts: all, total, finished: false, sending_elsewhere: false, next_retry_at: null, ...extra };
  };

  it('says finished only when the backend says so', () => {
    expect(idleState(status({ sent: 3 }, { finished: true }))).toBe('finished');
    expect(idleState(status({ sent: 3 }))).toBe('stopped');
  });

  it('tells apart nothing to send, not started, elsewhere and stopped', () => {
    expect(idleState(status({}))).toBe('empty');
    expect(idleState(status({ queued: 4 }))).toBe('ready');
    expect(idleState(status({ queued: 2, sending: 2 }, { sending_elsewhere: true }))).toBe('elsewhere');
    expect(idleState(status({ queued: 2, uncertain: 1 }))).toBe('stopped');
  });
});
