import type { WindowAggregator } from '@tickflow/stream';
import type { AggregateScope, AggregateWindowSize, TradeAggregate } from '@tickflow/schemas';
import type { EmitContext } from './emit-context';
import type { ExecutedTrade } from './executed-trade';
import { addOhlcv, createOhlcv, type OhlcvAcc } from './ohlcv-accumulator';

/** Window sizes of the trade aggregates (seed 000 job 2). */
export const AGGREGATE_WINDOWS: ReadonlyArray<{ label: AggregateWindowSize; sizeMs: number }> = [
  { label: '1m', sizeMs: 60_000 },
  { label: '5m', sizeMs: 300_000 },
  { label: '15m', sizeMs: 900_000 },
];

/** High−low swing, relative to the low, above which a window is flagged (seed 004: > 2 %). */
export const VOLATILITY_ANOMALY_SWING = 0.02;

/** Accumulator of one (key, window): plain data so task snapshots can serialise it. */
/** Accumulator of one (key, window): OHLCV plus buy/sell counts; plain data for snapshots. */
export interface TradeAggregateAcc extends OhlcvAcc {
  buys: number;
  sells: number;
}

/**
 * 1m/5m/15m trade aggregates (seed 000 TradeAggregate). Open is the first and close the last trade in
 * event-time order, ties broken by arrival order (data README). Exact values: no rounding (the seed
 * rounded VWAP to 4 places; consumers can round, they cannot un-round).
 */
export class TradeAggregateAggregator implements WindowAggregator<ExecutedTrade, TradeAggregateAcc, TradeAggregate> {
  constructor(
    private readonly windowSize: AggregateWindowSize,
    private readonly scope: AggregateScope,
    private readonly ctx: EmitContext,
  ) {}

  create(t: ExecutedTrade): TradeAggregateAcc {
    const acc = createOhlcv(t) as TradeAggregateAcc;
    acc.buys = t.isBuy ? 1 : 0;
    acc.sells = t.isBuy ? 0 : 1;
    return acc;
  }

  add(acc: TradeAggregateAcc, t: ExecutedTrade): void {
    addOhlcv(acc, t);
    if (t.isBuy) acc.buys++;
    else acc.sells++;
  }

  result(key: string, windowStartMs: number, windowEndMs: number, acc: TradeAggregateAcc, version: number): TradeAggregate {
    return {
      event_ts: windowEndMs,
      ingest_ts: acc.maxIngestTs,
      seq: this.ctx.seq,
      source: 'processor',
      correlation_id: `${this.scope}:${key}:${this.windowSize}:${windowStartMs}`,
      version,
      symbol: key,
      scope: this.scope,
      window_start: windowStartMs,
      window_end: windowEndMs,
      window_size: this.windowSize,
      total_volume: acc.volume,
      total_value: acc.value,
      vwap: acc.value / acc.volume,
      trade_count: acc.count,
      buy_count: acc.buys,
      sell_count: acc.sells,
      buy_sell_ratio: acc.sells > 0 ? acc.buys / acc.sells : null,
      high_price: acc.high,
      low_price: acc.low,
      open_price: acc.open,
      close_price: acc.close,
      volatility_anomaly: (acc.high - acc.low) / acc.low > VOLATILITY_ANOMALY_SWING,
      computed_at: this.ctx.nowMs(),
    };
  }
}
