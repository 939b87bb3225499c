import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bollinger } from './bollinger';

/** Naive two-pass population σ and mean of the last `n` values of xs ending at index i. */
function twoPass(xs: ArrayLike<number>, i: number, n: number): { mean: number; sd: number } {
  let sum = 0;
  for (let j = i - n + 1; j <= i; j++) sum += xs[j] as number;
  const mean = sum / n;
  let ss = 0;
  for (let j = i - n + 1; j <= i; j++) {
    const d = (xs[j] as number) - mean;
    ss += d * d;
  }
  return { mean, sd: Math.sqrt(ss / n) };
}

/** Deterministic tick-level walk around 61,837.63 in 0.01 steps, with flat stretches. */
function btcLikeSeries(length: number): Float64Array {
  const xs = new Float64Array(length);
  let cents = 6_183_763;
  let seed = 0x2545f491;
  for (let i = 0; i < length; i++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    const r = seed / 2 ** 32;
    // every ~2000 updates hold the price for 30 updates (a flat window); otherwise move −1/0/+1 ticks
    if (i % 2000 >= 1970) {
      // flat
    } else if (r < 0.3) cents -= 1;
    else if (r > 0.7) cents += 1;
    xs[i] = cents / 100;
  }
  return xs;
}

describe('Bollinger', () => {
  it('uses the population σ (ddof 0) and needs `period` updates', () => {
    const bb = new Bollinger(4, 2);
    for (const x of [1, 2, 3]) expect(bb.update(x)).toBe(false);
    expect([bb.upper, bb.middle, bb.lower, bb.stddev]).toEqual([null, null, null, null]);
    expect(bb.update(4)).toBe(true);
    // mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
    expect(bb.middle).toBe(2.5);
    expect(bb.stddev).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(bb.upper).toBeCloseTo(2.5 + 2 * Math.sqrt(1.25), 14);
    expect(bb.lower).toBeCloseTo(2.5 - 2 * Math.sqrt(1.25), 14);
  });

  it('gives upper = middle = lower exactly on a constant series', () => {
    const bb = new Bollinger(20, 2);
    for (let i = 0; i < 100; i++) {
      bb.update(61_837.63);
      if (i >= 19) {
        expect(bb.stddev).toBe(0);
        expect(bb.upper).toBe(61_837.63);
        expect(bb.middle).toBe(61_837.63);
        expect(bb.lower).toBe(61_837.63);
      }
    }
  });

  it('returns to σ = 0 exactly once a window is flat again after moves', () => {
    const bb = new Bollinger(5, 2);
    for (const x of [10, 11, 9, 12, 10.5]) bb.update(x);
    for (let i = 0; i < 5; i++) bb.update(7.3);
    expect(bb.stddev).toBe(0);
    expect(bb.upper).toBe(bb.lower);
  });

  it('stays within 1e-9 relative of a naive two-pass computation around 61837.63 over 100,000 updates', () => {
    const n = 20;
    const xs = btcLikeSeries(100_000);
    const bb = new Bollinger(n, 2);
    let worstBand = 0;
    let worstSd = 0;
    let naiveWorstSd = 0;
    let flatWindows = 0;
    let naiveSum = 0;
    let naiveSumSquares = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as number;
      bb.update(x);
      // the textbook one-pass E[x²] − E[x]² on raw running sums, for contrast
      naiveSum += x;
      naiveSumSquares += x * x;
      if (i >= n) {
        const old = xs[i - n] as number;
        naiveSum -= old;
        naiveSumSquares -= old * old;
      }
      if (i < n - 1) continue;
      const ref = twoPass(xs, i, n);
      const upper = ref.mean + 2 * ref.sd;
      const lower = ref.mean - 2 * ref.sd;
      worstBand = Math.max(
        worstBand,
        Math.abs((bb.upper as number) - upper) / upper,
        Math.abs((bb.middle as number) - ref.mean) / ref.mean,
        Math.abs((bb.lower as number) - lower) / lower,
      );
      // σ itself, pure relative 1e-9 where the window moves (σ ≥ 0.0022 there); on a flat window the
      // two-pass σ is mean-rounding noise (~1e-11) and ours must be exactly 0.
      let flat = true;
      for (let j = i - n + 1; j <= i; j++) if (xs[j] !== x) flat = false;
      if (flat) {
        flatWindows++;
        expect(bb.stddev).toBe(0);
        expect(bb.upper).toBe(bb.lower);
      } else {
        worstSd = Math.max(worstSd, Math.abs((bb.stddev as number) - ref.sd) / ref.sd);
      }
      const naiveVar = naiveSumSquares / n - (naiveSum / n) ** 2;
      const naiveSd = Math.sqrt(Math.max(naiveVar, 0));
      if (!flat) naiveWorstSd = Math.max(naiveWorstSd, Math.abs(naiveSd - ref.sd) / ref.sd);
    }
    expect(worstBand).toBeLessThanOrEqual(1e-9);
    expect(worstSd).toBeLessThanOrEqual(1e-9);
    expect(flatWindows).toBeGreaterThan(100);
    // The naive formula is off by far more — the precision test is discriminating.
    expect(naiveWorstSd).toBeGreaterThan(1e-3);
  });

  // Error model: the shifted running sums carry rounding residue ≤ ~2·period·eps·peak, peak being the
  // largest (x − reference)² added since the last recompute; update() recomputes as soon as the
  // variance falls below peak·min(2^-10, 1/(4·period)), so σ is within ~period·eps·2^10 ≈ 1e-11
  // relative (measured worst 6.5e-15 over 50,000 runs). The reference is a two-pass σ of the values
  // shifted by the newest one (exact differences), itself accurate to ~eps·(hi − lo).
  it('matches a two-pass computation on random series (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0.5, max: 1e6, noNaN: true }),
        fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (period, level, moves) => {
          const xs = moves.map((m) => level * (1 + m));
          const bb = new Bollinger(period, 2);
          xs.forEach((x, i) => {
            expect(bb.update(x)).toBe(i >= period - 1);
            if (i < period - 1) return;
            let sum = 0;
            for (let j = i - period + 1; j <= i; j++) sum += (xs[j] as number) - x;
            const meanShift = sum / period;
            let ss = 0;
            let lo = Number.POSITIVE_INFINITY;
            let hi = Number.NEGATIVE_INFINITY;
            for (let j = i - period + 1; j <= i; j++) {
              const d = (xs[j] as number) - x - meanShift;
              ss += d * d;
            }
            for (let j = Math.max(0, i - 2 * period + 1); j <= i; j++) {
              lo = Math.min(lo, xs[j] as number);
              hi = Math.max(hi, xs[j] as number);
            }
            const sd = Math.sqrt(ss / period);
            const mean = x + meanShift;
            expect(Math.abs((bb.middle as number) - mean)).toBeLessThanOrEqual(1e-15 * mean + 1e-15 * (hi - lo));
            expect(Math.abs((bb.stddev as number) - sd)).toBeLessThanOrEqual(1e-11 * sd + 1e-15 * (hi - lo));
          });
        },
      ),
    );
  });

  it.each([
    [0, 2, /period must be an integer/],
    [20, -1, /k must be a finite number ≥ 0/],
    [20, Number.NaN, /k must be a finite number ≥ 0/],
  ])('rejects period=%s k=%s', (period, k, message) => {
    expect(() => new Bollinger(period, k)).toThrow(RangeError);
    expect(() => new Bollinger(period, k)).toThrow(message);
  });
});
