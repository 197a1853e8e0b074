/**
 * Which screen the app shows, from what the backend says about the database: the first run
 * while there is none, the unlock screen while it is encrypted and closed, the app once open.
 */
import type { SecurityState } from '../../bindings/SecurityState';

export type Phase =
  /** Asking the backend. */
  | 'starting'
  /** No database yet: make one, with a passphrase. */
  | 'first_run'
  /** Encrypted and closed: only the unlock screen. */
  | 'locked'
  /** Open: the app itself. */
  | 'open'
  /** A database in the clear that is not open: nothing here can open it (restart the app). */
  | 'unavailable';

export function phaseFor(state: Pick<SecurityState, 'state' | 'unlocked'>): Phase {
  if (state.unlocked) return 'open';
  switch (state.state) {
    case 'missing':
      return 'first_run';
    case 'encrypted':
      return 'locked';
    case 'plaintext':
      return 'unavailable';
  }
}

/** Only an encrypted database can be locked: a plaintext one has no key to drop. */
export function canLock(state: Pick<SecurityState, 'state' | 'unlocked'> | null): boolean {
  return state !== null && state.unlocked && state.state === 'encrypted';
}
