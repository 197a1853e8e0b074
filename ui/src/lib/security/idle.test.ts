import { describe, expect, it, vi } from 'vitest';
import { createIdleTimer, watchIdle, type IdleClock } from './idle';

/** A clock the test moves by hand; timers fire when it passes them. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; run: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: IdleClock = {
    now: () => now,
    setTimeout(run, ms) {
      const id = nextId++;
      timers.push({ at: now + ms, run, id });
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
  };
  function advance(ms: number) {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.run();
    }
    now = until;
  }
  /** The machine slept: time passed, and no timer ran until it woke. */
  function sleep(ms: number) {
    now += ms;
  }
  return { clock, advance, sleep, pending: () => timers.length };
}

const MINUTE = 60_000;

describe('the idle timer', () => {
  it('fires once the quiet has lasted, and only once', () => {
    const { clock, advance } = fakeClock();
    const onIdle = vi.fn();
    createIdleTimer(15 * MINUTE, onIdle, clock);
    advance(15 * MINUTE - 1);
    expect(onIdle).not.toHaveBeenCalled();
    advance(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    advance(60 * MINUTE);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('counts from the last activity', () => {
    const { clock, advance } = fakeClock();
    const onIdle = vi.fn();
    const timer = createIdleTimer(15 * MINUTE, onIdle, clock);
    advance(10 * MINUTE);
    timer.activity();
    advance(14 * MINUTE);
    expect(onIdle).not.toHaveBeenCalled();
    advance(MINUTE);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('locks on waking when the machine slept past the limit', () => {
    const { clock, advance, sleep } = fakeClock();
    const onIdle = vi.fn();
    createIdleTimer(15 * MINUTE, onIdle, clock);
    advance(5 * MINUTE);
    sleep(60 * MINUTE);
    advance(0);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('never fires when auto-lock is off (0 minutes)', () => {
    const { clock, advance, pending } = fakeClock();
    const onIdle = vi.fn();
    createIdleTimer(0, onIdle, clock);
    expect(pending()).toBe(0);
    advance(24 * 60 * MINUTE);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('does nothing once stopped', () => {
    const { clock, advance, pending } = fakeClock();
    const onIdle = vi.fn();
    createIdleTimer(MINUTE, onIdle, clock).stop();
    expect(pending()).toBe(0);
    advance(10 * MINUTE);
    expect(onIdle).not.toHaveBeenCalled();
  });
});

describe('watchIdle', () => {
  it('takes key presses and pointer moves on the window as activity, until stopped', () => {
    const { clock, advance } = fakeClock();
    const target = new EventTarget();
    const onIdle = vi.fn();
    const stop = watchIdle(target, 2, onIdle, clock);
    advance(MINUTE + 30_000);
    target.dispatchEvent(new Event('keydown'));
    advance(MINUTE + 30_000);
    target.dispatchEvent(new Event('pointermove'));
    advance(2 * MINUTE - 1);
    expect(onIdle).not.toHaveBeenCalled();
    advance(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it('stops listening when stopped', () => {
    const { clock, advance } = fakeClock();
    const target = new EventTarget();
    const removed: string[] = [];
    const remove = target.removeEventListener.bind(target);
    target.removeEventListener = (name, listener, options) => {
      removed.push(name);
      remove(name, listener, options);
    };
    const onIdle = vi.fn();
    watchIdle(target, 1, onIdle, clock)();
    advance(10 * MINUTE);
    expect(onIdle).not.toHaveBeenCalled();
    expect(removed).toContain('keydown');
    expect(removed).toContain('mousemove');
  });
});
