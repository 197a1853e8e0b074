import { forgetOnLock } from '../shared/session';
import { createLeaveGuards, type LeaveGuard } from './leave';
import type { View } from './views';

/**
 * A record another view should open on arrival, e.g. the signatory behind an audience problem,
 * or the mailing to send.
 */
export type Focus = { kind: 'signatory' | 'target' | 'mailing'; id: number };

const state = $state<{ view: View; focus: Focus | null }>({ view: 'signatories', focus: null });
const guards = createLeaveGuards();

// The view shown stays for after the unlock; a record waiting to be opened does not.
forgetOnLock(() => {
  state.focus = null;
});

/** Which view is shown; views ask for their focus once, when they open. */
export const navigation = {
  get view(): View {
    return state.view;
  },
  /**
   * Shows another view once the shown one's guards let it go (see guard); resolves whether it
   * did. Going to the view already shown only hands over the focus.
   */
  async go(view: View, focus: Focus | null = null): Promise<boolean> {
    if (view !== state.view && !(await guards.mayLeave())) return false;
    state.focus = focus;
    state.view = view;
    return true;
  },
  /** The id waiting for this kind of record, handed out once. */
  takeFocus(kind: Focus['kind']): number | null {
    const focus = state.focus;
    if (!focus || focus.kind !== kind) return null;
    state.focus = null;
    return focus.id;
  },
  /**
   * Asks this guard before any other view is shown; returns the function that removes it.
   * A view registers one in an effect, so that it goes with the view: `$effect(() => navigation.guard(…))`.
   */
  guard(guard: LeaveGuard): () => void {
    return guards.add(guard);
  },
  /** Asks the guards, as before showing another view; for closing the window (see close.ts). */
  mayLeave(): Promise<boolean> {
    return guards.mayLeave();
  },
  /** True while some view holds unsaved work (for closing or reloading the window). */
  get unsaved(): boolean {
    return guards.unsaved;
  },
};
