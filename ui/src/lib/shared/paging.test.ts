import { describe, expect, it } from 'vitest';
import { pageWindow } from './paging';

describe('pageWindow', () => {
  it('describes the first, a middle and the last page', () => {
    expect(pageWindow(0, 50, 120)).toEqual({ first: 1, last: 50, total: 120, prevOffset: null, nextOffset: 50 });
    expect(pageWindow(50, 50, 120)).toEqual({ first: 51, last: 100, total: 120, prevOffset: 0, nextOffset: 100 });
    expect(pageWindow(100, 50, 120)).toEqual({ first: 101, last: 120, total: 120, prevOffset: 50, nextOffset: null });
  });

  it('has no pages for an empty list', () => {
    expect(pageWindow(0, 50, 0)).toEqual({ first: 0, last: 0, total: 0, prevOffset: null, nextOffset: null });
  });

  it('pulls an offset past the end back to the last row, and odd offsets back to 0', () => {
    expect(pageWindow(500, 50, 120).first).toBe(120);
    expect(pageWindow(30, 50, 120).prevOffset).toBe(0);
    expect(pageWindow(-5, 50, 3)).toMatchObject({ first: 1, last: 3, prevOffset: null, nextOffset: null });
  });
});
