import type { WindowAggregator } from '@tickflow/stream';
import type { MicroBar } from '@tickflow/schemas';
import type { EmitContext } from './emit-context';
import type { ExecutedTrade } from './executed-trade';

export const MICRO_BAR_MS = 1000;

export interface MicroBarAcc {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  value: number;
  count: number;
  firstTs: number;
  lastTs: number;
  maxIngestTs: number;
}

/** 1 s micro-bars (seed 002): OHLC in event-time order with arrival order breaking ties, V, VWAP, count. */
export class MicroBarAggregator implements WindowAggregator<ExecutedTrade, MicroBarAcc, MicroBar> {
  constructor(private readonly ctx: EmitContext) {}

  create(t: ExecutedTrade): MicroBarAcc {
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

  add(acc: MicroBarAcc, t: ExecutedTrade): void {
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

  result(symbol: string, windowStartMs: number, windowEndMs: number, acc: MicroBarAcc, version: number): MicroBar {
    return toMicroBar(symbol, windowStartMs, windowEndMs, acc, version, true, this.ctx.seq);
  }
}

/** A bar record from an accumulator; provisional bars (`isFinal = false`) use the same shape. */
export function toMicroBar(symbol: string, windowStartMs: number, windowEndMs: number, acc: MicroBarAcc, version: number, isFinal: boolean, seq: number): MicroBar {
  return {
    event_ts: windowEndMs,
    ingest_ts: acc.maxIngestTs,
    seq,
    source: 'processor',
    correlation_id: `bar:${symbol}:${windowStartMs}`,
    version,
    symbol,
    window_start: windowStartMs,
    window_end: windowEndMs,
    open: acc.open,
    high: acc.high,
    low: acc.low,
    close: acc.close,
    volume: acc.volume,
    vwap: acc.value / acc.volume,
    count: acc.count,
    is_final: isFinal,
  };
}
