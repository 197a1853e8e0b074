/**
 * A counter bumped after anything changes signatories (import, undo, edit, erase),
 * so views that show counts or lists load them again.
 */
const state = $state({ version: 0 });

export const dataChanges = {
  get version(): number {
    return state.version;
  },
  bump(): void {
    state.version += 1;
  },
};
