/**
 * Event types of tickflow's topics (design §2). The `.avsc` files in `../avro/` are the source of
 * truth; these types mirror them field for field. Times are UTC epoch milliseconds (event time
 * unless the name says otherwise). Nullable fields are `null` when a value is not (yet) defined —
 * e.g. an indicator still warming up — never a sentinel number.
 */

/** Fields every event carries (seed 002 envelope). */
export interface Envelope {
  /** Event time, ms. For windowed outputs: the window end. */
  event_ts: number;
  /** When tickflow first saw the source event (processing time, ms); 0 if unknown. */
  ingest_ts: number;
  /** Position of the event in its source stream (monotonic per producer / partition). */
  seq: number;
  /** Producer of the event (`simulator`, `replay:<file>`, `processor`, an exchange feed, …). */
  source: string;
  /** Id that follows an event through every stage (seed 001); derived from the source event. */
  correlation_id: string;
  /** Revision of this record: 1 on first emission, higher for a corrected re-emission. */
  version: number;
}

export type Side = 'BUY' | 'SELL';
export const TRADE_STATUSES = ['NEW', 'FILLED', 'PARTIALLY_FILLED', 'CANCELLED', 'REJECTED'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];

/** raw.trades and processed.trades.* — seed 000 RawTradeEvent plus the envelope. */
export interface RawTrade extends Envelope {
  trade_id: string;
  order_id: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /** Kept as a string on the wire: unknown statuses must reach the router (→ dlq.trades.unroutable). */
  status: string;
  exchange: string;
  trader_id: string;
  account_id: string;
  timestamp_ms: number;
  event_type: string;
}

/** raw.marketdata — best bid/ask (and optionally last price). */
export interface Quote extends Envelope {
  symbol: string;
  timestamp_ms: number;
  bid: number;
  bid_size: number;
  ask: number;
  ask_size: number;
  last: number | null;
  exchange: string;
}

export interface BookLevel {
  price: number;
  quantity: number;
}

/** raw.orderbook — a full snapshot, bids best (highest) first, asks best (lowest) first. */
export interface BookSnapshot extends Envelope {
  symbol: string;
  timestamp_ms: number;
  bids: BookLevel[];
  asks: BookLevel[];
  exchange: string;
}

/** reference.symbols (compacted) and data/reference/symbols.csv. */
export interface ReferenceSymbol {
  symbol: string;
  company_name: string;
  sector: string;
  industry: string;
  market_cap_tier: string;
  exchange: string;
  updated_at: number;
}

/** enriched.trades — a filled trade joined with reference data (UNKNOWN when the symbol is not known). */
export interface EnrichedTrade extends RawTrade {
  company_name: string;
  sector: string;
  industry: string;
  market_cap_tier: string;
  listed_exchange: string;
}

/** ta.bars.1s.v1 — a 1 s micro-bar over `[window_start, window_end)`. */
export interface MicroBar extends Envelope {
  symbol: string;
  window_start: number;
  window_end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number;
  count: number;
  /** false for provisional (live-only) updates before the window closes. */
  is_final: boolean;
}

/** ta.signals.v1 — indicators after the final bar `[window_start, window_end)`; null while warming up. */
export interface Signal extends Envelope {
  symbol: string;
  window_start: number;
  window_end: number;
  is_final: boolean;
  ema12: number | null;
  ema26: number | null;
  macd: number | null;
  macd_signal: number | null;
  macd_hist: number | null;
  rsi14: number | null;
  bb_upper: number | null;
  bb_middle: number | null;
  bb_lower: number | null;
  vwap_session: number | null;
  vwap_rolling: number | null;
  realized_vol: number | null;
  spread: number | null;
  imbalance: number | null;
}

export type AggregateWindowSize = '1m' | '5m' | '15m';
export type AggregateScope = 'symbol' | 'sector';

/**
 * analytics.trade-aggregates — seed 000 TradeAggregate. For `scope = 'sector'` rows, `symbol`
 * holds the sector name.
 */
export interface TradeAggregate extends Envelope {
  symbol: string;
  scope: AggregateScope;
  window_start: number;
  window_end: number;
  window_size: AggregateWindowSize;
  total_volume: number;
  total_value: number;
  vwap: number;
  trade_count: number;
  buy_count: number;
  sell_count: number;
  /** buy_count / sell_count; null when sell_count is 0 (the seed's +∞ has no JSON form). */
  buy_sell_ratio: number | null;
  high_price: number;
  low_price: number;
  open_price: number;
  close_price: number;
  /** (high − low) / low > 2 % (seed 004's volatility anomaly). */
  volatility_anomaly: boolean;
  /** Wall clock at emission, ms — excluded from determinism checks. */
  computed_at: number;
}

/** analytics.orderbook — seed 000 job 4 per snapshot, plus change vs the previous snapshot. */
export interface OrderBookMetrics extends Envelope {
  symbol: string;
  timestamp_ms: number;
  best_bid: number | null;
  best_ask: number | null;
  mid_price: number | null;
  spread: number | null;
  spread_bps: number | null;
  /** best_bid >= best_ask. */
  crossed: boolean;
  bid_depth_5: number;
  ask_depth_5: number;
  imbalance_5: number | null;
  bid_depth_10: number;
  ask_depth_10: number;
  imbalance_10: number | null;
  bid_depth_20: number;
  ask_depth_20: number;
  imbalance_20: number | null;
  /** Deltas vs the symbol's previous snapshot; null for the first one (or a missing side). */
  prev_timestamp_ms: number | null;
  mid_change: number | null;
  spread_change: number | null;
  imbalance_5_change: number | null;
  imbalance_10_change: number | null;
  imbalance_20_change: number | null;
}

export type AlertSeverity = 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type AlertDirection = 'UP' | 'DOWN';

/** alerts.price-movement — seed 000 PriceAlert plus a stable `alert_id`. */
export interface PriceAlert extends Envelope {
  alert_id: string;
  alert_type: 'PRICE_MOVEMENT';
  symbol: string;
  direction: AlertDirection;
  baseline_price: number;
  current_price: number;
  /** Percent, e.g. 2.32 for 2.32 %. */
  pct_change: number;
  window_start_ms: number;
  detected_at_ms: number;
  severity: AlertSeverity;
  /** Which stream moved the price. */
  trigger: 'TRADE' | 'QUOTE';
}

/** ta.status.v1 — a heartbeat per task (seed 002). */
export interface StatusHeartbeat extends Envelope {
  task_id: string;
  watermark_ms: number;
  /** Processing time minus watermark, ms. */
  watermark_lag_ms: number;
  last_event_ts: number;
  state_bytes: number;
  keys: number;
  status: string;
  heartbeat: boolean;
}

export const DLQ_ERROR_TYPES = [
  'DESERIALIZATION_ERROR',
  'SCHEMA_VIOLATION',
  'BUSINESS_RULE_VIOLATION',
  'UNROUTABLE',
  'DUPLICATE',
  'LATE_EVENT',
  'PROCESSING_ERROR',
] as const;
export type DlqErrorType = (typeof DLQ_ERROR_TYPES)[number];

/** dlq.* — a rejected record with the original bytes and where it came from. */
export interface DlqRecord {
  error_type: DlqErrorType;
  /** Stable machine code, e.g. `PRICE_NOT_POSITIVE`. */
  error_code: string;
  error_message: string;
  original: Uint8Array;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  /** trade_id / symbol when it could be read, else null. */
  attempted_id: string | null;
  /** Event time of the record that caused the rejection if known, else processing time, ms. */
  failed_at: number;
}
