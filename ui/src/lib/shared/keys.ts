/** The key that is pressed, as the shortcuts need it. */
export type KeyPress = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/**
 * Whether the key pressed is this Latin letter: by the letter typed; when the layout types no
 * Latin letter there (Russian: "ы"), by the key's place, as browsers do for their own shortcuts.
 */
function isLetter(event: KeyPress, letter: string): boolean {
  const key = event.key.toLowerCase();
  return /^[a-z]$/.test(key) ? key === letter : event.code === `Key${letter.toUpperCase()}`;
}

/** Ctrl or, on a Mac, Cmd; never with Alt (AltGr types letters on many layouts). */
function withCommand(event: KeyPress): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey;
}

/** Ctrl+S, or Cmd+S on a Mac. */
export function isSaveShortcut(event: KeyPress): boolean {
  return withCommand(event) && !event.shiftKey && isLetter(event, 's');
}

/**
 * Ctrl+L locks now; Ctrl+Shift+L (someone is coming) locks and minimises the window at once.
 * Cmd instead of Ctrl on a Mac.
 */
export function lockShortcut(event: KeyPress): 'lock' | 'panic' | null {
  if (!withCommand(event) || !isLetter(event, 'l')) return null;
  return event.shiftKey ? 'panic' : 'lock';
}
