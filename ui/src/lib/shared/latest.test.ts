import { describe, expect, it } from 'vitest';
import { createLatest } from './latest';

describe('createLatest', () => {
  it('keeps only the newest ticket current', () => {
    const latest = createLatest();
    const first = latest.next();
    expect(latest.isCurrent(first)).toBe(true);
    const second = latest.next();
    expect(latest.isCurrent(first)).toBe(false);
    expect(latest.isCurrent(second)).toBe(true);
  });

  it('keeps separate guards apart', () => {
    const a = createLatest();
    const b = createLatest();
    const ticket = a.next();
    b.next();
    b.next();
    expect(a.isCurrent(ticket)).toBe(true);
  });
});
