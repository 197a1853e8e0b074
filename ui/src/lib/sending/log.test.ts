import { describe, expect, it } from 'vitest';
import { keepSelected, knownOutcome, LOG_FILTERS, outboxQuery } from './log';

describe('log query', () => {
  it('asks for every state with "all", and for one state otherwise', () => {
    expect(outboxQuery('all', '', 0, 50)).toEqual({ state: null, search: null, offset: 0, limit: 50 });
    expect(outboxQuery('failed', '  ', 50, 50)).toEqual({ state: 'failed', search: null, offset: 50, limit: 50 });
  });

  it('sends the search trimmed', () => {
    expect(outboxQuery('uncertain', ' brenn ', 0, 50)).toEqual({ state: 'uncertain', search: 'brenn', offset: 0, limit: 50 });
  });

  it('offers all and then each state', () => {
    expect(LOG_FILTERS[0]).toBe('all');
    expect(LOG_FILTERS).toContain('deferred');
    expect(LOG_FILTERS).toHaveLength(9);
  });

  it('keeps selected only the rows still uncertain', () => {
    const rows = [
      { id: 1, state: 'uncertain' as const },
      { id: 2, state: 'sent' as const },
      { id: 3, state: 'uncertain' as const },
    ];
    expect(keepSelected([1, 2, 4], rows)).toEqual([1]);
  });
});

describe('attempt outcomes', () => {
  it('knows the recorded outcomes and leaves others as they are', () => {
    expect(knownOutcome('marked_sent')).toBe('marked_sent');
    expect(knownOutcome('exploded')).toBeNull();
  });
});
