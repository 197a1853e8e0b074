/**
 * Whether the list may be shown. App.svelte renders by the phase: the app shell only while
 * the database is open, else the first run or the unlock screen, and nothing of the shell
 * stays mounted. Every way of locking comes through here: the Lock button and Ctrl+L, the
 * panic shortcut, the idle timer, and any command the backend refused as "locked".
 */
import type { SecurityState } from '../../bindings/SecurityState';
import { onLockedRefusal } from '../shared/ipc';
import { forgetSession } from '../shared/session';
import { lockDatabase, securityState, unlockRemembered } from './api';
import { canLock, phaseFor, type Phase } from './phase';

const state = $state<{ phase: Phase; security: SecurityState | null; pausedSends: number }>({
  phase: 'starting',
  security: null,
  pausedSends: 0,
});
/** What went wrong asking the backend or locking; the screens turn it into a sentence. */
let failure = $state.raw<unknown>(null);

/**
 * Key changes that close and reopen the database on the backend (encrypting, a new data key,
 * a restore): while one runs, "locked" answers are expected and do not lock the app, and a
 * lock asked for waits until it is done.
 */
let reopening = 0;
let lockWhenReopened = false;

async function load(): Promise<SecurityState> {
  const security = await securityState();
  state.security = security;
  return security;
}

/** Takes the shell down at once: the unlock screen replaces it before the backend answers. */
function closeShell() {
  state.phase = 'locked';
  state.pausedSends = 0;
  failure = null;
  forgetSession();
}

async function lock(): Promise<void> {
  if (state.phase !== 'open' || !canLock(state.security)) return;
  if (reopening > 0) {
    lockWhenReopened = true;
    return;
  }
  closeShell();
  try {
    state.pausedSends = (await lockDatabase()).paused_sends;
  } catch (error) {
    failure = error;
  }
  await load().catch(() => {});
}

// The backend closed the database (or never had it open): the app follows.
onLockedRefusal(() => {
  if (reopening > 0 || state.phase !== 'open') return;
  closeShell();
  void load().catch(() => {});
});

export const gate = {
  get phase(): Phase {
    return state.phase;
  },
  /** The backend's last word on the database; null before the first answer. */
  get security(): SecurityState | null {
    return state.security;
  },
  /** Sends the last lock paused, to be resumed after unlocking. */
  get pausedSends(): number {
    return state.pausedSends;
  },
  get failure(): unknown {
    return failure;
  },
  /** Whether the database can be locked (an encrypted one that is open). */
  get lockable(): boolean {
    return canLock(state.security);
  },

  /** At start: asks the backend, and opens with the key this computer remembers, if any. */
  async start(): Promise<void> {
    state.phase = 'starting';
    failure = null;
    try {
      let security = await load();
      if (phaseFor(security) === 'locked' && security.remembered) {
        const opened = await unlockRemembered().catch(() => false);
        if (opened) security = await load();
      }
      state.phase = phaseFor(security);
    } catch (error) {
      failure = error;
      state.phase = 'unavailable';
    }
  },

  /** After the first run or an unlock, when the backend has the database open. */
  async opened(): Promise<void> {
    const security = await load();
    state.pausedSends = 0;
    failure = null;
    state.phase = phaseFor(security);
  },

  /** Asks the backend again (the Security screen, after a change). */
  refresh(): Promise<SecurityState> {
    return load();
  },

  /** Locks now; nothing is asked (the Lock button asks the views first, see app/lock.ts). */
  lock,

  /** Runs a key change that closes and reopens the database on the backend (see reopening). */
  async reopening<T>(work: () => Promise<T>): Promise<T> {
    reopening += 1;
    try {
      return await work();
    } finally {
      reopening -= 1;
      await load().catch(() => {});
      if (reopening === 0 && lockWhenReopened) {
        lockWhenReopened = false;
        await lock();
      }
    }
  },
};
