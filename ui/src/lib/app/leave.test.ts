import { describe, expect, it, vi } from 'vitest';
import { createLeaveGuards, holdUnload, settleUnsaved, type LeaveChoice, type LeaveGuard } from './leave';

function guard(unsaved: boolean, answer: boolean): LeaveGuard & { asked: number } {
  return {
    unsaved,
    asked: 0,
    confirm() {
      this.asked += 1;
      return Promise.resolve(answer);
    },
  };
}

describe('leave guards', () => {
  it('let the app go when there are none, or none holds unsaved work', async () => {
    const guards = createLeaveGuards();
    expect(await guards.mayLeave()).toBe(true);
    const clean = guard(false, false);
    guards.add(clean);
    expect(guards.unsaved).toBe(false);
    expect(await guards.mayLeave()).toBe(true);
    expect(clean.asked).toBe(0);
  });

  it('ask a guard with unsaved work, and keep the view when it says stay', async () => {
    const guards = createLeaveGuards();
    const staying = guard(true, false);
    guards.add(staying);
    expect(guards.unsaved).toBe(true);
    expect(await guards.mayLeave()).toBe(false);
    expect(staying.asked).toBe(1);
  });

  it('stop at the first guard that says stay', async () => {
    const guards = createLeaveGuards();
    const first = guard(true, true);
    const second = guard(true, false);
    const third = guard(true, true);
    [first, second, third].forEach((g) => guards.add(g));
    expect(await guards.mayLeave()).toBe(false);
    expect([first.asked, second.asked, third.asked]).toEqual([1, 1, 0]);
  });

  it('forget a guard once removed', async () => {
    const guards = createLeaveGuards();
    const remove = guards.add(guard(true, false));
    remove();
    expect(guards.unsaved).toBe(false);
    expect(await guards.mayLeave()).toBe(true);
  });

  it('turn down a second request while the first question is open', async () => {
    const guards = createLeaveGuards();
    let answer: (value: boolean) => void = () => {};
    guards.add({ unsaved: true, confirm: () => new Promise((resolve) => (answer = resolve)) });
    const first = guards.mayLeave();
    expect(await guards.mayLeave()).toBe(false);
    answer(true);
    expect(await first).toBe(true);
    // Answered: the next request is asked again.
    const third = guards.mayLeave();
    answer(false);
    expect(await third).toBe(false);
  });
});

describe('settleUnsaved', () => {
  const ask = (choice: LeaveChoice) => () => Promise.resolve(choice);

  it('asks nothing when everything is saved', async () => {
    const asking = vi.fn(ask('stay'));
    expect(await settleUnsaved(false, asking, () => Promise.resolve(false))).toBe(true);
    expect(asking).not.toHaveBeenCalled();
  });

  it('stays on "stay" and leaves on "discard", saving nothing', async () => {
    const save = vi.fn(() => Promise.resolve(true));
    expect(await settleUnsaved(true, ask('stay'), save)).toBe(false);
    expect(await settleUnsaved(true, ask('discard'), save)).toBe(true);
    expect(save).not.toHaveBeenCalled();
  });

  it('on "save" leaves only when saving worked', async () => {
    expect(await settleUnsaved(true, ask('save'), () => Promise.resolve(true))).toBe(true);
    expect(await settleUnsaved(true, ask('save'), () => Promise.resolve(false))).toBe(false);
  });
});

describe('holdUnload', () => {
  const event = () => ({ preventDefault: vi.fn(), returnValue: undefined as unknown });

  it('has the window ask before closing with unsaved work', () => {
    const e = event();
    holdUnload(e, true);
    expect(e.preventDefault).toHaveBeenCalled();
    expect(e.returnValue).toBe('');
  });

  it('lets the window close when all is saved', () => {
    const e = event();
    holdUnload(e, false);
    expect(e.preventDefault).not.toHaveBeenCalled();
    expect(e.returnValue).toBeUndefined();
  });
});
