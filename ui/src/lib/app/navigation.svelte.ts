import type { View } from './views';

/**
 * A record another view should open on arrival, e.g. the signatory behind an audience problem,
 * or the mailing to send.
 */
export type Focus = { kind: 'signatory' | 'target' | 'mailing'; id: number };

const state = $state<{ view: View; focus: Focus | null }>({ view: 'signatories', focus: null });

/** Which view is shown; views ask for their focus once, when they open. */
export const navigation = {
  get view(): View {
    return state.view;
  },
  go(view: View, focus: Focus | null = null): void {
    state.focus = focus;
    state.view = view;
  },
  /** The id waiting for this kind of record, handed out once. */
  takeFocus(kind: Focus['kind']): number | null {
    const focus = state.focus;
    if (!focus || focus.kind !== kind) return null;
    state.focus = null;
    return focus.id;
  },
};
