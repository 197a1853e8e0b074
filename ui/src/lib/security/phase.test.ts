import { describe, expect, it } from 'vitest';
import { canLock, phaseFor } from './phase';

describe('which screen the app shows', () => {
  it('is the first run while there is no database', () => {
    expect(phaseFor({ state: 'missing', unlocked: false })).toBe('first_run');
  });

  it('is the unlock screen for an encrypted database that is closed', () => {
    expect(phaseFor({ state: 'encrypted', unlocked: false })).toBe('locked');
  });

  it('is the app once the database is open, encrypted or not', () => {
    expect(phaseFor({ state: 'encrypted', unlocked: true })).toBe('open');
    expect(phaseFor({ state: 'plaintext', unlocked: true })).toBe('open');
  });

  it('is a dead end for a plaintext database the backend did not open', () => {
    expect(phaseFor({ state: 'plaintext', unlocked: false })).toBe('unavailable');
  });
});

describe('locking', () => {
  it('is offered only for an encrypted database that is open', () => {
    expect(canLock({ state: 'encrypted', unlocked: true })).toBe(true);
    expect(canLock({ state: 'encrypted', unlocked: false })).toBe(false);
    expect(canLock({ state: 'plaintext', unlocked: true })).toBe(false);
    expect(canLock(null)).toBe(false);
  });
});
