import type { EnrichedTrade, Envelope, MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import { ClickHouseError } from './errors';
import { formatDateTime64 } from './query-params';

/**
 * Pure functions from decoded events (`@tickflow/schemas`, epoch-ms numbers) to insert rows of the
 * tables in `clickhouse/0001_event_tables.sql` (JSONEachRow: keys are column names).
 *
 * Every timestamp becomes a `'YYYY-MM-DD hh:mm:ss.sss'` UTC string for a `DateTime64(3, 'UTC')`
 * column, and the Avro `_ms` suffix is dropped from its name (`timestamp_ms` → `timestamp`): the
 * column is a point in time, not a number of milliseconds. `inserted_at` is left to its DEFAULT.
 * A timestamp that is not an integer within 1900–2299 throws `CH_ROW_INVALID` (DateTime64 would
 * silently clamp it).
 */

/** A `DateTime64(3, 'UTC')` value in the text form ClickHouse parses exactly. */
export type DateTime64Text = string;

export interface EnvelopeRow {
  event_ts: DateTime64Text;
  ingest_ts: DateTime64Text;
  seq: number;
  source: string;
  correlation_id: string;
  version: number;
}

export interface MicroBarRow extends EnvelopeRow {
  symbol: string;
  window_start: DateTime64Text;
  window_end: DateTime64Text;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number;
  count: number;
  is_final: boolean;
}

export interface SignalRow extends EnvelopeRow {
  symbol: string;
  window_start: DateTime64Text;
  window_end: DateTime64Text;
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

export interface TradeAggregateRow extends EnvelopeRow {
  symbol: string;
  scope: TradeAggregate['scope'];
  window_start: DateTime64Text;
  window_end: DateTime64Text;
  window_size: string;
  total_volume: number;
  total_value: number;
  vwap: number;
  trade_count: number;
  buy_count: number;
  sell_count: number;
  buy_sell_ratio: number | null;
  high_price: number;
  low_price: number;
  open_price: number;
  close_price: number;
  volatility_anomaly: boolean;
  computed_at: DateTime64Text;
}

export interface OrderBookMetricsRow extends EnvelopeRow {
  symbol: string;
  timestamp: DateTime64Text;
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
  prev_timestamp: DateTime64Text | null;
  mid_change: number | null;
  spread_change: number | null;
  imbalance_5_change: number | null;
  imbalance_10_change: number | null;
  imbalance_20_change: number | null;
}

export interface PriceAlertRow extends EnvelopeRow {
  alert_id: string;
  alert_type: PriceAlert['alert_type'];
  symbol: string;
  direction: PriceAlert['direction'];
  baseline_price: number;
  current_price: number;
  pct_change: number;
  window_start: DateTime64Text;
  detected_at: DateTime64Text;
  severity: PriceAlert['severity'];
  trigger: PriceAlert['trigger'];
}

export interface EnrichedTradeRow extends EnvelopeRow {
  trade_id: string;
  order_id: string;
  symbol: string;
  side: EnrichedTrade['side'];
  quantity: number;
  price: number;
  status: string;
  exchange: string;
  trader_id: string;
  account_id: string;
  timestamp: DateTime64Text;
  event_type: string;
  company_name: string;
  sector: string;
  industry: string;
  market_cap_tier: string;
  listed_exchange: string;
}

function dt(ms: number, table: string, field: string): DateTime64Text {
  const text = formatDateTime64(ms);
  if (text === null) {
    throw new ClickHouseError('CH_ROW_INVALID', `${table}.${field}: expected integer epoch ms within 1900–2299 (DateTime64(3, 'UTC')), got ${ms}`);
  }
  return text;
}

function envelope(e: Envelope, table: string): EnvelopeRow {
  return {
    event_ts: dt(e.event_ts, table, 'event_ts'),
    ingest_ts: dt(e.ingest_ts, table, 'ingest_ts'),
    seq: e.seq,
    source: e.source,
    correlation_id: e.correlation_id,
    version: e.version,
  };
}

export function microBarRow(e: MicroBar): MicroBarRow {
  const t = 'micro_bars';
  return {
    symbol: e.symbol,
    window_start: dt(e.window_start, t, 'window_start'),
    window_end: dt(e.window_end, t, 'window_end'),
    open: e.open,
    high: e.high,
    low: e.low,
    close: e.close,
    volume: e.volume,
    vwap: e.vwap,
    count: e.count,
    is_final: e.is_final,
    ...envelope(e, t),
  };
}

export function signalRow(e: Signal): SignalRow {
  const t = 'signals';
  return {
    symbol: e.symbol,
    window_start: dt(e.window_start, t, 'window_start'),
    window_end: dt(e.window_end, t, 'window_end'),
    is_final: e.is_final,
    ema12: e.ema12,
    ema26: e.ema26,
    macd: e.macd,
    macd_signal: e.macd_signal,
    macd_hist: e.macd_hist,
    rsi14: e.rsi14,
    bb_upper: e.bb_upper,
    bb_middle: e.bb_middle,
    bb_lower: e.bb_lower,
    vwap_session: e.vwap_session,
    vwap_rolling: e.vwap_rolling,
    realized_vol: e.realized_vol,
    spread: e.spread,
    imbalance: e.imbalance,
    ...envelope(e, t),
  };
}

export function tradeAggregateRow(e: TradeAggregate): TradeAggregateRow {
  const t = 'trade_aggregates';
  return {
    symbol: e.symbol,
    scope: e.scope,
    window_start: dt(e.window_start, t, 'window_start'),
    window_end: dt(e.window_end, t, 'window_end'),
    window_size: e.window_size,
    total_volume: e.total_volume,
    total_value: e.total_value,
    vwap: e.vwap,
    trade_count: e.trade_count,
    buy_count: e.buy_count,
    sell_count: e.sell_count,
    buy_sell_ratio: e.buy_sell_ratio,
    high_price: e.high_price,
    low_price: e.low_price,
    open_price: e.open_price,
    close_price: e.close_price,
    volatility_anomaly: e.volatility_anomaly,
    computed_at: dt(e.computed_at, t, 'computed_at'),
    ...envelope(e, t),
  };
}

export function orderBookMetricsRow(e: OrderBookMetrics): OrderBookMetricsRow {
  const t = 'orderbook_metrics';
  return {
    symbol: e.symbol,
    timestamp: dt(e.timestamp_ms, t, 'timestamp'),
    best_bid: e.best_bid,
    best_ask: e.best_ask,
    mid_price: e.mid_price,
    spread: e.spread,
    spread_bps: e.spread_bps,
    crossed: e.crossed,
    bid_depth_5: e.bid_depth_5,
    ask_depth_5: e.ask_depth_5,
    imbalance_5: e.imbalance_5,
    bid_depth_10: e.bid_depth_10,
    ask_depth_10: e.ask_depth_10,
    imbalance_10: e.imbalance_10,
    bid_depth_20: e.bid_depth_20,
    ask_depth_20: e.ask_depth_20,
    imbalance_20: e.imbalance_20,
    prev_timestamp: e.prev_timestamp_ms === null ? null : dt(e.prev_timestamp_ms, t, 'prev_timestamp'),
    mid_change: e.mid_change,
    spread_change: e.spread_change,
    imbalance_5_change: e.imbalance_5_change,
    imbalance_10_change: e.imbalance_10_change,
    imbalance_20_change: e.imbalance_20_change,
    ...envelope(e, t),
  };
}

export function priceAlertRow(e: PriceAlert): PriceAlertRow {
  const t = 'price_alerts';
  return {
    alert_id: e.alert_id,
    alert_type: e.alert_type,
    symbol: e.symbol,
    direction: e.direction,
    baseline_price: e.baseline_price,
    current_price: e.current_price,
    pct_change: e.pct_change,
    window_start: dt(e.window_start_ms, t, 'window_start'),
    detected_at: dt(e.detected_at_ms, t, 'detected_at'),
    severity: e.severity,
    trigger: e.trigger,
    ...envelope(e, t),
  };
}

export function enrichedTradeRow(e: EnrichedTrade): EnrichedTradeRow {
  const t = 'enriched_trades';
  return {
    trade_id: e.trade_id,
    order_id: e.order_id,
    symbol: e.symbol,
    side: e.side,
    quantity: e.quantity,
    price: e.price,
    status: e.status,
    exchange: e.exchange,
    trader_id: e.trader_id,
    account_id: e.account_id,
    timestamp: dt(e.timestamp_ms, t, 'timestamp'),
    event_type: e.event_type,
    company_name: e.company_name,
    sector: e.sector,
    industry: e.industry,
    market_cap_tier: e.market_cap_tier,
    listed_exchange: e.listed_exchange,
    ...envelope(e, t),
  };
}

/** A stored event type: its table and row mapper. */
export interface StoredEvent<E, R> {
  readonly table: string;
  readonly toRow: (event: E) => R;
}

/**
 * Event name (`@tickflow/schemas` `EventName`) → table and mapper, for the writer:
 * `const { table, toRow } = STORED_EVENTS[name]; await ch.insert(table, events.map(toRow), { dedupToken })`.
 */
export const STORED_EVENTS = {
  MicroBar: { table: 'micro_bars', toRow: microBarRow },
  Signal: { table: 'signals', toRow: signalRow },
  TradeAggregate: { table: 'trade_aggregates', toRow: tradeAggregateRow },
  OrderBookMetrics: { table: 'orderbook_metrics', toRow: orderBookMetricsRow },
  PriceAlert: { table: 'price_alerts', toRow: priceAlertRow },
  EnrichedTrade: { table: 'enriched_trades', toRow: enrichedTradeRow },
} as const satisfies Record<string, StoredEvent<never, object>>;

export type StoredEventName = keyof typeof STORED_EVENTS;

/** Stored event name → its event type. */
export interface StoredEventMap {
  MicroBar: MicroBar;
  Signal: Signal;
  TradeAggregate: TradeAggregate;
  OrderBookMetrics: OrderBookMetrics;
  PriceAlert: PriceAlert;
  EnrichedTrade: EnrichedTrade;
}

/** `STORED_EVENTS[name].toRow(event)` for a name known only at run time, without a cast at the call site. */
export function toStoredRow<N extends StoredEventName>(name: N, event: StoredEventMap[N]): object {
  return (STORED_EVENTS[name].toRow as unknown as (e: StoredEventMap[N]) => object)(event);
}
