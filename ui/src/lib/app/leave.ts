/**
 * Leave guards: a view holding work that is not stored yet (a template being edited) registers
 * a guard, and the app asks every guard before it moves away from the view. The question and
 * what each answer does belong to the view; the app only knows whether to go on.
 */

/** What the person chose when asked about unsaved work. */
export type LeaveChoice = 'save' | 'discard' | 'stay';

export interface LeaveGuard {
  /** True while leaving would lose work; read when the window is about to close. */
  readonly unsaved: boolean;
  /** Asks what to do with the work; resolves true once it is saved or discarded, false to stay. */
  confirm(): Promise<boolean>;
}

export type LeaveGuards = ReturnType<typeof createLeaveGuards>;

export function createLeaveGuards() {
  const guards = new Set<LeaveGuard>();
  /** One question at a time: a second request while one is open is turned down. */
  let asking = false;

  return {
    /** Registers a guard; returns the function that removes it (an effect's cleanup). */
    add(guard: LeaveGuard): () => void {
      guards.add(guard);
      return () => {
        guards.delete(guard);
      };
    },
    get unsaved(): boolean {
      return [...guards].some((guard) => guard.unsaved);
    },
    /** Asks the guards with unsaved work, in the order they came; false as soon as one says stay. */
    async mayLeave(): Promise<boolean> {
      if (asking) return false;
      asking = true;
      try {
        for (const guard of [...guards]) {
          if (guard.unsaved && !(await guard.confirm())) return false;
        }
        return true;
      } finally {
        asking = false;
      }
    },
  };
}

/**
 * Leaving work that may be unsaved: nothing to ask when it is saved; otherwise asks, and on
 * "save" the way is clear only if saving worked (a failed save keeps the person where they are,
 * with its error shown by the view).
 */
export async function settleUnsaved(
  unsaved: boolean,
  ask: () => Promise<LeaveChoice>,
  save: () => Promise<boolean>,
): Promise<boolean> {
  if (!unsaved) return true;
  const choice = await ask();
  if (choice === 'stay') return false;
  if (choice === 'discard') return true;
  return save();
}

/** For `beforeunload`: with unsaved work, has the browser (or webview) ask before the page goes. */
export function holdUnload(event: Pick<BeforeUnloadEvent, 'preventDefault' | 'returnValue'>, unsaved: boolean): void {
  if (!unsaved) return;
  event.preventDefault();
  // Older engines (WebKit among them) ask only when returnValue is set.
  event.returnValue = '';
}
