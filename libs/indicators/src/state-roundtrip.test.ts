// Every indicator's toState() survives a JSON round trip, and the restored instance continues with
// bit-identical outputs (Object.is on every value, so even −0/+0 would count).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bollinger, Ema, IndicatorErrorCode, Macd, RealizedVol, RollingVwap, Rsi, SessionVwap } from './index';
import { readTrades } from './reference-data.test-helper';

interface Tick {
  price: number;
  volume: number;
  tsMs: number;
}

/** Uniform view over the indicators for this test. */
interface Subject {
  feed(t: Tick): void;
  outputs(): (number | null)[];
  state(): unknown;
}

type Case = {
  name: string;
  create: () => Subject;
  restore: (state: unknown) => Subject;
};

function wrap<T extends { toState(): unknown }>(ind: T, feed: (i: T, t: Tick) => void, outputs: (i: T) => (number | null)[]): Subject {
  return { feed: (t) => feed(ind, t), outputs: () => outputs(ind), state: () => ind.toState() };
}

const emaFeed = (i: Ema, t: Tick) => void i.update(t.price);
const macdFeed = (i: Macd, t: Tick) => void i.update(t.price);
const rsiFeed = (i: Rsi, t: Tick) => void i.update(t.price);
const bbFeed = (i: Bollinger, t: Tick) => void i.update(t.price);
const svFeed = (i: SessionVwap, t: Tick) => void i.update(t.price, t.volume, t.tsMs);
const rvFeed = (i: RollingVwap, t: Tick) => void i.update(t.price, t.volume, t.tsMs);
const volFeed = (i: RealizedVol, t: Tick) => void i.update(t.price, t.tsMs);
const emaOut = (i: Ema) => [i.value];
const macdOut = (i: Macd) => [i.macd, i.signal, i.hist];
const rsiOut = (i: Rsi) => [i.value];
const bbOut = (i: Bollinger) => [i.upper, i.middle, i.lower, i.stddev];
const vOut = (i: { value: number | null }) => [i.value];

const CASES: Case[] = [
  {
    name: 'Ema(12)',
    create: () => wrap(new Ema(12), emaFeed, emaOut),
    restore: (s) => wrap(Ema.fromState(s as never), emaFeed, emaOut),
  },
  {
    name: 'Macd(12,26,9)',
    create: () => wrap(new Macd(12, 26, 9), macdFeed, macdOut),
    restore: (s) => wrap(Macd.fromState(s as never), macdFeed, macdOut),
  },
  {
    name: 'Rsi(14)',
    create: () => wrap(new Rsi(14), rsiFeed, rsiOut),
    restore: (s) => wrap(Rsi.fromState(s as never), rsiFeed, rsiOut),
  },
  {
    name: 'Bollinger(20,2)',
    create: () => wrap(new Bollinger(20, 2), bbFeed, bbOut),
    restore: (s) => wrap(Bollinger.fromState(s as never), bbFeed, bbOut),
  },
  {
    name: 'SessionVwap(1 day)',
    create: () => wrap(new SessionVwap(), svFeed, vOut),
    restore: (s) => wrap(SessionVwap.fromState(s as never), svFeed, vOut),
  },
  {
    // small initial ring and window so snapshots land across growth and 1024-eviction recomputes
    name: 'RollingVwap(5 s)',
    create: () => wrap(new RollingVwap(5_000, 4), rvFeed, vOut),
    restore: (s) => wrap(RollingVwap.fromState(s as never), rvFeed, vOut),
  },
  {
    name: 'RealizedVol(1 s)',
    create: () => wrap(new RealizedVol(1_000, 2), volFeed, vOut),
    restore: (s) => wrap(RealizedVol.fromState(s as never), volFeed, vOut),
  },
];

const ticks: Tick[] = readTrades('BTCUSDT').map((t) => ({ price: t.price, volume: t.quantity, tsMs: t.timestamp_ms }));

function expectSameOutputs(name: string, a: (number | null)[], b: (number | null)[], tick: number): void {
  if (b.length !== a.length) expect(b.length, `${name}: output count at tick ${tick}`).toBe(a.length);
  for (let k = 0; k < a.length; k++) {
    // plain `if` first: expect() per value per tick would dominate the run time
    if (!Object.is(a[k], b[k])) expect(b[k], `${name}: output ${k} at tick ${tick}`).toBe(a[k]);
  }
}

/** Feeds ticks[0..split) to one instance, snapshots it through JSON, and runs both to the end. */
function runSplit(c: Case, series: Tick[], split: number): void {
  const original = c.create();
  for (let i = 0; i < split; i++) original.feed(series[i] as Tick);
  const json = JSON.stringify(original.state());
  const restored = c.restore(JSON.parse(json));
  expectSameOutputs(c.name, original.outputs(), restored.outputs(), split);
  expect(JSON.stringify(restored.state())).toBe(json);
  for (let i = split; i < series.length; i++) {
    original.feed(series[i] as Tick);
    restored.feed(series[i] as Tick);
    expectSameOutputs(c.name, original.outputs(), restored.outputs(), i);
  }
  expect(JSON.stringify(restored.state())).toBe(JSON.stringify(original.state()));
}

describe.each(CASES)('$name state round trip', (c) => {
  it.each([0, 1, 10, 25, 33, 34, 500, 9_999, 15_000])('continues bit-identically after a snapshot at tick %i', (split) => {
    runSplit(c, ticks, split);
  });

  it('continues bit-identically from any snapshot point (property)', () => {
    const series = ticks.slice(0, 3000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: series.length }), (split) => runSplit(c, series, split)),
      { numRuns: 15 },
    );
  });
});

describe('fromState rejects snapshots that are not its own', () => {
  const good = new Ema(3).toState();
  it.each([
    ['null', null],
    ['an array', []],
    ['another kind', { ...new Rsi(3).toState() }],
    ['another version', { ...good, version: 2 }],
    ['a bad period', { ...good, period: 0 }],
    ['a count beyond the period', { ...good, count: 4 }],
    ['a value during warm-up', { ...good, value: 1 }],
    ['a NaN', { ...good, sum: Number.NaN }],
  ])('Ema.fromState(%s)', (_name, state) => {
    expect(() => Ema.fromState(state as never)).toThrow(RangeError);
    expect(() => Ema.fromState(state as never)).toThrow(expect.objectContaining({ code: IndicatorErrorCode.INVALID_STATE }));
  });

  it('RollingVwap.fromState rejects entries outside the window or out of order', () => {
    const v = new RollingVwap(1000);
    v.update(1, 1, 0);
    v.update(2, 1, 500);
    const s = v.toState();
    expect(() => RollingVwap.fromState({ ...s, tsMs: [500, 0] })).toThrow(/non-decreasing/);
    expect(() => RollingVwap.fromState({ ...s, latestTsMs: 5000 })).toThrow(/inside the window/);
    expect(() => RollingVwap.fromState({ ...s, capacity: 3 })).toThrow(/power of two/);
  });

  it.each([
    ['Macd', () => Macd.fromState({ ...new Macd().toState(), recent: [1, 2] })],
    ['Bollinger', () => Bollinger.fromState({ ...new Bollinger().toState(), window: [1] })],
    ['RealizedVol', () => RealizedVol.fromState({ ...new RealizedVol().toState(), previousClose: -1, latestTsMs: 0 })],
    ['SessionVwap', () => SessionVwap.fromState({ ...new SessionVwap().toState(), sumVolume: -1 })],
    ['Rsi', () => Rsi.fromState({ ...new Rsi().toState(), previous: 5 })],
  ])('%s.fromState rejects an inconsistent snapshot', (_name, restore) => {
    expect(restore).toThrow(RangeError);
  });
});
