/**
 * Keeps only the newest of overlapping requests: take a ticket before awaiting, and drop
 * the answer when a newer ticket was taken in the meantime (typing races the backend).
 */
export type Latest = {
  /** A ticket for a new request; every earlier ticket stops being current. */
  next(): number;
  /** True while no newer ticket has been taken. */
  isCurrent(ticket: number): boolean;
};

export function createLatest(): Latest {
  let newest = 0;
  return {
    next: () => ++newest,
    isCurrent: (ticket) => ticket === newest,
  };
}
