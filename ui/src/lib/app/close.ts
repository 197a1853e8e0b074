/**
 * Closing the window with unsaved work asks the same leave guards as moving to another view.
 * `beforeunload` (App.svelte) covers reloads, but WebKitGTK may not fire it when the title
 * bar's close button is clicked, so in the app the Tauri window's close request asks too.
 * Outside Tauri (the browser tests, `vite dev`) there is no such window and this does nothing.
 */
import { isTauri } from '@tauri-apps/api/core';
import { getCurrentWindow } from '@tauri-apps/api/window';

/** The part of Tauri's window that closing needs (a stand-in in the unit tests). */
export interface ClosableWindow {
  onCloseRequested(handler: (event: { preventDefault(): void }) => void | Promise<void>): Promise<() => void>;
  destroy(): Promise<void>;
}

/**
 * Holds every close request of the window until the guards answer; destroys the window when
 * they let it go. Resolves to the function that stops listening.
 */
export function guardClose(appWindow: ClosableWindow, mayLeave: () => Promise<boolean>): Promise<() => void> {
  return appWindow.onCloseRequested(async (event) => {
    // Kept open from the start, not only once the answer is in: the question may take long,
    // and whether Tauri waits for this handler before closing differs between its versions.
    event.preventDefault();
    if (await mayLeave()) await appWindow.destroy();
  });
}

/** guardClose for the app's own window; a no-op outside Tauri. */
export async function guardWindowClose(mayLeave: () => Promise<boolean>): Promise<() => void> {
  if (!isTauri()) return () => {};
  return guardClose(getCurrentWindow(), mayLeave);
}
