import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RealizedVol } from './realized-vol';
import { IndicatorErrorCode } from './errors';

/** Two-pass population σ of xs shifted by their last value (exact differences): accurate to ~eps·range. */
function populationSd(xs: number[]): number {
  const x0 = xs[xs.length - 1] as number;
  const mean = xs.reduce((a, x) => a + (x - x0), 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - x0 - mean) ** 2, 0) / xs.length);
}

describe('RealizedVol', () => {
  it('on a hand-computed example', () => {
    // closes 100, 101, 100, 102 one second apart → log returns
    //   r1 = ln 1.01      =  0.009950330853168083
    //   r2 = ln(100/101)  = −0.009950330853168083
    //   r3 = ln 1.02      =  0.019802627296179713
    // mean = r3/3 = 0.006600875765393238; population variance = Σ(r − mean)²/3
    // σ = 0.012375345562797454… (40-digit decimal arithmetic); over (r2, r3) only: 0.014876479074673898…
    const v = new RealizedVol(60_000);
    expect(v.update(100, 0)).toBeNull();
    expect(v.update(101, 1000)).toBeNull(); // one return only
    expect(v.update(100, 2000)).toBeCloseTo(0.009950330853168083, 15); // |r1 − r2| / 2
    const sd3 = v.update(102, 3000) as number;
    expect(Math.abs(sd3 - 0.012375345562797454)).toBeLessThanOrEqual(1e-12 * 0.0124);

    const w = new RealizedVol(2000);
    for (const [c, t] of [[100, 0], [101, 1000], [100, 2000], [102, 3000]] as const) w.update(c, t);
    // window (1000, 3000]: r1 (ts 1000) is out exactly at the boundary
    expect(w.length).toBe(2);
    expect(Math.abs((w.value as number) - 0.0148764790746739)).toBeLessThanOrEqual(1e-12 * 0.0149);
  });

  it('is null until two returns are in the window, and after they expire', () => {
    const v = new RealizedVol(1000);
    v.update(100, 0);
    v.update(101, 100);
    expect(v.value).toBeNull();
    expect(v.update(102, 200)).not.toBeNull();
    expect(v.update(103, 1250)).toBeNull(); // window (250, 1250]: only the return at 1250
  });

  it('is exactly 0 on a flat market, including after moves have left the window', () => {
    const v = new RealizedVol(1000);
    [100, 101, 99, 100.5].forEach((c, i) => v.update(c, i * 100));
    for (let t = 400; t <= 3000; t += 100) v.update(100.5, t);
    expect(v.value).toBe(0);
  });

  it('rejects non-positive closes and time going back', () => {
    const v = new RealizedVol();
    v.update(1, 10);
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => v.update(bad, 20)).toThrow(RangeError);
      expect(() => v.update(bad, 20)).toThrow(expect.objectContaining({ code: IndicatorErrorCode.INVALID_INPUT }));
    }
    expect(() => v.update(1, 9)).toThrow(/event time went back/);
    expect(() => new RealizedVol(-5)).toThrow(RangeError);
  });

  // Error model as for Bollinger: the shifted sums' rounding residue is ~eps·(largest d² since the last
  // recompute) and update() recomputes once the variance is small next to it, so σ is within ~1e-11
  // relative, plus the reference's own ~eps·range (measured worst 1.5e-13 of that over 20,000 runs).
  it('matches a naive recomputation (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.double({ min: 0.95, max: 1.05, noNaN: true }), fc.integer({ min: 0, max: 10 })), {
          minLength: 1,
          maxLength: 200,
        }),
        (windowMs, steps) => {
          const v = new RealizedVol(windowMs, 1);
          let close = 100;
          let ts = 0;
          const returns: [number, number][] = [];
          let prev: number | null = null;
          for (const [ratio, dt] of steps) {
            close *= ratio;
            ts += dt;
            if (prev !== null) returns.push([ts, Math.log(close / prev)]);
            prev = close;
            const got = v.update(close, ts);
            const inWindow = returns.filter(([t]) => t > ts - windowMs).map(([, r]) => r);
            if (inWindow.length < 2) {
              expect(got).toBeNull();
            } else {
              const expected = populationSd(inWindow);
              const range = Math.max(...inWindow) - Math.min(...inWindow);
              expect(Math.abs((got as number) - expected)).toBeLessThanOrEqual(1e-11 * expected + 1e-15 * range);
            }
          }
        },
      ),
    );
  });
});
