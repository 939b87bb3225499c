import type { EnrichedTrade, Envelope, MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';

/** 2024-01-02 14:30:00.123 UTC */
export const T0 = Date.UTC(2024, 0, 2, 14, 30, 0, 123);

export function envelope(eventTs: number, over: Partial<Envelope> = {}): Envelope {
  return { event_ts: eventTs, ingest_ts: eventTs + 7, seq: 42, source: 'processor', correlation_id: 'corr-1', version: 1, ...over };
}

export function microBar(windowStart: number, over: Partial<MicroBar> = {}): MicroBar {
  return {
    ...envelope(windowStart + 1000),
    symbol: 'AAPL',
    window_start: windowStart,
    window_end: windowStart + 1000,
    open: 189.5,
    high: 190.25,
    low: 189.125,
    close: 190.0,
    volume: 1200,
    vwap: 189.8765432101,
    count: 17,
    is_final: true,
    ...over,
  };
}

export const signal: Signal = {
  ...envelope(T0 + 1000, { seq: 43 }),
  symbol: 'AAPL',
  window_start: T0,
  window_end: T0 + 1000,
  is_final: true,
  ema12: 189.9,
  ema26: 189.7,
  macd: 0.2,
  macd_signal: 0.15,
  macd_hist: 0.05,
  rsi14: 61.25,
  bb_upper: 191.5,
  bb_middle: 189.75,
  bb_lower: 188,
  vwap_session: 189.81,
  vwap_rolling: 189.84,
  realized_vol: 0.0123,
  spread: null,
  imbalance: null,
};

export const tradeAggregate: TradeAggregate = {
  ...envelope(T0 + 60_000, { seq: 44 }),
  symbol: 'Technology',
  scope: 'sector',
  window_start: T0 - 123,
  window_end: T0 - 123 + 60_000,
  window_size: '1m',
  total_volume: 5400,
  total_value: 1_025_100.5,
  vwap: 189.8334,
  trade_count: 31,
  buy_count: 20,
  sell_count: 11,
  buy_sell_ratio: 20 / 11,
  high_price: 190.25,
  low_price: 189.125,
  open_price: 189.5,
  close_price: 190,
  volatility_anomaly: false,
  computed_at: T0 + 60_321,
};

export const orderBookMetrics: OrderBookMetrics = {
  ...envelope(T0, { seq: 45 }),
  symbol: 'MSFT',
  timestamp_ms: T0,
  best_bid: 401.1,
  best_ask: 401.3,
  mid_price: 401.2,
  spread: 0.2,
  spread_bps: 4.985,
  crossed: false,
  bid_depth_5: 1500,
  ask_depth_5: 1300,
  imbalance_5: 0.0714,
  bid_depth_10: 2900,
  ask_depth_10: 2500,
  imbalance_10: 0.074,
  bid_depth_20: 5100,
  ask_depth_20: 4800,
  imbalance_20: null,
  prev_timestamp_ms: T0 - 250,
  mid_change: -0.05,
  spread_change: 0,
  imbalance_5_change: null,
  imbalance_10_change: 0.01,
  imbalance_20_change: null,
};

export const priceAlert: PriceAlert = {
  ...envelope(T0, { seq: 46 }),
  alert_id: `pa:AAPL:${T0}:corr-1`,
  alert_type: 'PRICE_MOVEMENT',
  symbol: 'AAPL',
  direction: 'UP',
  baseline_price: 185,
  current_price: 190,
  pct_change: 2.7027,
  window_start_ms: T0 - 120_000,
  detected_at_ms: T0,
  severity: 'MEDIUM',
  trigger: 'TRADE',
};

export function enrichedTrade(over: Partial<EnrichedTrade> = {}): EnrichedTrade {
  const ts = over.timestamp_ms ?? T0;
  return {
    ...envelope(ts),
    trade_id: 't-1',
    order_id: 'o-1',
    symbol: 'AAPL',
    side: 'BUY',
    quantity: 100,
    price: 190.25,
    status: 'FILLED',
    exchange: 'NASDAQ',
    trader_id: 'trader-1',
    account_id: 'acct-1',
    timestamp_ms: ts,
    event_type: 'trade',
    company_name: 'Apple Inc.',
    sector: 'Technology',
    industry: 'Consumer Electronics',
    market_cap_tier: 'MEGA',
    listed_exchange: 'NASDAQ',
    ...over,
  };
}
