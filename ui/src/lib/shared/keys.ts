/** The key that is pressed, as the shortcuts need it. */
export type KeyPress = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/**
 * Ctrl+S, or Cmd+S on a Mac. By the letter typed; when the layout types no Latin letter there
 * (Russian: "ы"), by the key's place, as browsers do for their own shortcuts.
 */
export function isSaveShortcut(event: KeyPress): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false;
  const key = event.key.toLowerCase();
  return /^[a-z]$/.test(key) ? key === 's' : event.code === 'KeyS';
}
