/**
 * One typed sample per event (tsc checks each against its interface), used by the tests to check
 * the `.avsc` field lists and to round-trip every schema. Values are realistic, nullable fields
 * mix null and numbers.
 */
import type { EventName, EventTypeMap } from './event-names';
import type {
  BookSnapshot,
  DlqRecord,
  EnrichedTrade,
  Envelope,
  MicroBar,
  OrderBookMetrics,
  PriceAlert,
  Quote,
  RawTrade,
  ReferenceSymbol,
  Signal,
  StatusHeartbeat,
  TradeAggregate,
} from './types';

const T0 = 1_723_161_255_342; // 2024-08-08T23:54:15.342Z

function envelope(eventTs: number, correlationId: string, source = 'processor'): Envelope {
  return { event_ts: eventTs, ingest_ts: eventTs + 3, seq: 4_217, source, correlation_id: correlationId, version: 1 };
}

export const rawTrade: RawTrade = {
  trade_id: '3735683259',
  order_id: 'O-3735683259',
  symbol: 'BTCUSDT',
  side: 'SELL',
  quantity: 0.02,
  price: 61837.63,
  status: 'FILLED',
  exchange: 'BINANCE',
  trader_id: 'T-17',
  account_id: 'ACC-0042',
  timestamp_ms: T0,
  event_type: 'TRADE',
  ...envelope(T0, '3735683259', 'replay:trades-binance-spot-2024-08-08.ndjson'),
};

export const quote: Quote = {
  symbol: 'BTCUSDT',
  timestamp_ms: T0 - 1_255,
  bid: 61837.63,
  bid_size: 3.78826,
  ask: 61837.64,
  ask_size: 1.54698,
  last: 61837.63,
  exchange: 'BINANCE',
  ...envelope(T0 - 1_255, `BTCUSDT:${T0 - 1_255}`, 'simulator'),
};

export const bookSnapshot: BookSnapshot = {
  symbol: 'AAPL',
  timestamp_ms: T0,
  bids: [
    { price: 218.24, quantity: 300 },
    { price: 218.23, quantity: 1_200 },
    { price: 218.2, quantity: 45 },
  ],
  asks: [
    { price: 218.26, quantity: 100 },
    { price: 218.3, quantity: 2_500 },
  ],
  exchange: 'NASDAQ',
  ...envelope(T0, `AAPL:${T0}`, 'simulator'),
};

export const referenceSymbol: ReferenceSymbol = {
  symbol: 'BRK.B',
  company_name: 'Berkshire Hathaway Inc.',
  sector: 'Financials',
  industry: 'Insurance—Diversified',
  market_cap_tier: 'MEGA',
  exchange: 'NYSE',
  updated_at: T0,
};

export const enrichedTrade: EnrichedTrade = {
  ...rawTrade,
  symbol: 'AAPL',
  price: 218.25,
  quantity: 100,
  side: 'BUY',
  company_name: 'Apple Inc.',
  sector: 'Information Technology',
  industry: 'Consumer Electronics',
  market_cap_tier: 'MEGA',
  listed_exchange: 'NASDAQ',
};

export const microBar: MicroBar = {
  symbol: 'ETHUSDT',
  window_start: 1_723_161_255_000,
  window_end: 1_723_161_256_000,
  open: 2683.8,
  high: 2684.12,
  low: 2683.61,
  close: 2684.01,
  volume: 12.4371,
  vwap: 2683.9377,
  count: 57,
  is_final: true,
  ...envelope(1_723_161_256_000, 'ETHUSDT:1723161255000'),
};

export const signal: Signal = {
  symbol: 'ETHUSDT',
  window_start: 1_723_161_255_000,
  window_end: 1_723_161_256_000,
  is_final: true,
  ema12: 2683.95,
  ema26: 2683.7,
  macd: 0.25,
  macd_signal: null,
  macd_hist: null,
  rsi14: 61.3,
  bb_upper: null,
  bb_middle: null,
  bb_lower: null,
  vwap_session: 2683.41,
  vwap_rolling: 2683.58,
  realized_vol: 0.00021,
  spread: 0.01,
  imbalance: -0.37,
  ...envelope(1_723_161_256_000, 'ETHUSDT:1723161255000'),
};

export const tradeAggregate: TradeAggregate = {
  symbol: 'Information Technology',
  scope: 'sector',
  window_start: 1_723_161_240_000,
  window_end: 1_723_161_300_000,
  window_size: '1m',
  total_volume: 18_250,
  total_value: 3_984_321.5,
  vwap: 218.3189,
  trade_count: 412,
  buy_count: 250,
  sell_count: 0,
  buy_sell_ratio: null,
  high_price: 218.9,
  low_price: 217.6,
  open_price: 217.75,
  close_price: 218.8,
  volatility_anomaly: false,
  computed_at: 1_723_161_305_117,
  ...envelope(1_723_161_300_000, 'Information Technology:1m:1723161240000'),
};

export const orderBookMetrics: OrderBookMetrics = {
  symbol: 'AAPL',
  timestamp_ms: T0,
  best_bid: 218.24,
  best_ask: 218.26,
  mid_price: 218.25,
  spread: 0.02,
  spread_bps: 0.9164,
  crossed: false,
  bid_depth_5: 1_545,
  ask_depth_5: 2_600,
  imbalance_5: -0.2545,
  bid_depth_10: 1_545,
  ask_depth_10: 2_600,
  imbalance_10: -0.2545,
  bid_depth_20: 1_545,
  ask_depth_20: 2_600,
  imbalance_20: null,
  prev_timestamp_ms: T0 - 100,
  mid_change: 0.005,
  spread_change: 0,
  imbalance_5_change: null,
  imbalance_10_change: -0.01,
  imbalance_20_change: null,
  ...envelope(T0, `AAPL:${T0}`),
};

export const priceAlert: PriceAlert = {
  alert_id: 'BTCUSDT:1723161000000:UP:1',
  alert_type: 'PRICE_MOVEMENT',
  symbol: 'BTCUSDT',
  direction: 'UP',
  baseline_price: 60_420.5,
  current_price: 61_837.63,
  pct_change: 2.3454,
  window_start_ms: 1_723_161_000_000,
  detected_at_ms: T0,
  severity: 'MEDIUM',
  trigger: 'TRADE',
  ...envelope(T0, '3735683259'),
};

export const statusHeartbeat: StatusHeartbeat = {
  task_id: 'raw.trades-3',
  watermark_ms: T0 - 2_000,
  watermark_lag_ms: 2_314,
  last_event_ts: T0,
  state_bytes: 1_048_576,
  keys: 2,
  status: 'RUNNING',
  heartbeat: true,
  ...envelope(T0, 'raw.trades-3:1723161255342'),
};

export const dlqRecord: DlqRecord = {
  error_type: 'SCHEMA_VIOLATION',
  error_code: 'WRONG_TYPE',
  error_message: 'RawTrade.price: expected double (a number), got string "61837.63"',
  original: Buffer.from('{"trade_id": "3735683259", "price": "61837.63"}'),
  source_topic: 'raw.trades',
  source_partition: 3,
  source_offset: '9007199254740993',
  attempted_id: '3735683259',
  failed_at: T0,
};

/** The sample of each event. */
export const FIXTURES: { readonly [N in EventName]: EventTypeMap[N] } = {
  RawTrade: rawTrade,
  Quote: quote,
  BookSnapshot: bookSnapshot,
  ReferenceSymbol: referenceSymbol,
  EnrichedTrade: enrichedTrade,
  MicroBar: microBar,
  Signal: signal,
  TradeAggregate: tradeAggregate,
  OrderBookMetrics: orderBookMetrics,
  PriceAlert: priceAlert,
  StatusHeartbeat: statusHeartbeat,
  DlqRecord: dlqRecord,
};
