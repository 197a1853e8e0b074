import { describe, expect, it } from 'vitest';
import { forgetOnLock, forgetSession } from './session';

describe('what the session holds', () => {
  it('is forgotten by every holder, once per lock', () => {
    let campaign: number | null = 7;
    let focus: number | null = 42;
    const unregister = forgetOnLock(() => (campaign = null));
    forgetOnLock(() => (focus = null));
    forgetSession();
    expect([campaign, focus]).toEqual([null, null]);
    unregister();
    campaign = 8;
    forgetSession();
    expect(campaign).toBe(8);
  });
});
