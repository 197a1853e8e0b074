/** Where one page of a long list sits: the 1-based rows shown and the neighbouring pages. */
export type PageWindow = {
  /** First row shown, 1-based; 0 when the list is empty. */
  first: number;
  /** Last row shown, 1-based. */
  last: number;
  total: number;
  prevOffset: number | null;
  nextOffset: number | null;
};

export function pageWindow(offset: number, limit: number, total: number): PageWindow {
  const size = Math.max(1, Math.floor(limit));
  const count = Math.max(0, Math.floor(total));
  const start = Math.min(Math.max(0, Math.floor(offset)), Math.max(0, count - 1));
  if (count === 0) return { first: 0, last: 0, total: 0, prevOffset: null, nextOffset: null };
  const last = Math.min(start + size, count);
  return {
    first: start + 1,
    last,
    total: count,
    prevOffset: start > 0 ? Math.max(0, start - size) : null,
    nextOffset: last < count ? last : null,
  };
}
