/** One page as the backend returns it. */
export type Page<T> = { total: number; rows: T[] };

export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>;

export type PageCacheEvents = {
  /** New rows or a new total arrived. */
  onchange: () => void;
  onerror: (error: unknown) => void;
};

/**
 * Rows of a server-side paged list, loaded page by page as they come into view.
 * Keeps at most `maxPages` pages, dropping the ones farthest from the last request.
 * `reset()` starts over (new search); answers to older requests are ignored.
 */
export class PageCache<T> {
  total: number | null = null;
  private pages = new Map<number, T[]>();
  private pending = new Set<number>();
  private generation = 0;
  private readonly fetchPage: PageFetcher<T>;
  private readonly events: PageCacheEvents;
  readonly pageSize: number;
  readonly maxPages: number;

  constructor(fetchPage: PageFetcher<T>, events: PageCacheEvents, pageSize = 200, maxPages = 50) {
    this.fetchPage = fetchPage;
    this.events = events;
    this.pageSize = pageSize;
    this.maxPages = maxPages;
  }

  /** The row at index, if its page is loaded. */
  get(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Replaces one loaded row (after an edit) without reloading its page. */
  replace(index: number, row: T): void {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    if (page && index % this.pageSize < page.length) page[index % this.pageSize] = row;
  }

  get loadedPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /**
   * Forgets the loaded rows; the next ensure() loads from the backend again.
   * keepTotal keeps the known row count (a refresh of the same query), so the list keeps its height.
   */
  reset(keepTotal = false): void {
    this.generation += 1;
    this.pages.clear();
    this.pending.clear();
    if (!keepTotal) this.total = null;
  }

  /** Loads the pages covering rows first..last (inclusive) that are not loaded yet. */
  ensure(first: number, last: number): Promise<void> {
    const from = Math.max(0, Math.floor(first / this.pageSize));
    const limit = this.total === null ? from : Math.max(0, Math.ceil(this.total / this.pageSize) - 1);
    const to = Math.min(Math.floor(Math.max(first, last) / this.pageSize), Math.max(limit, from));
    const loads: Promise<void>[] = [];
    for (let page = from; page <= to; page++) {
      if (!this.pages.has(page) && !this.pending.has(page)) loads.push(this.load(page));
    }
    return Promise.all(loads).then(() => undefined);
  }

  private async load(page: number): Promise<void> {
    const generation = this.generation;
    this.pending.add(page);
    try {
      const result = await this.fetchPage(page * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.pages.set(page, result.rows);
      this.total = result.total;
      this.evict(page);
      this.events.onchange();
    } catch (error) {
      if (generation === this.generation) this.events.onerror(error);
    } finally {
      if (generation === this.generation) this.pending.delete(page);
    }
  }

  private evict(keep: number): void {
    if (this.pages.size <= this.maxPages) return;
    const byDistance = [...this.pages.keys()].sort((a, b) => Math.abs(b - keep) - Math.abs(a - keep));
    for (const page of byDistance.slice(0, this.pages.size - this.maxPages)) this.pages.delete(page);
  }
}
