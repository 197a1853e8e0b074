/**
 * Auto-lock: a timer that fires once nobody has used the keyboard, mouse or a pointer for a
 * while. Activity only notes the time (mouse moves come fast); the timer checks, when due,
 * whether the quiet has really lasted, and sets itself again for the rest if not. A machine
 * that slept past the limit locks on waking, as its timer then fires late.
 */

/** The clock and timers; the tests pass fake ones. */
export interface IdleClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: IdleClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface IdleTimer {
  /** Someone did something: the quiet starts again. */
  activity(): void;
  stop(): void;
}

/** Calls onIdle once, after idleMs without activity; idleMs 0 (auto-lock off) never does. */
export function createIdleTimer(idleMs: number, onIdle: () => void, clock: IdleClock = systemClock): IdleTimer {
  let last = clock.now();
  let handle: unknown = null;
  let stopped = idleMs <= 0;

  const check = () => {
    handle = null;
    if (stopped) return;
    const quiet = clock.now() - last;
    if (quiet >= idleMs) {
      stopped = true;
      onIdle();
    } else {
      handle = clock.setTimeout(check, idleMs - quiet);
    }
  };
  if (!stopped) handle = clock.setTimeout(check, idleMs);

  return {
    activity() {
      last = clock.now();
    },
    stop() {
      stopped = true;
      if (handle !== null) clock.clearTimeout(handle);
      handle = null;
    },
  };
}

/** What counts as someone at the computer. */
export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const;

/**
 * Locks through onIdle after minutes without activity on target (the window); returns the
 * function that stops watching. minutes 0: never.
 */
export function watchIdle(target: EventTarget, minutes: number, onIdle: () => void, clock: IdleClock = systemClock): () => void {
  const timer = createIdleTimer(minutes * 60_000, onIdle, clock);
  const activity = () => timer.activity();
  for (const name of ACTIVITY_EVENTS) target.addEventListener(name, activity, { capture: true, passive: true });
  return () => {
    timer.stop();
    for (const name of ACTIVITY_EVENTS) target.removeEventListener(name, activity, { capture: true });
  };
}
