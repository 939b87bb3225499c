import type { ExecutedTrade } from './executed-trade';

/**
 * Open/high/low/close, volume and value of a window's trades: the part every windowed trade
 * aggregate shares. Open is the first and close the last trade in event-time order, ties broken by
 * arrival order (a later arrival with the same time becomes the close). Plain data, for snapshots.
 */
export interface OhlcvAcc {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Σ price · quantity (VWAP = value / volume). */
  value: number;
  count: number;
  firstTs: number;
  lastTs: number;
  maxIngestTs: number;
}

export function createOhlcv(t: ExecutedTrade): OhlcvAcc {
  return {
    open: t.price,
    high: t.price,
    low: t.price,
    close: t.price,
    volume: t.quantity,
    value: t.price * t.quantity,
    count: 1,
    firstTs: t.eventTsMs,
    lastTs: t.eventTsMs,
    maxIngestTs: t.ingestTsMs,
  };
}

export function addOhlcv(acc: OhlcvAcc, t: ExecutedTrade): void {
  if (t.price > acc.high) acc.high = t.price;
  if (t.price < acc.low) acc.low = t.price;
  if (t.eventTsMs < acc.firstTs) {
    acc.firstTs = t.eventTsMs;
    acc.open = t.price;
  }
  if (t.eventTsMs >= acc.lastTs) {
    acc.lastTs = t.eventTsMs;
    acc.close = t.price;
  }
  acc.volume += t.quantity;
  acc.value += t.price * t.quantity;
  acc.count++;
  if (t.ingestTsMs > acc.maxIngestTs) acc.maxIngestTs = t.ingestTsMs;
}
