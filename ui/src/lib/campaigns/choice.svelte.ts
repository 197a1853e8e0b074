import { forgetOnLock } from '../shared/session';

/** The campaign chosen last in the appeal views, so Targets, Templates and Mailings agree. */
const state = $state<{ id: number | null }>({ id: null });

export const campaignChoice = {
  get id(): number | null {
    return state.id;
  },
  set id(value: number | null) {
    state.id = value;
  },
};

forgetOnLock(() => {
  state.id = null;
});
