import { describe, expect, it, vi } from 'vitest';
import { PageCache, type Page } from './pages';

function fakeBackend(total: number) {
  const calls: { offset: number; limit: number }[] = [];
  const fetch = vi.fn(async (offset: number, limit: number): Promise<Page<number>> => {
    calls.push({ offset, limit });
    const rows = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i);
    return { total, rows };
  });
  return { fetch, calls };
}

describe('PageCache', () => {
  it('loads the first page and learns the total', async () => {
    const { fetch, calls } = fakeBackend(1000);
    const onchange = vi.fn();
    const cache = new PageCache(fetch, { onchange, onerror: vi.fn() }, 200);
    await cache.ensure(0, 199);
    expect(calls).toEqual([{ offset: 0, limit: 200 }]);
    expect(cache.total).toBe(1000);
    expect(cache.get(150)).toBe(150);
    expect(cache.get(250)).toBeUndefined();
    expect(onchange).toHaveBeenCalledTimes(1);
  });

  it('loads only the missing pages of a range, once', async () => {
    const { fetch, calls } = fakeBackend(1000);
    const cache = new PageCache(fetch, { onchange: vi.fn(), onerror: vi.fn() }, 200);
    await cache.ensure(0, 10);
    await Promise.all([cache.ensure(390, 610), cache.ensure(400, 420)]);
    expect(calls.map((c) => c.offset)).toEqual([0, 200, 400, 600]);
    expect(cache.get(610)).toBe(610);
  });

  it('does not ask past the end', async () => {
    const { fetch, calls } = fakeBackend(250);
    const cache = new PageCache(fetch, { onchange: vi.fn(), onerror: vi.fn() }, 200);
    await cache.ensure(0, 10);
    await cache.ensure(0, 5000);
    expect(calls.map((c) => c.offset)).toEqual([0, 200]);
  });

  it('ignores answers that arrive after a reset', async () => {
    let release: (page: Page<string>) => void = () => {};
    const fetch = vi.fn(() => new Promise<Page<string>>((resolve) => (release = resolve)));
    const onchange = vi.fn();
    const cache = new PageCache(fetch, { onchange, onerror: vi.fn() }, 200);
    const pending = cache.ensure(0, 0);
    cache.reset();
    release({ total: 1, rows: ['old'] });
    await pending;
    expect(cache.get(0)).toBeUndefined();
    expect(cache.total).toBeNull();
    expect(onchange).not.toHaveBeenCalled();
  });

  it('keeps the total on a refresh reset', async () => {
    const { fetch } = fakeBackend(1000);
    const cache = new PageCache(fetch, { onchange: vi.fn(), onerror: vi.fn() }, 200);
    await cache.ensure(0, 0);
    cache.reset(true);
    expect(cache.total).toBe(1000);
    expect(cache.get(0)).toBeUndefined();
  });

  it('reports errors and lets the page be asked for again', async () => {
    const onerror = vi.fn();
    const fetch = vi
      .fn<(offset: number, limit: number) => Promise<Page<number>>>()
      .mockRejectedValueOnce({ code: 'database', message: 'Busy.' })
      .mockResolvedValueOnce({ total: 1, rows: [7] });
    const cache = new PageCache(fetch, { onchange: vi.fn(), onerror }, 200);
    await cache.ensure(0, 0);
    expect(onerror).toHaveBeenCalledWith({ code: 'database', message: 'Busy.' });
    await cache.ensure(0, 0);
    expect(cache.get(0)).toBe(7);
  });

  it('drops the pages farthest away when it holds too many', async () => {
    const { fetch } = fakeBackend(10_000);
    const cache = new PageCache(fetch, { onchange: vi.fn(), onerror: vi.fn() }, 100, 3);
    await cache.ensure(0, 0);
    for (const start of [100, 200, 300, 400]) await cache.ensure(start, start);
    expect(cache.loadedPages).toEqual([2, 3, 4]);
  });
});
