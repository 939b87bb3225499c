/**
 * Cost of one update of each `@tickflow/indicators` class against a published library's equivalent,
 * measured in the same process on the same series: ≥ 1,000,000 updates of a BTC-like 1-second-bar
 * series (tick-size random walk from 61,837.63, volumes 0.001–5, event times 1 s apart). Each
 * measurement warms the JIT up first, then takes the best of 3 timed runs (`process.hrtime.bigint()`),
 * a fresh instance per run, ours and the reference's runs interleaved. Used by bench/operators.bench.ts; run alone with
 * `node bin/run-ts.mjs bench/indicators.bench.ts` to print the JSON.
 *
 * References: trading-signals 8 (no `Faster*` classes any more in v8, so its plain classes are the
 * fastest it offers; `update(x, false)` is called directly, skipping the `add` wrapper) and, for
 * realized volatility where trading-signals has no standard deviation indicator, technicalindicators 3.
 */
import { BollingerBands, EMA, MACD, RSI, VWAP, VWMA } from 'trading-signals';
import { SD } from 'technicalindicators';
import { Bollinger, Ema, Macd, RealizedVol, RollingVwap, Rsi, SessionVwap } from '@tickflow/indicators';

export interface IndicatorBenchResult {
  tickflow_ns_per_update: number;
  reference_ns_per_update: number;
  reference: string;
}

const UPDATES = Number(process.env.BENCH_INDICATOR_UPDATES ?? 1_000_000);
const WARMUP_UPDATES = 200_000;
const RUNS = 3;
const T0 = Date.UTC(2024, 7, 8, 0, 0, 0);

interface Series {
  price: Float64Array;
  volume: Float64Array;
  tsMs: Float64Array;
  /** ln(price_i / price_{i−1}); 0 at i = 0 (input of the technicalindicators SD reference). */
  logReturn: Float64Array;
  /** Pre-built candle objects for the trading-signals VWAP/VWMA references (not timed). */
  candles: { open: number; high: number; low: number; close: number; volume: number }[];
}

function makeSeries(n: number): Series {
  let state = 0x9e3779b9;
  const rand = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const price = new Float64Array(n);
  const volume = new Float64Array(n);
  const tsMs = new Float64Array(n);
  const logReturn = new Float64Array(n);
  const candles: Series['candles'] = new Array(n);
  let cents = 6_183_763;
  for (let i = 0; i < n; i++) {
    // one-second bar closes of a liquid pair: mostly a few ticks, sometimes a jump of up to $5
    const r = rand();
    const step = r < 0.02 ? Math.round((rand() - 0.5) * 1000) : Math.round((rand() - 0.5) * 8);
    cents = Math.max(100, cents + step);
    price[i] = cents / 100;
    volume[i] = Math.round((0.001 + rand() ** 3 * 5) * 1e5) / 1e5;
    tsMs[i] = T0 + i * 1000;
    logReturn[i] = i === 0 ? 0 : Math.log((price[i] as number) / (price[i - 1] as number));
    const p = price[i] as number;
    candles[i] = { open: p, high: p, low: p, close: p, volume: volume[i] as number };
  }
  return { price, volume, tsMs, logReturn, candles };
}

/** A timed loop over the first `n` updates; returns a checksum so the work cannot be elided. */
type Loop = (s: Series, n: number) => number;

let blackhole = 0;

/** Best-of-RUNS ns/update of each loop; the two loops' runs are interleaved (ours, reference, ours, …)
 * so a change of machine load during the measurement hits both alike. */
function nsPerUpdatePair(ours: Loop, reference: Loop, s: Series, n: number): [number, number] {
  const warm = Math.min(n, WARMUP_UPDATES);
  for (let w = 0; w < 2; w++) {
    blackhole += ours(s, warm);
    blackhole += reference(s, warm);
  }
  const best: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let r = 0; r < RUNS; r++) {
    best[0] = Math.min(best[0], timeLoop(ours, s, n));
    best[1] = Math.min(best[1], timeLoop(reference, s, n));
  }
  return [round2(best[0]), round2(best[1])];
}

function timeLoop(loop: Loop, s: Series, n: number): number {
  const t0 = process.hrtime.bigint();
  const checksum = loop(s, n);
  const t1 = process.hrtime.bigint();
  blackhole += checksum;
  return Number(t1 - t0) / n;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

const acc = (v: number | null | undefined): number => (v == null ? 0 : v);

interface Pair {
  ours: Loop;
  reference: Loop;
  name: string;
}

const PAIRS: Record<string, Pair> = {
  Ema: {
    name: 'trading-signals EMA(12)',
    ours: (s, n) => {
      const ema = new Ema(12);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(ema.update(s.price[i] as number));
      return sum;
    },
    reference: (s, n) => {
      const ema = new EMA(12);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += ema.update(s.price[i] as number, false);
      return sum;
    },
  },
  Macd: {
    name: 'trading-signals MACD(EMA(12), EMA(26), EMA(9))',
    ours: (s, n) => {
      const macd = new Macd(12, 26, 9);
      let sum = 0;
      for (let i = 0; i < n; i++) if (macd.update(s.price[i] as number)) sum += acc(macd.hist);
      return sum;
    },
    reference: (s, n) => {
      const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const r = macd.update(s.price[i] as number, false);
        if (r !== null) sum += r.histogram;
      }
      return sum;
    },
  },
  Rsi: {
    name: 'trading-signals RSI(14)',
    ours: (s, n) => {
      const rsi = new Rsi(14);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(rsi.update(s.price[i] as number));
      return sum;
    },
    reference: (s, n) => {
      const rsi = new RSI(14);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(rsi.update(s.price[i] as number, false));
      return sum;
    },
  },
  Bollinger: {
    name: 'trading-signals BollingerBands(20, 2)',
    ours: (s, n) => {
      const bb = new Bollinger(20, 2);
      let sum = 0;
      for (let i = 0; i < n; i++) if (bb.update(s.price[i] as number)) sum += acc(bb.upper) - acc(bb.lower);
      return sum;
    },
    reference: (s, n) => {
      const bb = new BollingerBands(20, 2);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const r = bb.update(s.price[i] as number, false);
        if (r !== null) sum += r.upper - r.lower;
      }
      return sum;
    },
  },
  SessionVwap: {
    name: 'trading-signals VWAP (cumulative, no session reset; candle objects with high = low = close, pre-built)',
    ours: (s, n) => {
      const vwap = new SessionVwap();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(vwap.update(s.price[i] as number, s.volume[i] as number, s.tsMs[i] as number));
      return sum;
    },
    reference: (s, n) => {
      const vwap = new VWAP();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(vwap.update(s.candles[i] as Series['candles'][number], false));
      return sum;
    },
  },
  RollingVwap: {
    name: 'trading-signals VWMA(300) (count window of 300 one-second bars = our 5 min time window; recomputes O(N) per update)',
    ours: (s, n) => {
      const vwap = new RollingVwap(300_000);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(vwap.update(s.price[i] as number, s.volume[i] as number, s.tsMs[i] as number));
      return sum;
    },
    reference: (s, n) => {
      const vwma = new VWMA(300);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(vwma.update(s.candles[i] as Series['candles'][number], false));
      return sum;
    },
  },
  RealizedVol: {
    name: 'technicalindicators SD(60).nextValue of log returns (count window of 60 one-second bars = our 60 s window; returns precomputed, not timed)',
    ours: (s, n) => {
      const vol = new RealizedVol(60_000);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += acc(vol.update(s.price[i] as number, s.tsMs[i] as number));
      return sum;
    },
    reference: (s, n) => {
      const sd = new SD({ period: 60, values: [] });
      let sum = 0;
      for (let i = 1; i < n; i++) sum += acc(sd.nextValue(s.logReturn[i] as number));
      return sum;
    },
  },
};

export async function benchIndicators(): Promise<Record<string, IndicatorBenchResult>> {
  const series = makeSeries(UPDATES);
  const out: Record<string, IndicatorBenchResult> = {};
  for (const [key, pair] of Object.entries(PAIRS)) {
    const [ours, reference] = nsPerUpdatePair(pair.ours, pair.reference, series, UPDATES);
    out[key] = { tickflow_ns_per_update: ours, reference_ns_per_update: reference, reference: pair.name };
    // yield between indicators so a caller's timers and logs are not starved
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!Number.isFinite(blackhole)) throw new Error('benchmark checksum is not finite');
  return out;
}

if (process.argv[1]?.endsWith('indicators.bench.ts')) {
  const result = await benchIndicators();
  console.log(JSON.stringify({ updates: UPDATES, runs: RUNS, node: process.version, indicators: result }, null, 2));
}
