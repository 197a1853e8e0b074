import { describe, expect, it } from 'vitest';
import type { Strength } from '../../bindings/Strength';
import { meterPercent, passphraseBlocker, strengthLevel } from './strength';

const strength = (score: number, acceptable = score >= 3): Strength => ({
  score,
  acceptable,
  warning: null,
  suggestions: [],
  crack_time: 'centuries',
});

describe('the strength meter', () => {
  it('names each zxcvbn score', () => {
    expect([0, 1, 2, 3, 4].map(strengthLevel)).toEqual(['very_weak', 'weak', 'fair', 'strong', 'very_strong']);
  });

  it('fills a fifth per step, so even the weakest shows', () => {
    expect([0, 1, 2, 3, 4].map(meterPercent)).toEqual([20, 40, 60, 80, 100]);
  });

  it('clamps scores outside 0–4', () => {
    expect(strengthLevel(-1)).toBe('very_weak');
    expect(strengthLevel(7)).toBe('very_strong');
    expect(meterPercent(9)).toBe(100);
  });
});

describe('what keeps a new passphrase from being used', () => {
  const good = 'correct horse battery staple';
  const checked = { passphrase: good, strength: strength(4) };

  it('is nothing once it is strong and typed twice', () => {
    expect(passphraseBlocker(good, good, checked)).toBeNull();
  });

  it('waits for the strength of the text as typed now, not an earlier one', () => {
    expect(passphraseBlocker(good, good, null)).toBe('checking');
    expect(passphraseBlocker(`${good}!`, `${good}!`, checked)).toBe('checking');
  });

  it('refuses a passphrase the backend does not accept, whatever its score', () => {
    expect(passphraseBlocker('password1', 'password1', { passphrase: 'password1', strength: strength(0) })).toBe('weak');
    expect(passphraseBlocker('Tr0ub4dor', 'Tr0ub4dor', { passphrase: 'Tr0ub4dor', strength: strength(3, false) })).toBe('weak');
  });

  it('asks for the second copy, and for one that matches', () => {
    expect(passphraseBlocker(good, '', checked)).toBe('unconfirmed');
    expect(passphraseBlocker(good, 'correct horse battery stapel', checked)).toBe('mismatch');
  });

  it('starts with an empty field', () => {
    expect(passphraseBlocker('', '', null)).toBe('empty');
  });
});
