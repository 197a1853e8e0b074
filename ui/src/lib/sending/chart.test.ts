import { describe, expect, it } from 'vitest';
import { chartSeries, minuteSeconds } from './chart';

describe('chart series', () => {
  it('reads minutes as UTC', () => {
    expect(minuteSeconds('2024-06-01T10:05')).toBe(Date.UTC(2024, 5, 1, 10, 5) / 1000);
    expect(minuteSeconds('yesterday')).toBeNull();
  });

  it('sorts the minutes and fills quiet ones, and the one before the first, with zeros', () => {
    const t0 = minuteSeconds('2024-06-01T10:00') ?? 0;
    const series = chartSeries([
      { minute: '2024-06-01T10:03', sent: 7, failed: 1 },
      { minute: '2024-06-01T10:00', sent: 30, failed: 0 },
    ]);
    expect(series).toEqual([
      [t0 - 60, t0, t0 + 60, t0 + 120, t0 + 180],
      [0, 30, 0, 0, 7],
      [0, 0, 0, 0, 1],
    ]);
  });

  it('gives one busy minute a line from zero', () => {
    const t0 = minuteSeconds('2024-06-01T10:00') ?? 0;
    expect(chartSeries([{ minute: '2024-06-01T10:00', sent: 36, failed: 2 }])).toEqual([
      [t0 - 60, t0],
      [0, 36],
      [0, 2],
    ]);
  });

  it('is empty without data, and does not fill gaps of days', () => {
    expect(chartSeries([])).toEqual([[], [], []]);
    const far = chartSeries([
      { minute: '2024-06-01T10:00', sent: 1, failed: 0 },
      { minute: '2024-06-05T10:00', sent: 2, failed: 0 },
    ]);
    expect(far[0]).toHaveLength(3);
    expect(far[1]).toEqual([0, 1, 2]);
  });
});
