import type { BookLevel, BookSnapshot, Quote, RawTrade, Side, TradeStatus } from '@tickflow/schemas';
import { malformedEvent } from './malformed-event';
import { SeededRandom } from './seeded-random';
import type { SimEvent } from './sim-event';
import { SIM_TRADE_STATUSES, resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimSymbol, type SimulatorOptions } from './simulator-options';

type ValidEvent = Exclude<SimEvent, { kind: 'raw' }>;

/** Mutable per-symbol state. Prices in the quote are integer ticks: price = ticks / scale. */
interface SymbolState {
  readonly spec: SimSymbol;
  readonly anchorLogPrice: number;
  readonly listedExchange: string;
  /** Quantities are fractional (4 decimals, crypto-like) for instruments priced >= 1000. */
  readonly fractional: boolean;
  logPrice: number;
  volatile: boolean;
  /** Simulated time the price was last evolved to, ms (fractional). */
  evolvedToMs: number;
  /** Ticks per unit of price (a power of 10 >= 100); grows if the price falls, so books stay positive. */
  scale: number;
  bidTicks: number;
  askTicks: number;
  bidSize: number;
  askSize: number;
  /** The last quote handed out, in ticks at `quotedScale`; books start from it so the two agree. */
  quotedBidTicks: number;
  quotedAskTicks: number;
  quotedScale: number;
  quotedBidSize: number;
  quotedAskSize: number;
  lastTradePrice: number | null;
}

const SOURCE = 'simulator';
const EXCHANGES = ['NASDAQ', 'NYSE', 'ARCA', 'BATS', 'IEX'] as const;
const TRADER_POOL = 20;
const ACCOUNT_POOL = 10;
const TRADERS = Array.from({ length: TRADER_POOL }, (_, i) => `TR-${String(i + 1).padStart(3, '0')}`);
/** Each trader trades for one fixed account, so positions per account are coherent. */
const ACCOUNTS = Array.from({ length: TRADER_POOL }, (_, i) => `ACC-${String((i % ACCOUNT_POOL) + 1).padStart(3, '0')}`);
/** Largest gap between adjacent book levels, in ticks. */
const MAX_LEVEL_GAP_TICKS = 3;
/** Trades remembered as candidates for duplicates. */
const RECENT_TRADES = 1024;
const LATE_MIN_MS = 1000;
const LATE_MAX_MS = 60_000;

// Independent PRNG streams: the market path never depends on the fault settings.
const MARKET_STREAM = 0;
const FAULT_STREAM = 1;
const LATE_STREAM = 2;

/**
 * A deterministic market: trades, quotes and order-book snapshots for a set of symbols, with
 * optional malformed, late and duplicate events. Pure — no I/O, no wall clock, no global state: the
 * same options give the same sequence of events, event for event and byte for byte.
 *
 * Prices follow a per-symbol random walk in log-price (mean-reverting towards the start price),
 * switching between a calm and a volatile regime, with occasional jumps. Event time advances by
 * exponential inter-arrival times between trades; valid, non-late events come out in
 * non-decreasing event time, and valid events carry strictly increasing `seq` (duplicates repeat an
 * old one verbatim).
 *
 * Invariants of every emitted quote and book: 0 < bid < ask; bids strictly decreasing and asks
 * strictly increasing; a book's best levels equal the latest quote emitted for its symbol.
 */
export class MarketSimulator {
  readonly options: ResolvedSimulatorOptions;
  readonly symbols: readonly SimSymbol[];

  private readonly market: SeededRandom;
  private readonly faults: SeededRandom;
  private readonly late: SeededRandom;
  private readonly states: SymbolState[];
  /** Cumulative trade-activity weights of the symbols, last = 1. */
  private readonly activity: Float64Array;
  /** Cumulative status weights in SIM_TRADE_STATUSES order, last = 1. */
  private readonly statusCdf: Float64Array;
  private readonly meanInterArrivalMs: number;
  private readonly bookIntervalMs: number;
  private readonly minMidTicks: number;
  private readonly meanReversionPerSec: number;
  private readonly volatileLogStay: number;
  private readonly calmLogStay: number;
  private readonly jumpLogNonePerSec: number;

  private nowMs: number;
  private nextBookMs: number;
  private bookCursor = 0;
  private seq = 0;
  private tradeCount = 0;
  private badCount = 0;
  private readonly queue: ValidEvent[] = [];
  private queueHead = 0;
  private readonly recentTrades: RawTrade[] = [];
  private recentNext = 0;

  constructor(options: SimulatorOptions = {}) {
    const o = resolveSimulatorOptions(options);
    this.options = o;
    this.symbols = o.symbols;
    this.market = new SeededRandom(o.seed, MARKET_STREAM);
    this.faults = new SeededRandom(o.seed, FAULT_STREAM);
    this.late = new SeededRandom(o.seed, LATE_STREAM);
    this.nowMs = o.startTimeMs;
    this.nextBookMs = o.startTimeMs;
    this.meanInterArrivalMs = 1000 / o.tradesPerSecond;
    this.bookIntervalMs = o.bookEveryMs / o.symbols.length;
    this.minMidTicks = 10 * o.bookLevels * MAX_LEVEL_GAP_TICKS;
    this.meanReversionPerSec = Number.isFinite(o.meanReversionHalfLifeSec) ? Math.LN2 / o.meanReversionHalfLifeSec : 0;
    this.calmLogStay = Math.log1p(-o.calmToVolatilePerSec);
    this.volatileLogStay = Math.log1p(-o.volatileToCalmPerSec);
    this.jumpLogNonePerSec = Math.log1p(-o.jumpsPerMinute) / 60;

    this.statusCdf = cumulative(SIM_TRADE_STATUSES.map((s) => o.statusMix[s]));
    // Lognormal activity weights: some symbols trade several times more than others.
    this.activity = cumulative(o.symbols.map(() => Math.exp(0.5 * this.market.gaussian())));
    this.states = o.symbols.map((spec) => {
      const s: SymbolState = {
        spec,
        anchorLogPrice: Math.log(spec.startPrice),
        listedExchange: this.market.next() < 0.6 ? 'NASDAQ' : 'NYSE',
        fractional: spec.startPrice >= 1000,
        logPrice: Math.log(spec.startPrice),
        volatile: false,
        evolvedToMs: o.startTimeMs,
        scale: 100,
        bidTicks: 0,
        askTicks: 0,
        bidSize: 0,
        askSize: 0,
        quotedBidTicks: 0,
        quotedAskTicks: 0,
        quotedScale: 100,
        quotedBidSize: 0,
        quotedAskSize: 0,
        lastTradePrice: null,
      };
      this.requote(s);
      return s;
    });
    // Every symbol starts with a quote, so consumers (and books) have a spread from the start.
    for (const s of this.states) this.pushQuote(s, o.startTimeMs);
  }

  /** Current simulated time, UTC epoch ms (event time of the latest generated step). */
  get timeMs(): number {
    return Math.floor(this.nowMs);
  }

  /** The next event of the feed. Never ends. */
  next(): SimEvent {
    if (this.queueHead >= this.queue.length) this.step();
    const head = this.queue[this.queueHead] as ValidEvent;
    const o = this.options;
    if (o.badShare > 0 && this.faults.next() < o.badShare) {
      const bad = malformedEvent(this.faults, head, `T${o.seed}-B${++this.badCount}`);
      return { kind: 'raw', topic: bad.topic, bytes: bad.bytes };
    }
    if (head.kind === 'trade' && o.duplicateShare > 0) {
      const remembered = this.recentTrades.length;
      if (remembered > 0 && this.faults.next() < o.duplicateShare) {
        const original = this.recentTrades[this.faults.int(remembered)] as RawTrade;
        return { kind: 'trade', value: { ...original } };
      }
    }
    this.queueHead++;
    if (head.kind === 'trade' && o.duplicateShare > 0) this.remember(head.value);
    return head;
  }

  /** The next `n` events. */
  *take(n: number): Generator<SimEvent, void, undefined> {
    for (let i = 0; i < n; i++) yield this.next();
  }

  /** Generates one trade step (books due first, then the trade, then its quotes) into the queue. */
  private step(): void {
    this.queue.length = 0;
    this.queueHead = 0;
    const m = this.market;
    this.nowMs += m.exponential(this.meanInterArrivalMs);
    if (this.bookIntervalMs > 0) {
      while (this.nextBookMs <= this.nowMs) {
        const s = this.states[this.bookCursor] as SymbolState;
        this.pushBook(s, Math.floor(this.nextBookMs));
        this.bookCursor = (this.bookCursor + 1) % this.states.length;
        this.nextBookMs += this.bookIntervalMs;
      }
    }
    const s = this.states[pickIndex(this.activity, m.next())] as SymbolState;
    this.evolve(s, this.nowMs);
    this.requote(s);
    const ts = Math.floor(this.nowMs);
    this.pushTrade(s, ts);

    const q = this.options.quotesPerTrade;
    const quotes = Math.floor(q) + (m.next() < q - Math.floor(q) ? 1 : 0);
    for (let i = 0; i < quotes; i++) {
      if (i > 0) this.flicker(s);
      this.pushQuote(s, ts);
    }
  }

  /** Advances a symbol's log-price to `toMs`: regime switch, diffusion, mean reversion, jump. */
  private evolve(s: SymbolState, toMs: number): void {
    const dtSec = (toMs - s.evolvedToMs) / 1000;
    if (dtSec <= 0) return;
    s.evolvedToMs = toMs;
    const m = this.market;
    const o = this.options;
    // P(switch within dt) = 1 - (1 - pPerSec)^dt
    if (m.next() < -Math.expm1(dtSec * (s.volatile ? this.volatileLogStay : this.calmLogStay))) s.volatile = !s.volatile;
    const sigma = s.volatile ? o.volatileVolatility : o.calmVolatility;
    const decay = Math.exp(-this.meanReversionPerSec * dtSec);
    s.logPrice = s.anchorLogPrice + (s.logPrice - s.anchorLogPrice) * decay + sigma * Math.sqrt(dtSec) * m.gaussian();
    if (m.next() < -Math.expm1(dtSec * this.jumpLogNonePerSec)) {
      const size = m.uniform(o.jumpMin, o.jumpMax);
      s.logPrice += Math.log(m.next() < 0.5 ? 1 + size : 1 - size);
    }
  }

  /** Sets a fresh bid/ask around the current price (not emitted yet). */
  private requote(s: SymbolState): void {
    const m = this.market;
    const price = Math.exp(s.logPrice);
    while (price * s.scale < this.minMidTicks) s.scale *= 10;
    const mid = Math.round(price * s.scale);
    const typical = (mid * this.options.spreadBps) / 10_000 * (s.volatile ? 3 : 1);
    const spread = Math.max(1, Math.round(typical * Math.exp(0.3 * m.gaussian())));
    s.bidTicks = mid - Math.floor(spread / 2);
    s.askTicks = s.bidTicks + spread;
    s.bidSize = this.size(s, 300);
    s.askSize = this.size(s, 300);
  }

  /** Small change between consecutive quotes: new sizes, sometimes one side moves by a tick. */
  private flicker(s: SymbolState): void {
    const m = this.market;
    const u = m.next();
    if (u < 0.1) s.bidTicks += 1;
    else if (u < 0.2) s.bidTicks -= 1;
    else if (u < 0.3) s.askTicks += 1;
    else if (u < 0.4) s.askTicks -= 1;
    if (s.bidTicks >= s.askTicks) s.bidTicks = s.askTicks - 1;
    s.bidSize = this.size(s, 300);
    s.askSize = this.size(s, 300);
  }

  /** A lognormal size around `median` (shares, or `median / 1000` units for fractional instruments). */
  private size(s: SymbolState, median: number): number {
    const x = median * Math.exp(0.8 * this.market.gaussian());
    return s.fractional ? Math.max(1, Math.round(x * 10)) / 10_000 : Math.max(1, Math.round(x));
  }

  private pushTrade(s: SymbolState, nowMs: number): void {
    const m = this.market;
    const o = this.options;
    const n = ++this.tradeCount;
    const id = `T${o.seed}-${n}`;
    const side: Side = m.next() < 0.5 ? 'BUY' : 'SELL';
    // The aggressor pays the far side of the quote.
    const price = (side === 'BUY' ? s.askTicks : s.bidTicks) / s.scale;
    const quantity = this.size(s, 100);
    const status = SIM_TRADE_STATUSES[pickIndex(this.statusCdf, m.next())] as TradeStatus;
    const exchange = m.next() < 0.6 ? s.listedExchange : (EXCHANGES[m.int(EXCHANGES.length)] as string);
    const trader = m.int(TRADER_POOL);
    let eventTs = nowMs;
    if (o.lateShare > 0 && this.late.next() < o.lateShare) {
      eventTs = Math.max(0, nowMs - LATE_MIN_MS - this.late.int(LATE_MAX_MS - LATE_MIN_MS + 1));
    }
    s.lastTradePrice = price;
    const trade: RawTrade = {
      trade_id: id,
      order_id: `O${o.seed}-${n}`,
      symbol: s.spec.symbol,
      side,
      quantity,
      price,
      status,
      exchange,
      trader_id: TRADERS[trader] as string,
      account_id: ACCOUNTS[trader] as string,
      timestamp_ms: eventTs,
      event_type: 'TRADE',
      event_ts: eventTs,
      ingest_ts: nowMs,
      seq: ++this.seq,
      source: SOURCE,
      correlation_id: id,
      version: 1,
    };
    this.queue.push({ kind: 'trade', value: trade });
  }

  private pushQuote(s: SymbolState, nowMs: number): void {
    const seq = ++this.seq;
    const quote: Quote = {
      symbol: s.spec.symbol,
      timestamp_ms: nowMs,
      bid: s.bidTicks / s.scale,
      bid_size: s.bidSize,
      ask: s.askTicks / s.scale,
      ask_size: s.askSize,
      last: s.lastTradePrice,
      exchange: s.listedExchange,
      event_ts: nowMs,
      ingest_ts: nowMs,
      seq,
      source: SOURCE,
      correlation_id: `Q${this.options.seed}-${seq}`,
      version: 1,
    };
    s.quotedBidTicks = s.bidTicks;
    s.quotedAskTicks = s.askTicks;
    s.quotedScale = s.scale;
    s.quotedBidSize = s.bidSize;
    s.quotedAskSize = s.askSize;
    this.queue.push({ kind: 'quote', value: quote });
  }

  /** A snapshot whose best levels are the symbol's last emitted quote; deeper levels 1–3 ticks apart. */
  private pushBook(s: SymbolState, atMs: number): void {
    const m = this.market;
    const levels = this.options.bookLevels;
    const scale = s.quotedScale;
    let bidTicks = s.quotedBidTicks;
    let askTicks = s.quotedAskTicks;
    const bids: BookLevel[] = [{ price: bidTicks / scale, quantity: s.quotedBidSize }];
    const asks: BookLevel[] = [{ price: askTicks / scale, quantity: s.quotedAskSize }];
    for (let i = 1; i < levels; i++) {
      bidTicks -= 1 + m.int(MAX_LEVEL_GAP_TICKS);
      askTicks += 1 + m.int(MAX_LEVEL_GAP_TICKS);
      const depth = 1 + 0.25 * i;
      bids.push({ price: bidTicks / scale, quantity: this.size(s, 300 * depth) });
      asks.push({ price: askTicks / scale, quantity: this.size(s, 300 * depth) });
    }
    const seq = ++this.seq;
    const book: BookSnapshot = {
      symbol: s.spec.symbol,
      timestamp_ms: atMs,
      bids,
      asks,
      exchange: s.listedExchange,
      event_ts: atMs,
      ingest_ts: atMs,
      seq,
      source: SOURCE,
      correlation_id: `B${this.options.seed}-${seq}`,
      version: 1,
    };
    this.queue.push({ kind: 'book', value: book });
  }

  private remember(trade: RawTrade): void {
    const copy = { ...trade };
    if (this.recentTrades.length < RECENT_TRADES) this.recentTrades.push(copy);
    else this.recentTrades[this.recentNext] = copy;
    this.recentNext = (this.recentNext + 1) % RECENT_TRADES;
  }
}

/** Normalised cumulative sums; exactly 1 from the last positive weight on, so rounding never picks a zero weight. */
function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  let lastPositive = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    total += w;
    if (w > 0) lastPositive = i;
  }
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i] as number;
    out[i] = i >= lastPositive ? 1 : acc / total;
  }
  return out;
}

/** Index of the first cumulative weight above `u` (binary search), for u in [0, 1). */
function pickIndex(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
