/**
 * A new passphrase as the forms check it: the meter's level for the backend's strength score
 * (zxcvbn, 0 to 4), and what still keeps the passphrase from being used.
 */
import type { Strength } from '../../bindings/Strength';

export const LEVELS = ['very_weak', 'weak', 'fair', 'strong', 'very_strong'] as const;
export type Level = (typeof LEVELS)[number];

/** The meter's level for a score; scores outside 0–4 are clamped. */
export function strengthLevel(score: number): Level {
  const index = Math.max(0, Math.min(LEVELS.length - 1, Math.round(score)));
  return LEVELS[index];
}

/** How full the meter is, 20 to 100: even the weakest fills a fifth, so the bar is seen. */
export function meterPercent(score: number): number {
  return (LEVELS.indexOf(strengthLevel(score)) + 1) * 20;
}

/** A strength as checked for one passphrase (the answer may be for an earlier one still). */
export type Checked = { passphrase: string; strength: Strength };

/** What keeps a new passphrase from being used, in the order the person meets it. */
export type PassphraseBlocker = 'empty' | 'checking' | 'weak' | 'unconfirmed' | 'mismatch';

export function passphraseBlocker(passphrase: string, confirm: string, checked: Checked | null): PassphraseBlocker | null {
  if (passphrase === '') return 'empty';
  if (checked === null || checked.passphrase !== passphrase) return 'checking';
  if (!checked.strength.acceptable) return 'weak';
  if (confirm === '') return 'unconfirmed';
  if (confirm !== passphrase) return 'mismatch';
  return null;
}
