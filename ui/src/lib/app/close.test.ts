import { describe, expect, it } from 'vitest';
import { guardClose, guardWindowClose, type ClosableWindow } from './close';

/** A window that records what the guard did with it; requestClose plays the title bar's button. */
function fakeWindow() {
  let handler: Parameters<ClosableWindow['onCloseRequested']>[0] | null = null;
  const state = { destroyed: 0, listening: false };
  const appWindow: ClosableWindow = {
    onCloseRequested(h) {
      handler = h;
      state.listening = true;
      return Promise.resolve(() => {
        state.listening = false;
      });
    },
    destroy() {
      state.destroyed += 1;
      return Promise.resolve();
    },
  };
  async function requestClose(): Promise<{ prevented: boolean }> {
    const event = { prevented: false, preventDefault() { this.prevented = true; } };
    await handler?.(event);
    return { prevented: event.prevented };
  }
  return { appWindow, state, requestClose };
}

describe('closing the window', () => {
  it('keeps the window open while the guards ask, and closes it once they let go', async () => {
    const { appWindow, state, requestClose } = fakeWindow();
    let answer!: (leave: boolean) => void;
    await guardClose(appWindow, () => new Promise((resolve) => (answer = resolve)));
    const closing = requestClose();
    await Promise.resolve();
    expect(state.destroyed).toBe(0);
    answer(true);
    expect(await closing).toEqual({ prevented: true });
    expect(state.destroyed).toBe(1);
  });

  it('stays open when a guard says stay', async () => {
    const { appWindow, state, requestClose } = fakeWindow();
    await guardClose(appWindow, () => Promise.resolve(false));
    await requestClose();
    expect(state.destroyed).toBe(0);
  });

  it('stops listening when asked to', async () => {
    const { appWindow, state } = fakeWindow();
    const stop = await guardClose(appWindow, () => Promise.resolve(true));
    expect(state.listening).toBe(true);
    stop();
    expect(state.listening).toBe(false);
  });

  it('does nothing outside Tauri', async () => {
    const stop = await guardWindowClose(() => Promise.reject(new Error('never asked')));
    expect(stop).toBeTypeOf('function');
    stop();
  });
});
