import type { TradeStatus } from '@tickflow/schemas';
import { SeededRandom } from './seeded-random';

/**
 * The statuses the simulator draws from, in a fixed order (the draw order is part of determinism).
 * Kept here rather than imported at runtime so the simulator only depends on the schema *types*;
 * the two checks below fail to compile if this list and `TradeStatus` ever disagree.
 */
export const SIM_TRADE_STATUSES = ['NEW', 'FILLED', 'PARTIALLY_FILLED', 'CANCELLED', 'REJECTED'] as const satisfies readonly TradeStatus[];
type MissingStatus = Exclude<TradeStatus, (typeof SIM_TRADE_STATUSES)[number]>;
const EVERY_STATUS_LISTED: MissingStatus extends never ? true : false = true;
void EVERY_STATUS_LISTED;

/** One simulated instrument. */
export interface SymbolSpec {
  /** Ticker, uppercase letters, digits and `. _ / -` (e.g. `AAPL`, `BRK.B`). */
  symbol: string;
  /** Price at `startTimeMs`; also the level the price slowly reverts to. Must be > 0. */
  startPrice: number;
  /** Sector for reference data. @defaultValue `'Unknown'` */
  sector?: string;
}

/** Relative weights of trade statuses (need not sum to 1; missing statuses weigh 0). */
export type StatusMix = Partial<Record<TradeStatus, number>>;

/**
 * Options of {@link MarketSimulator}. All times are simulated event time; the simulator never reads
 * the wall clock, so one set of options always produces the same event sequence.
 */
export interface SimulatorOptions {
  /**
   * Instruments to simulate: explicit specs, or a count `n` that generates `SYM0001` … `SYMn`
   * (n <= 9999) with seeded start prices (log-uniform in [10, 500]) and sectors.
   * @defaultValue {@link DEFAULT_SYMBOLS} (8 US equities)
   */
  symbols?: readonly SymbolSpec[] | number;
  /**
   * Seed of every random choice (non-negative safe integer). It also appears in ids (`T<seed>-<n>`),
   * so two simulators with different seeds never collide on trade ids.
   * @defaultValue 1
   */
  seed?: number;
  /**
   * Event time of the first event, UTC epoch ms. Pass `Date.now()` for a live feed.
   * @defaultValue 1_704_205_800_000 (2024-01-02T14:30:00Z, a US market open)
   */
  startTimeMs?: number;
  /**
   * Mean rate of trades over all symbols, per simulated second. Inter-arrival times are
   * exponential (a Poisson process), so many trades can share a millisecond at high rates.
   * @defaultValue 100
   */
  tradesPerSecond?: number;
  /**
   * Mean number of quotes emitted after each trade, for the traded symbol (a fractional part is
   * drawn, e.g. 1.5 → 1 or 2). 0 disables quotes after trades (an initial quote per symbol is
   * still emitted at start, so books always have a quote to agree with).
   * @defaultValue 2
   */
  quotesPerTrade?: number;
  /**
   * Each symbol gets a full book snapshot every `bookEveryMs` of simulated time (snapshots of
   * different symbols are staggered evenly). 0 disables books.
   * @defaultValue 1000
   */
  bookEveryMs?: number;
  /**
   * Levels per side of each book snapshot (>= 20, so depth at 5/10/20 levels is defined).
   * @defaultValue 20
   */
  bookLevels?: number;
  /**
   * Volatility of log-price in the calm regime, per square root of a second (0.0002 ≈ 0.35 % per
   * 5 minutes).
   * @defaultValue 0.0002
   */
  calmVolatility?: number;
  /**
   * Volatility of log-price in the volatile regime, per square root of a second (0.001 ≈ 1.7 % per
   * 5 minutes). Spreads also widen 3× in this regime.
   * @defaultValue 0.001
   */
  volatileVolatility?: number;
  /**
   * Probability per simulated second that a calm symbol turns volatile.
   * @defaultValue 1 / 1800 (about every 30 minutes)
   */
  calmToVolatilePerSec?: number;
  /**
   * Probability per simulated second that a volatile symbol calms down.
   * @defaultValue 1 / 300 (volatile spells last about 5 minutes)
   */
  volatileToCalmPerSec?: number;
  /**
   * Probability per simulated minute and symbol of a price jump (news): the price moves at once by
   * a uniform `[jumpMin, jumpMax]` fraction, up or down with equal odds. Jumps make the 2 % price
   * alerts fire.
   * @defaultValue 0.02 (about one jump per symbol per 50 minutes)
   */
  jumpsPerMinute?: number;
  /** Smallest jump, as a fraction of the price. @defaultValue 0.02 */
  jumpMin?: number;
  /** Largest jump, as a fraction of the price. @defaultValue 0.12 */
  jumpMax?: number;
  /**
   * Half-life, in simulated seconds, of the pull of log-price back to log(startPrice)
   * (Ornstein–Uhlenbeck), so long runs keep realistic prices. `Infinity` gives a pure random walk.
   * @defaultValue 14_400 (4 hours)
   */
  meanReversionHalfLifeSec?: number;
  /**
   * Typical quoted spread in basis points of the price in the calm regime (at least one tick).
   * @defaultValue 2
   */
  spreadBps?: number;
  /**
   * Weights of trade statuses.
   * @defaultValue `{ FILLED: 0.85, PARTIALLY_FILLED: 0.07, NEW: 0.04, CANCELLED: 0.03, REJECTED: 0.01 }`
   */
  statusMix?: StatusMix;
  /**
   * Share of all emitted events that are malformed (`kind: 'raw'`, on the topic of the event they
   * were derived from). They are inserted, not substituted: the valid events are the same for any
   * `badShare`. They carry their own trade ids (`T<seed>-B<n>`) and the `seq` of the next valid event.
   * @defaultValue 0
   */
  badShare?: number;
  /**
   * Share of fresh (non-duplicate) trades whose event time (`timestamp_ms` = `event_ts`) is 1–60 s
   * before the current simulated time; their `ingest_ts` is the current time.
   * @defaultValue 0
   */
  lateShare?: number;
  /**
   * Share of `kind: 'trade'` events that repeat one of the last 1024 trades verbatim (same
   * trade_id, seq and times, as a producer retry would). Inserted, not substituted.
   * @defaultValue 0
   */
  duplicateShare?: number;
}

/** A symbol after option resolution. */
export interface SimSymbol {
  symbol: string;
  startPrice: number;
  sector: string;
}

/** Options with every default applied and checked. */
export interface ResolvedSimulatorOptions extends Required<Omit<SimulatorOptions, 'symbols' | 'statusMix'>> {
  symbols: readonly SimSymbol[];
  statusMix: Readonly<Record<TradeStatus, number>>;
}

export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = Object.freeze([
  { symbol: 'AAPL', startPrice: 185.5, sector: 'Technology' },
  { symbol: 'MSFT', startPrice: 410.2, sector: 'Technology' },
  { symbol: 'NVDA', startPrice: 121.4, sector: 'Technology' },
  { symbol: 'AMZN', startPrice: 178.9, sector: 'Consumer Discretionary' },
  { symbol: 'JPM', startPrice: 198.3, sector: 'Financials' },
  { symbol: 'BRK.B', startPrice: 412.7, sector: 'Financials' },
  { symbol: 'XOM', startPrice: 114.6, sector: 'Energy' },
  { symbol: 'JNJ', startPrice: 155.1, sector: 'Health Care' },
]);

export const DEFAULT_STATUS_MIX: Readonly<Record<TradeStatus, number>> = Object.freeze({
  NEW: 0.04,
  FILLED: 0.85,
  PARTIALLY_FILLED: 0.07,
  CANCELLED: 0.03,
  REJECTED: 0.01,
});

export const DEFAULT_SIMULATOR_OPTIONS: Readonly<Omit<ResolvedSimulatorOptions, 'symbols'>> = Object.freeze({
  seed: 1,
  startTimeMs: 1_704_205_800_000,
  tradesPerSecond: 100,
  quotesPerTrade: 2,
  bookEveryMs: 1000,
  bookLevels: 20,
  calmVolatility: 0.0002,
  volatileVolatility: 0.001,
  calmToVolatilePerSec: 1 / 1800,
  volatileToCalmPerSec: 1 / 300,
  jumpsPerMinute: 0.02,
  jumpMin: 0.02,
  jumpMax: 0.12,
  meanReversionHalfLifeSec: 14_400,
  spreadBps: 2,
  statusMix: DEFAULT_STATUS_MIX,
  badShare: 0,
  lateShare: 0,
  duplicateShare: 0,
});

const SYMBOL_PATTERN = /^[A-Z0-9._/-]{1,32}$/;
const GENERATED_SECTORS = ['Technology', 'Financials', 'Health Care', 'Energy', 'Industrials', 'Consumer Discretionary', 'Utilities', 'Materials'];
/** PRNG stream used only to generate `SYMnnnn` instruments. */
const SYMBOL_STREAM = 7;

/**
 * Applies defaults and checks every option; throws a `RangeError` naming the option and what was
 * expected. The result is frozen.
 */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const d = DEFAULT_SIMULATOR_OPTIONS;
  const seed = options.seed ?? d.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) fail('seed', 'a non-negative safe integer', seed);
  const r: ResolvedSimulatorOptions = {
    seed,
    startTimeMs: check('startTimeMs', options.startTimeMs ?? d.startTimeMs, (v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer (epoch ms)'),
    tradesPerSecond: check('tradesPerSecond', options.tradesPerSecond ?? d.tradesPerSecond, (v) => v > 0 && v < Infinity, 'a finite number > 0'),
    quotesPerTrade: check('quotesPerTrade', options.quotesPerTrade ?? d.quotesPerTrade, (v) => v >= 0 && v <= 1000, 'a number in [0, 1000]'),
    bookEveryMs: check('bookEveryMs', options.bookEveryMs ?? d.bookEveryMs, (v) => v >= 0 && v < Infinity, 'a finite number >= 0 (0 disables books)'),
    bookLevels: check('bookLevels', options.bookLevels ?? d.bookLevels, (v) => Number.isInteger(v) && v >= 20 && v <= 1000, 'an integer in [20, 1000]'),
    calmVolatility: check('calmVolatility', options.calmVolatility ?? d.calmVolatility, isVolatility, 'a number in [0, 0.1]'),
    volatileVolatility: check('volatileVolatility', options.volatileVolatility ?? d.volatileVolatility, isVolatility, 'a number in [0, 0.1]'),
    calmToVolatilePerSec: check('calmToVolatilePerSec', options.calmToVolatilePerSec ?? d.calmToVolatilePerSec, isProbability, 'a probability in [0, 1)'),
    volatileToCalmPerSec: check('volatileToCalmPerSec', options.volatileToCalmPerSec ?? d.volatileToCalmPerSec, isProbability, 'a probability in [0, 1)'),
    jumpsPerMinute: check('jumpsPerMinute', options.jumpsPerMinute ?? d.jumpsPerMinute, isProbability, 'a probability in [0, 1)'),
    jumpMin: check('jumpMin', options.jumpMin ?? d.jumpMin, (v) => v >= 0 && v < 0.5, 'a fraction in [0, 0.5)'),
    jumpMax: check('jumpMax', options.jumpMax ?? d.jumpMax, (v) => v >= 0 && v < 0.5, 'a fraction in [0, 0.5)'),
    meanReversionHalfLifeSec: check('meanReversionHalfLifeSec', options.meanReversionHalfLifeSec ?? d.meanReversionHalfLifeSec, (v) => v > 0, 'a number > 0 (Infinity for none)'),
    spreadBps: check('spreadBps', options.spreadBps ?? d.spreadBps, (v) => v >= 0 && v <= 1000, 'a number of basis points in [0, 1000]'),
    statusMix: resolveStatusMix(options.statusMix),
    badShare: check('badShare', options.badShare ?? d.badShare, isProbability, 'a share in [0, 1)'),
    lateShare: check('lateShare', options.lateShare ?? d.lateShare, (v) => v >= 0 && v <= 1, 'a share in [0, 1]'),
    duplicateShare: check('duplicateShare', options.duplicateShare ?? d.duplicateShare, isProbability, 'a share in [0, 1)'),
    symbols: resolveSymbols(options.symbols ?? DEFAULT_SYMBOLS, seed),
  };
  if (r.jumpMin > r.jumpMax) fail('jumpMin', `<= jumpMax (${r.jumpMax})`, r.jumpMin);
  return Object.freeze(r);
}

function resolveSymbols(spec: readonly SymbolSpec[] | number, seed: number): readonly SimSymbol[] {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1 || spec > 9999) fail('symbols', 'an integer count in [1, 9999] or a list of symbols', spec);
    const rng = new SeededRandom(seed, SYMBOL_STREAM);
    const out: SimSymbol[] = [];
    for (let i = 1; i <= spec; i++) {
      const startPrice = Math.round(Math.exp(rng.uniform(Math.log(10), Math.log(500))) * 100) / 100;
      out.push(Object.freeze({ symbol: `SYM${String(i).padStart(4, '0')}`, startPrice, sector: GENERATED_SECTORS[rng.int(GENERATED_SECTORS.length)] ?? 'Unknown' }));
    }
    return Object.freeze(out);
  }
  if (!Array.isArray(spec) || spec.length === 0) fail('symbols', 'a non-empty list of symbols or a count', spec);
  const seen = new Set<string>();
  return Object.freeze(
    spec.map((s, i) => {
      if (typeof s.symbol !== 'string' || !SYMBOL_PATTERN.test(s.symbol)) fail(`symbols[${i}].symbol`, 'uppercase letters, digits and . _ / - (1-32 chars)', s.symbol);
      if (seen.has(s.symbol)) fail(`symbols[${i}].symbol`, 'a symbol not listed before', s.symbol);
      seen.add(s.symbol);
      if (!(s.startPrice > 0 && s.startPrice < 1e9)) fail(`symbols[${i}].startPrice`, 'a price in (0, 1e9)', s.startPrice);
      return Object.freeze({ symbol: s.symbol, startPrice: s.startPrice, sector: s.sector ?? 'Unknown' });
    }),
  );
}

function resolveStatusMix(mix: StatusMix | undefined): Readonly<Record<TradeStatus, number>> {
  if (mix === undefined) return DEFAULT_STATUS_MIX;
  let total = 0;
  const out = {} as Record<TradeStatus, number>;
  for (const status of SIM_TRADE_STATUSES) {
    const w = mix[status] ?? 0;
    if (!(w >= 0 && w < Infinity)) fail(`statusMix.${status}`, 'a finite weight >= 0', w);
    out[status] = w;
    total += w;
  }
  for (const key of Object.keys(mix)) {
    if (!(SIM_TRADE_STATUSES as readonly string[]).includes(key)) fail(`statusMix.${key}`, `one of ${SIM_TRADE_STATUSES.join(', ')}`, key);
  }
  if (!(total > 0)) fail('statusMix', 'at least one positive weight', total);
  return Object.freeze(out);
}

function isProbability(v: number): boolean {
  return v >= 0 && v < 1;
}

function isVolatility(v: number): boolean {
  return v >= 0 && v <= 0.1;
}

function check(name: string, value: number, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !ok(value)) fail(name, expected, value);
  return value;
}

function fail(name: string, expected: string, got: unknown): never {
  throw new RangeError(`SimulatorOptions.${name}: expected ${expected}, got ${String(got)}`);
}
