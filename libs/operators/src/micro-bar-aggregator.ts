import type { WindowAggregator } from '@tickflow/stream';
import type { MicroBar } from '@tickflow/schemas';
import type { EmitContext } from './emit-context';
import type { ExecutedTrade } from './executed-trade';
import { addOhlcv, createOhlcv, type OhlcvAcc } from './ohlcv-accumulator';

export const MICRO_BAR_MS = 1000;

/** A 1 s bar's accumulator: OHLCV only. */
export type MicroBarAcc = OhlcvAcc;

/** 1 s micro-bars (seed 002): OHLC in event-time order with arrival order breaking ties, V, VWAP, count. */
export class MicroBarAggregator implements WindowAggregator<ExecutedTrade, MicroBarAcc, MicroBar> {
  constructor(private readonly ctx: EmitContext) {}

  create(t: ExecutedTrade): MicroBarAcc {
    return createOhlcv(t);
  }

  add(acc: MicroBarAcc, t: ExecutedTrade): void {
    addOhlcv(acc, t);
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
