import { describe, expect, it } from 'vitest';
import { batchWasFull, PREVIEW_BATCH, stepState } from './preview';

describe('recipient stepper', () => {
  it('cannot go back from the first recipient', () => {
    expect(stepState(0, 20, false)).toEqual({ canPrev: false, canNext: true, needMore: false });
  });

  it('asks for more on the last loaded recipient while more may exist', () => {
    expect(stepState(19, 20, false)).toEqual({ canPrev: true, canNext: true, needMore: true });
  });

  it('stops at the very last recipient', () => {
    expect(stepState(4, 5, true)).toEqual({ canPrev: true, canNext: false, needMore: false });
  });

  it('has nowhere to go without recipients', () => {
    expect(stepState(0, 0, true)).toEqual({ canPrev: false, canNext: false, needMore: false });
    expect(stepState(0, 0, false)).toEqual({ canPrev: false, canNext: false, needMore: false });
  });

  it('knows a short batch is the last one', () => {
    expect(batchWasFull(PREVIEW_BATCH)).toBe(true);
    expect(batchWasFull(3)).toBe(false);
  });
});
