/**
 * Locking from the shell. The Lock button and Ctrl+L settle unsaved work first, with the views'
 * own question (a template being edited); the panic shortcut hides the window and locks without
 * asking anything, as the idle timer does.
 */
import { gate } from '../security/gate.svelte';
import { minimizeWindow } from '../security/window';
import { navigation } from './navigation.svelte';

export async function lockAsking(): Promise<void> {
  if (await navigation.mayLeave()) await gate.lock();
}

export function panicLock(): void {
  // Both at once: neither waits for the other.
  void minimizeWindow().catch(() => {});
  void gate.lock();
}
