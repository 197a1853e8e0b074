import type { MinuteCount } from '../../bindings/MinuteCount';

/** The chart's data: minute starts (seconds since 1970), sent and failed per minute. */
export type ChartSeries = [number[], number[], number[]];

/** Above this many minutes the gaps are left as they are rather than filled with zeros. */
const MAX_FILLED = 24 * 60;

/** `YYYY-MM-DDTHH:MM` (UTC) as seconds since 1970, or null. */
export function minuteSeconds(minute: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(minute.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi) / 1000;
}

/**
 * Sorted per-minute counts; quiet minutes in between count as zero so the line drops to it, and
 * so does the minute before the first, so the line starts from zero (and one minute alone still
 * spans an axis).
 */
export function chartSeries(minutes: readonly MinuteCount[]): ChartSeries {
  const byTime = new Map<number, MinuteCount>();
  for (const m of minutes) {
    const at = minuteSeconds(m.minute);
    if (at !== null) byTime.set(at, m);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  if (times.length === 0) return [[], [], []];
  const first = times[0] - 60;
  const last = times[times.length - 1];
  const span = (last - first) / 60 + 1;
  const xs = span <= MAX_FILLED ? Array.from({ length: span }, (_, i) => first + i * 60) : [first, ...times];
  return [xs, xs.map((x) => byTime.get(x)?.sent ?? 0), xs.map((x) => byTime.get(x)?.failed ?? 0)];
}
