import { describe, expect, it } from 'vitest';
import { TimeSeries, supersedes } from './public/time-series.js';

const bar = (window_start: number, close: number, is_final = false, version = 1) => ({ window_start, close, is_final, version });

describe('supersedes (which record of a window the dashboard keeps)', () => {
  it.each([
    ['nothing yet', undefined, bar(0, 1), true],
    ['provisional → newer provisional', bar(0, 1), bar(0, 2), true],
    ['provisional → final', bar(0, 1), bar(0, 2, true), true],
    ['final → provisional (a late live update)', bar(0, 1, true), bar(0, 2), false],
    ['final → redelivered final', bar(0, 1, true), bar(0, 1, true), true],
    ['final → correction (higher version)', bar(0, 1, true, 1), bar(0, 3, true, 2), true],
    ['final → stale final (lower version)', bar(0, 1, true, 2), bar(0, 3, true, 1), false],
  ])('%s', (_name, prev, next, expected) => {
    expect(supersedes(prev, next)).toBe(expected);
  });
});

describe('TimeSeries', () => {
  it('updates the current candle with provisional bars and replaces it with the final one', () => {
    const s = new TimeSeries<ReturnType<typeof bar>>();
    expect(s.upsert(bar(1000, 10))).toBe(true);
    expect(s.upsert(bar(1000, 11))).toBe(true);
    expect(s.upsert(bar(1000, 12, true))).toBe(true);
    expect(s.upsert(bar(1000, 99))).toBe(false); // provisional after final: ignored
    expect(s.size).toBe(1);
    expect(s.last()).toEqual(bar(1000, 12, true));
  });

  it('keeps windows in order whatever the arrival order, and finds them by window_start', () => {
    const s = new TimeSeries<ReturnType<typeof bar>>();
    for (const ws of [3000, 1000, 4000, 2000]) s.upsert(bar(ws, ws / 1000));
    expect(s.items.map((b) => b.window_start)).toEqual([1000, 2000, 3000, 4000]);
    expect(s.get(2000)?.close).toBe(2);
    expect(s.get(2500)).toBeUndefined();
  });

  it('keeps the newest `capacity` windows and ignores ones older than all kept', () => {
    const s = new TimeSeries<ReturnType<typeof bar>>(3);
    for (const ws of [1000, 2000, 3000, 4000]) s.upsert(bar(ws, 1));
    expect(s.items.map((b) => b.window_start)).toEqual([2000, 3000, 4000]);
    expect(s.upsert(bar(500, 1))).toBe(false);
    expect(s.upsert(bar(2500, 1))).toBe(true); // inside the kept range: the oldest goes
    expect(s.items.map((b) => b.window_start)).toEqual([2500, 3000, 4000]);
  });

  it('ignores records without a numeric window_start', () => {
    const s = new TimeSeries();
    expect(s.upsert({ window_start: Number.NaN })).toBe(false);
    expect(s.size).toBe(0);
  });
});
