import { describe, expect, it } from 'vitest';
import { Rsi } from './rsi';

describe('Rsi', () => {
  it('seeds with the mean of the first N changes, then smooths (avg·(N−1) + x)/N', () => {
    const rsi = new Rsi(2);
    expect(rsi.update(1)).toBeNull();
    expect(rsi.update(2)).toBeNull(); // +1
    // +1, −0.5 → avgGain 0.5, avgLoss 0.25 → 100·0.5/0.75
    expect(rsi.update(1.5)).toBe(100 * (0.5 / 0.75));
    // +1.5 → avgGain (0.5·1 + 1.5)/2 = 1, avgLoss (0.25·1)/2 = 0.125
    expect(rsi.update(3)).toBe(100 * (1 / 1.125));
    expect(rsi.value).toBe(100 * (1 / 1.125));
  });

  it('gives its first value on update N+1 (bar 14 for RSI(14))', () => {
    const rsi = new Rsi();
    for (let i = 0; i < 14; i++) expect(rsi.update(100 + (i % 3))).toBeNull();
    expect(rsi.update(100)).not.toBeNull();
    expect(rsi.ready).toBe(true);
  });

  it.each([
    ['only gains', (i: number) => 100 + i, 100],
    ['only losses', (i: number) => 100 - i, 0],
    // TA-Lib outputs 0 (not 50) when avgGain + avgLoss = 0.
    ['a flat series', () => 100, 0],
  ])('on %s is %s', (_name, series, expected) => {
    const rsi = new Rsi(14);
    let last: number | null = null;
    for (let i = 0; i < 40; i++) last = rsi.update(series(i));
    expect(last).toBe(expected);
  });

  it('is not reported as 0 for sub-cent instruments (exact-zero test, not a 1e-8 band)', () => {
    const rsi = new Rsi(3);
    for (const x of [1e-9, 2e-9, 3e-9, 2.5e-9]) rsi.update(x);
    expect(rsi.value).toBeGreaterThan(50);
  });

  it.each([0, -3, 2.5, 100_001])('rejects period %s', (period) => {
    expect(() => new Rsi(period)).toThrow(RangeError);
  });
});
