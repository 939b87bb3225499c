import type { AggregateScope, AggregateWindowSize, AlertDirection, AlertSeverity } from '@tickflow/schemas';

/**
 * The rows `HistoryQueries` returns: plain objects, transport-agnostic (REST serialises them as they
 * are, GraphQL can resolve them as they are). Field names follow the stored columns (snake_case,
 * as in the Avro schemas); instants are ISO-8601 UTC strings with milliseconds, numbers are numbers,
 * `null` means "not defined" (an indicator warming up, a missing book side) — never a sentinel.
 */

/** An instant as ISO-8601 UTC with milliseconds, e.g. `2024-08-08T09:30:00.000Z`. */
export type IsoInstant = string;

/** Bar intervals: `1s` from the micro-bars, the others from the symbol-scope trade aggregates. */
export type BarInterval = '1s' | AggregateWindowSize;
export const BAR_INTERVALS: readonly BarInterval[] = ['1s', '1m', '5m', '15m'];
export const AGGREGATE_WINDOWS: readonly AggregateWindowSize[] = ['1m', '5m', '15m'];
export const AGGREGATE_SCOPES: readonly AggregateScope[] = ['symbol', 'sector'];
/** Lowest first: `min_severity` filters by this rank. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['MEDIUM', 'HIGH', 'CRITICAL'];

/** A symbol with history, its reference data (from its latest stored trade) and its 1 s bar span. */
export interface SymbolRow {
  symbol: string;
  /** Reference data as the processor enriched the symbol's latest stored trade; null without trades. */
  company_name: string | null;
  sector: string | null;
  industry: string | null;
  market_cap_tier: string | null;
  listed_exchange: string | null;
  /** Start of the first / last stored 1 s bar; null without bars. */
  first_bar_at: IsoInstant | null;
  last_bar_at: IsoInstant | null;
}

/** An OHLCV bar over `[window_start, window_end)`, final (corrections applied). */
export interface BarRow {
  symbol: string;
  window_start: IsoInstant;
  window_end: IsoInstant;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Σ quantity. */
  volume: number;
  vwap: number;
  trade_count: number;
}

/** A trade aggregate window (seed 000 TradeAggregate); for scope `sector`, `symbol` is the sector. */
export interface AggregateRow {
  symbol: string;
  scope: AggregateScope;
  window_size: AggregateWindowSize;
  window_start: IsoInstant;
  window_end: IsoInstant;
  total_volume: number;
  total_value: number;
  vwap: number;
  trade_count: number;
  buy_count: number;
  sell_count: number;
  /** buy_count / sell_count; null when sell_count is 0. */
  buy_sell_ratio: number | null;
  open_price: number;
  high_price: number;
  low_price: number;
  close_price: number;
  /** (high − low) / low > 2 %. */
  volatility_anomaly: boolean;
  /** Wall clock when the processor emitted this version (processing time). */
  computed_at: IsoInstant;
}

/** Indicators after the final 1 s bar `[window_start, window_end)`; null while warming up. */
export interface SignalRow {
  symbol: string;
  window_start: IsoInstant;
  window_end: IsoInstant;
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

/** Metrics of one order-book snapshot; `seq` orders snapshots sharing a millisecond. */
export interface OrderBookRow {
  symbol: string;
  timestamp: IsoInstant;
  seq: number;
  best_bid: number | null;
  best_ask: number | null;
  mid_price: number | null;
  spread: number | null;
  spread_bps: number | null;
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
  /** The symbol's previous snapshot; null for the first one. The `*_change` fields are vs it. */
  prev_timestamp: IsoInstant | null;
  mid_change: number | null;
  spread_change: number | null;
  imbalance_5_change: number | null;
  imbalance_10_change: number | null;
  imbalance_20_change: number | null;
}

/** A price-movement alert (seed 000 PriceAlert) with its stable id. */
export interface AlertRow {
  alert_id: string;
  alert_type: string;
  symbol: string;
  direction: AlertDirection;
  severity: AlertSeverity;
  trigger: 'TRADE' | 'QUOTE';
  baseline_price: number;
  current_price: number;
  /** Percent: 2.32 means 2.32 %. */
  pct_change: number;
  window_start: IsoInstant;
  detected_at: IsoInstant;
}

/**
 * Where a listing resumes: the sort key of the last row returned. Listings run in ascending key
 * order, so a page is "rows with a key greater than this one".
 */
export type SymbolKey = { symbol: string };
/** Bars, aggregates, signals: the window start, epoch ms. */
export type TimeKey = { timeMs: number };
/** Order-book snapshots: timestamp (epoch ms), then `seq`. */
export type OrderBookKey = { timeMs: number; seq: number };
/** Alerts: detection time (epoch ms), then `alert_id`. */
export type AlertKey = { timeMs: number; alertId: string };

/** One page of a listing; `nextKey` is null on the last page. */
export interface Page<Row, Key> {
  rows: Row[];
  nextKey: Key | null;
}

/** Rows to read and where to resume. */
export interface PageRequest<Key> {
  /** Rows per page, 1–5000. */
  limit: number;
  /** Resume after this key (from the previous page's `nextKey`). @defaultValue start of the listing */
  after?: Key | null;
}

/**
 * A half-open range `[fromMs, toMs)` of epoch ms on the listing's time column (window start,
 * snapshot timestamp, detection time). @defaultValue unbounded on either side
 */
export interface TimeRange {
  fromMs?: number;
  toMs?: number;
}
