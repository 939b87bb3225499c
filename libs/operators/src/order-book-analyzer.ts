import { SweptTtlMap, type SweptTtlMapState } from '@tickflow/stream';
import type { BookLevel, BookSnapshot, OrderBookMetrics } from '@tickflow/schemas';

export const BOOK_DEPTH_LEVELS = [5, 10, 20] as const;

export interface OrderBookAnalyzerOptions {
  /** The previous snapshot of a symbol is forgotten after this much event time. @defaultValue 300_000 (seed 000 §4.1) */
  stateTtlMs: number;
  /** Bound on symbols tracked. @defaultValue 1_000_000 */
  maxSymbols: number;
}

interface PreviousBook {
  timestampMs: number;
  mid: number | null;
  spread: number | null;
  imbalance5: number | null;
  imbalance10: number | null;
  imbalance20: number | null;
}

/**
 * Order-book metrics per snapshot (seed 000 job 4): best bid/ask, mid, spread (absolute and in basis
 * points of the mid), depth and imbalance at 5/10/20 levels, and the change of mid, spread and
 * imbalances against the symbol's previous snapshot. Values are unrounded. A missing side gives null
 * prices (not the seed's 0.0, which reads as a real price); a crossed book is flagged, not rejected.
 */
export class OrderBookAnalyzer {
  private readonly previous: SweptTtlMap<PreviousBook>;

  constructor(opts: OrderBookAnalyzerOptions = { stateTtlMs: 300_000, maxSymbols: 1_000_000 }) {
    this.previous = new SweptTtlMap<PreviousBook>({ ttlMs: opts.stateTtlMs, maxEntries: opts.maxSymbols });
  }

  analyze(book: BookSnapshot, seq: number): OrderBookMetrics {
    const bestBid = book.bids.length > 0 ? book.bids[0]!.price : null;
    const bestAsk = book.asks.length > 0 ? book.asks[0]!.price : null;
    const bothSides = bestBid !== null && bestAsk !== null;
    const mid = bothSides ? (bestBid + bestAsk) / 2 : null;
    const spread = bothSides ? bestAsk - bestBid : null;
    const spreadBps = spread !== null && mid !== null && mid > 0 ? (spread / mid) * 10_000 : null;

    const bid5 = depth(book.bids, 5);
    const ask5 = depth(book.asks, 5);
    const bid10 = depth(book.bids, 10);
    const ask10 = depth(book.asks, 10);
    const bid20 = depth(book.bids, 20);
    const ask20 = depth(book.asks, 20);
    const imb5 = imbalanceOf(bid5, ask5);
    const imb10 = imbalanceOf(bid10, ask10);
    const imb20 = imbalanceOf(bid20, ask20);

    const prev = this.previous.get(book.symbol, book.timestamp_ms);
    this.previous.set(
      book.symbol,
      { timestampMs: book.timestamp_ms, mid, spread, imbalance5: imb5, imbalance10: imb10, imbalance20: imb20 },
      book.timestamp_ms,
    );
    return {
      event_ts: book.timestamp_ms,
      ingest_ts: book.ingest_ts,
      seq,
      source: 'processor',
      correlation_id: book.correlation_id,
      version: 1,
      symbol: book.symbol,
      timestamp_ms: book.timestamp_ms,
      best_bid: bestBid,
      best_ask: bestAsk,
      mid_price: mid,
      spread,
      spread_bps: spreadBps,
      crossed: bothSides && bestBid >= bestAsk,
      bid_depth_5: bid5,
      ask_depth_5: ask5,
      imbalance_5: imb5,
      bid_depth_10: bid10,
      ask_depth_10: ask10,
      imbalance_10: imb10,
      bid_depth_20: bid20,
      ask_depth_20: ask20,
      imbalance_20: imb20,
      prev_timestamp_ms: prev ? prev.timestampMs : null,
      mid_change: delta(mid, prev?.mid),
      spread_change: delta(spread, prev?.spread),
      imbalance_5_change: delta(imb5, prev?.imbalance5),
      imbalance_10_change: delta(imb10, prev?.imbalance10),
      imbalance_20_change: delta(imb20, prev?.imbalance20),
    };
  }

  expire(eventTsMs: number): void {
    this.previous.sweep(eventTsMs);
  }

  get symbolCount(): number {
    return this.previous.size;
  }

  snapshot(): SweptTtlMapState<PreviousBook> {
    return this.previous.snapshot();
  }

  restore(state: SweptTtlMapState<PreviousBook>): void {
    this.previous.restore(state);
  }
}

function depth(levels: BookLevel[], n: number): number {
  let sum = 0;
  const end = Math.min(n, levels.length);
  for (let i = 0; i < end; i++) sum += levels[i]!.quantity;
  return sum;
}

function imbalanceOf(bid: number, ask: number): number | null {
  const total = bid + ask;
  return total > 0 ? (bid - ask) / total : null;
}

function delta(current: number | null, previous: number | null | undefined): number | null {
  return current === null || previous === null || previous === undefined ? null : current - previous;
}
