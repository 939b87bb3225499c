// Cross-check against trading-signals 8 (dev dependency) on real data: every BTCUSDT trade price of
// the recorded Binance tape (19,904 prices, in file order — event time, ties by trade id). Every
// trade rather than the last price per second: 30× more updates, including long flat runs and
// one-tick moves at a 61,837 price level, which is where precision problems show.
//
// Tolerances, and why (price ≈ 61,837, so 1e-14·price ≈ 6e-10 ≈ 85 ulps of the price):
// - Bollinger: same definition (SMA, population σ). trading-signals recomputes two-pass each bar.
//   Bands within 1e-14 relative (measured 7e-16); σ within 1e-12 relative on windows that move
//   (measured 1.2e-13). On flat windows ours is exactly 0 and theirs is the rounding noise of their
//   mean, |σ| ≤ 1e-14·price (measured 3.6e-11).
// - RSI: same seeding (mean of the first 14 changes, first value at bar 14) and the same Wilder
//   recurrence written as avg + (x − avg)/N instead of TA-Lib's (avg·(N−1) + x)/N; the rounding
//   differences are contracted by (1 − 1/N) each bar, so they stay at the ulp level: within 1e-12
//   absolute on the 0–100 scale (measured 3.6e-14).
// - EMA: trading-signals seeds with the first price, we (TA-Lib) with the SMA of the first N. Both
//   are the same linear recurrence, so the difference d₀ at the first common bar decays exactly as
//   (1 − α)^k; we assert |ours − theirs| ≤ |d₀|·(1 − α)^k + 1e-14·price from that bar on (the second
//   term is accumulated rounding: they compute x·α + prev·(1 − α); measured ≤ 7e-16·price). A fixed
//   "skip 200 bars" would not do for EMA26: (25/27)^200·d₀ is still 1.2e-11·price there.
// - MACD: trading-signals seeds both EMAs with the first price and starts the signal at bar 25; we
//   follow TA-Lib (bar 33). The slowest transient is the slow EMA's, (25/27)^k·d₀; from bar 600 it is
//   below 1e-19·d₀, so only rounding remains: within 1e-14·price absolute (measured 5.8e-11).
import { describe, expect, it } from 'vitest';
import { BollingerBands, EMA, MACD, RSI } from 'trading-signals';
import { Bollinger, Ema, Macd, Rsi } from './index';
import { readTrades } from './reference-data.test-helper';

const prices = readTrades('BTCUSDT').map((t) => t.price);
const PRICE_SCALE_TOLERANCE = 1e-14;

describe('cross-check with trading-signals on the BTCUSDT tape', () => {
  it('uses the whole tape', () => {
    expect(prices.length).toBe(19_904);
  });

  it.each([12, 26])('EMA(%i): the seeding difference decays as (1 − α)^k, then only rounding is left', (period) => {
    const ours = new Ema(period);
    const theirs = new EMA(period);
    const decay = 1 - 2 / (period + 1);
    let d0: number | null = null;
    let k = 0;
    let compared = 0;
    prices.forEach((x) => {
      const a = ours.update(x);
      theirs.add(x);
      expect(a !== null).toBe(theirs.isStable);
      if (a === null) return;
      const b = theirs.getResultOrThrow();
      if (d0 === null) d0 = a - b;
      const bound = Math.abs(d0) * decay ** k + PRICE_SCALE_TOLERANCE * x;
      if (!(Math.abs(a - b) <= bound)) expect(Math.abs(a - b), `bar ${k}`).toBeLessThanOrEqual(bound);
      k++;
      compared++;
    });
    expect(d0).not.toBe(0); // the seeds do differ, so the envelope is exercised
    expect(compared).toBe(prices.length - period + 1);
  });

  it('RSI(14): identical warm-up and values within 1e-12', () => {
    const ours = new Rsi(14);
    const theirs = new RSI(14);
    let worst = 0;
    prices.forEach((x, i) => {
      const a = ours.update(x);
      const b = theirs.add(x);
      if ((a === null) !== (b === null)) expect(a, `bar ${i}`).toBe(b);
      if (a !== null && b !== null) worst = Math.max(worst, Math.abs(a - b));
    });
    expect(ours.ready).toBe(true);
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  it('Bollinger(20, 2): bands within 1e-14 relative, σ within 1e-12 relative (exactly 0 when flat)', () => {
    const ours = new Bollinger(20, 2);
    const theirs = new BollingerBands(20, 2);
    let worstBand = 0;
    let worstSd = 0;
    let flatWindows = 0;
    prices.forEach((x, i) => {
      const ready = ours.update(x);
      const b = theirs.add(x);
      expect(ready, `bar ${i}`).toBe(b !== null);
      if (b === null) return;
      worstBand = Math.max(
        worstBand,
        Math.abs((ours.upper as number) - b.upper) / b.upper,
        Math.abs((ours.middle as number) - b.middle) / b.middle,
        Math.abs((ours.lower as number) - b.lower) / b.lower,
      );
      const theirSd = (b.upper - b.middle) / 2;
      let flat = true;
      for (let j = i - 19; j <= i; j++) if (prices[j] !== x) flat = false;
      if (flat) {
        flatWindows++;
        expect(ours.stddev).toBe(0);
        expect(Math.abs(theirSd)).toBeLessThanOrEqual(PRICE_SCALE_TOLERANCE * x);
      } else {
        // their σ recomputed from their middle, to avoid the rounding of (upper − middle)/2
        let ss = 0;
        for (let j = i - 19; j <= i; j++) ss += ((prices[j] as number) - b.middle) ** 2;
        const sd = Math.sqrt(ss / 20);
        worstSd = Math.max(worstSd, Math.abs((ours.stddev as number) - sd) / sd);
      }
    });
    expect(flatWindows).toBeGreaterThan(100);
    expect(worstBand).toBeLessThanOrEqual(1e-14);
    expect(worstSd).toBeLessThanOrEqual(1e-12);
  });

  it('MACD(12, 26, 9): equal to rounding from bar 600, once the seeding transients are gone', () => {
    const ours = new Macd(12, 26, 9);
    const theirs = new MACD(new EMA(12), new EMA(26), new EMA(9));
    let compared = 0;
    prices.forEach((x, i) => {
      ours.update(x);
      const b = theirs.add(x);
      if (i < 33) expect(ours.macd).toBeNull();
      if (i < 600) return;
      expect(b).not.toBeNull();
      const r = b as { macd: number; signal: number; histogram: number };
      const tol = PRICE_SCALE_TOLERANCE * x;
      const errs = [
        Math.abs((ours.macd as number) - r.macd),
        Math.abs((ours.signal as number) - r.signal),
        Math.abs((ours.hist as number) - r.histogram),
      ];
      if (!errs.every((e) => e <= tol)) expect(errs, `bar ${i}`).toEqual([0, 0, 0]);
      compared++;
    });
    expect(compared).toBe(prices.length - 600);
  });
});
