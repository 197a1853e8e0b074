/** How many preview recipients are fetched at a time. */
export const PREVIEW_BATCH = 20;

export type StepState = {
  canPrev: boolean;
  canNext: boolean;
  /** The last loaded recipient is shown and more may exist: fetch the next batch. */
  needMore: boolean;
};

/**
 * Where the recipient stepper stands: `loaded` recipients are in memory, `exhausted` once a
 * batch came back short (there are no more).
 */
export function stepState(index: number, loaded: number, exhausted: boolean): StepState {
  return {
    canPrev: index > 0,
    canNext: index < loaded - 1 || (!exhausted && loaded > 0),
    needMore: !exhausted && loaded > 0 && index >= loaded - 1,
  };
}

/** True when a batch of this size means there may be more to fetch. */
export function batchWasFull(received: number, batch = PREVIEW_BATCH): boolean {
  return received >= batch;
}
