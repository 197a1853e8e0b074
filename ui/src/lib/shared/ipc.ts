/**
 * The one door to the backend's commands: every lib/<domain>/api.ts calls invoke from here
 * (an ESLint rule keeps it so). A command refused with code "locked" means the database is
 * closed, whoever closed it, so whatever view made the call, the app goes to its unlock
 * screen; the security gate listens (lib/security/gate.svelte.ts).
 */
import { invoke as tauriInvoke, type InvokeArgs } from '@tauri-apps/api/core';
import { isAppError } from './errors';

export type InvokeOptions = {
  /**
   * False for a command whose "locked" means something of its own (a backup that needs the
   * passphrase of its day) rather than that the database is closed.
   */
  lockedMeansClosed?: boolean;
};

type Listener = () => void;
const listeners = new Set<Listener>();

/** Calls listener whenever a command is refused because the database is locked. */
export function onLockedRefusal(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export async function invoke<T>(cmd: string, args?: InvokeArgs, options: InvokeOptions = {}): Promise<T> {
  try {
    return await tauriInvoke<T>(cmd, args);
  } catch (error) {
    if ((options.lockedMeansClosed ?? true) && isAppError(error) && error.code === 'locked') {
      for (const listener of [...listeners]) listener();
    }
    throw error;
  }
}
