import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ema } from './ema';
import { Macd } from './macd';

/**
 * Batch model of TA-Lib's TA_MACD written straight from its definition: both EMAs start at bar
 * slow−1 (fast seeded with the mean of bars slow−fast..slow−1), signal seeded with the mean of the
 * first `signal` MACD values. Returns [macd, signal, hist] per bar, null before bar slow+signal−2.
 */
function talibMacd(xs: number[], fast: number, slow: number, signal: number): ([number, number, number] | null)[] {
  const out: ([number, number, number] | null)[] = xs.map(() => null);
  if (xs.length < slow) return out;
  const mean = (from: number, to: number) => {
    let t = 0;
    for (let i = from; i <= to; i++) t += xs[i] as number;
    return t / (to - from + 1);
  };
  const kf = 2 / (fast + 1);
  const ks = 2 / (slow + 1);
  const kg = 2 / (signal + 1);
  let fe = mean(slow - fast, slow - 1);
  let se = mean(0, slow - 1);
  const line: number[] = [fe - se];
  for (let i = slow; i < xs.length; i++) {
    fe = (xs[i]! - fe) * kf + fe;
    se = (xs[i]! - se) * ks + se;
    line.push(fe - se);
  }
  if (line.length < signal) return out;
  let t = 0;
  for (let j = 0; j < signal; j++) t += line[j]!;
  let sig = t / signal;
  for (let j = signal - 1; j < line.length; j++) {
    if (j >= signal) sig = (line[j]! - sig) * kg + sig;
    out[slow - 1 + j] = [line[j]!, sig, line[j]! - sig];
  }
  return out;
}

describe('Macd', () => {
  it('seeds the fast EMA at bar slow−1 with the mean of the last `fast` inputs (TA-Lib rule)', () => {
    // Macd(2, 4, 1): outputs from bar 3. Slow seed (10+2+7+4)/4 = 5.75; fast seed (7+4)/2 = 5.5,
    // whereas a standalone EMA(2) would be at 4.888… by then.
    const m = new Macd(2, 4, 1);
    for (const x of [10, 2, 7]) expect(m.update(x)).toBe(false);
    expect(m.update(4)).toBe(true);
    expect(m.macd).toBe(5.5 - 5.75);
    expect(m.signal).toBe(-0.25);
    expect(m.hist).toBe(0);
    const ema2 = new Ema(2);
    for (const x of [10, 2, 7, 4]) ema2.update(x);
    expect(ema2.value).toBeCloseTo(4.888888888888889, 15);
    // Bar 4: fast = (9 − 5.5)·2/3 + 5.5, slow = (9 − 5.75)·0.4 + 5.75 = 7.05.
    m.update(9);
    expect(m.macd).toBe((9 - 5.5) * (2 / 3) + 5.5 - ((9 - 5.75) * (2 / 5) + 5.75));
  });

  it('keeps all three outputs null until the signal exists: 33 updates of 12/26/9 give nothing', () => {
    const m = new Macd();
    for (let i = 0; i < 33; i++) {
      expect(m.update(100 + Math.sin(i))).toBe(false);
      expect([m.macd, m.signal, m.hist]).toEqual([null, null, null]);
    }
    expect(m.update(101)).toBe(true);
    expect(m.macd).not.toBeNull();
    expect(m.hist).toBe((m.macd as number) - (m.signal as number));
  });

  it('equals the batch TA-Lib model bit for bit for random periods and series', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { maxLength: 100 }),
        (fast, extra, signal, xs) => {
          const slow = fast + extra;
          const expected = talibMacd(xs, fast, slow, signal);
          const m = new Macd(fast, slow, signal);
          xs.forEach((x, i) => {
            const ready = m.update(x);
            const e = expected[i] ?? null;
            expect(ready).toBe(e !== null);
            expect([m.macd, m.signal, m.hist]).toEqual(e ?? [null, null, null]);
          });
        },
      ),
    );
  });

  it.each([
    [12, 12, 9, /fast period must be smaller than slow period/],
    [26, 12, 9, /fast period must be smaller than slow period/],
    [0, 26, 9, /fast must be an integer/],
    [12, 26.5, 9, /slow must be an integer/],
    [12, 26, 0, /signal must be an integer/],
  ])('rejects fast=%s slow=%s signal=%s', (fast, slow, signal, message) => {
    expect(() => new Macd(fast, slow, signal)).toThrow(RangeError);
    expect(() => new Macd(fast, slow, signal)).toThrow(message);
  });
});
