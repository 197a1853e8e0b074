/**
 * What the app holds for the time the database is open, outside any view: the campaign chosen
 * last, a record another view should open, a send's last progress, a question waiting for an
 * answer. Each holder registers how to forget it; locking forgets all of it, so that nothing
 * read from the database outlives the lock in a module of the page (the views themselves are
 * unmounted). Restoring a backup forgets it too: the ids may name other records then.
 */
type Forget = () => void;
const holders = new Set<Forget>();

/** Registers how to forget something held for the session; returns the function that unregisters it. */
export function forgetOnLock(forget: Forget): () => void {
  holders.add(forget);
  return () => {
    holders.delete(forget);
  };
}

/** Forgets everything held for the session (the lock, a restore). */
export function forgetSession(): void {
  for (const forget of [...holders]) forget();
}
