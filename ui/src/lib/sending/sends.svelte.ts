import type { SendPhase } from '../../bindings/SendPhase';
import type { SendProgress } from '../../bindings/SendProgress';
import { forgetOnLock } from '../shared/session';
import { startSend } from './api';

/**
 * Sends running in this window, by mailing id: null until the first progress report, then the
 * latest one. Kept outside the view, so leaving the Sending screen and coming back finds the
 * send where it is (the backend goes on sending either way).
 */
const running = $state<Record<number, SendProgress | null>>({});

// Locking stops the sends (the backend pauses them first); their last figures go with the lock.
forgetOnLock(() => {
  for (const id of Object.keys(running)) delete running[Number(id)];
});

export const sends = {
  isRunning(mailingId: number): boolean {
    return mailingId in running;
  },
  progress(mailingId: number): SendProgress | null {
    return running[mailingId] ?? null;
  },
  /** Starts the send; resolves with the last progress when it finished or stopped. */
  async run(mailingId: number, profileId: number, password: string | null): Promise<SendProgress> {
    running[mailingId] = null;
    try {
      return await startSend(mailingId, profileId, password, (progress) => {
        if (mailingId in running) running[mailingId] = progress;
      });
    } finally {
      delete running[mailingId];
    }
  },
  /** Shows a pause or resume at once; the next progress report confirms it. */
  showPhase(mailingId: number, phase: SendPhase): void {
    const progress = running[mailingId];
    if (progress) running[mailingId] = { ...progress, phase };
  },
};
