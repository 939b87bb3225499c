import type { AggregateScope, AggregateWindowSize } from '@tickflow/schemas';
import type { AggregateRow, AlertRow, BarRow, OrderBookRow, SignalRow } from '../history/history-rows';
import type { AlertPayload, BarInterval, BarPayload, OrderBookPayload, SignalPayload } from './live-payloads';

/**
 * HistoryQueries rows → the payloads the subscriptions emit, so a query and a subscription resolve
 * the same GraphQL types (Bar, Signal, Alert, OrderBookMetrics) from the same shapes: camelCase
 * fields, instants as epoch ms for the DateTime scalar. History holds final rows only (provisional
 * bars are never stored) and is read with corrections applied, so `isFinal` is true and `version`
 * null. Pure.
 */

/** GraphQL `AggregateWindow` ↔ the stored window size. */
export const AGGREGATE_WINDOWS = { ONE_MINUTE: '1m', FIVE_MINUTES: '5m', FIFTEEN_MINUTES: '15m' } as const satisfies Record<string, AggregateWindowSize>;
export type AggregateWindow = keyof typeof AGGREGATE_WINDOWS;
const WINDOW_OF_SIZE: Readonly<Record<AggregateWindowSize, AggregateWindow>> = { '1m': 'ONE_MINUTE', '5m': 'FIVE_MINUTES', '15m': 'FIFTEEN_MINUTES' };

/** GraphQL `AggregateScope` ↔ the stored scope. */
export const AGGREGATE_SCOPES = { SYMBOL: 'symbol', SECTOR: 'sector' } as const satisfies Record<string, AggregateScope>;
export type AggregateScopeName = keyof typeof AGGREGATE_SCOPES;
const SCOPE_NAME: Readonly<Record<AggregateScope, AggregateScopeName>> = { symbol: 'SYMBOL', sector: 'SECTOR' };

export interface AggregatePayload {
  symbol: string;
  scope: AggregateScopeName;
  window: AggregateWindow;
  windowStart: number;
  windowEnd: number;
  totalVolume: number;
  totalValue: number;
  vwap: number;
  tradeCount: number;
  buyCount: number;
  sellCount: number;
  buySellRatio: number | null;
  openPrice: number;
  highPrice: number;
  lowPrice: number;
  closePrice: number;
  volatilityAnomaly: boolean;
  computedAt: number;
}

/** Epoch ms of a row's instant (ISO-8601 UTC, as `HistoryQueries` writes them). */
const ms = (iso: string): number => Date.parse(iso);

export function barFromRow(r: BarRow, interval: BarInterval): BarPayload {
  return {
    symbol: r.symbol,
    interval,
    windowStart: ms(r.window_start),
    windowEnd: ms(r.window_end),
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
    vwap: r.vwap,
    tradeCount: r.trade_count,
    isFinal: true,
    version: null,
  };
}

export function aggregateFromRow(r: AggregateRow): AggregatePayload {
  return {
    symbol: r.symbol,
    scope: SCOPE_NAME[r.scope],
    window: WINDOW_OF_SIZE[r.window_size],
    windowStart: ms(r.window_start),
    windowEnd: ms(r.window_end),
    totalVolume: r.total_volume,
    totalValue: r.total_value,
    vwap: r.vwap,
    tradeCount: r.trade_count,
    buyCount: r.buy_count,
    sellCount: r.sell_count,
    buySellRatio: r.buy_sell_ratio,
    openPrice: r.open_price,
    highPrice: r.high_price,
    lowPrice: r.low_price,
    closePrice: r.close_price,
    volatilityAnomaly: r.volatility_anomaly,
    computedAt: ms(r.computed_at),
  };
}

export function signalFromRow(r: SignalRow): SignalPayload {
  return {
    symbol: r.symbol,
    windowStart: ms(r.window_start),
    windowEnd: ms(r.window_end),
    isFinal: true,
    ema12: r.ema12,
    ema26: r.ema26,
    macd: r.macd,
    macdSignal: r.macd_signal,
    macdHist: r.macd_hist,
    rsi14: r.rsi14,
    bbUpper: r.bb_upper,
    bbMiddle: r.bb_middle,
    bbLower: r.bb_lower,
    vwapSession: r.vwap_session,
    vwapRolling: r.vwap_rolling,
    realizedVol: r.realized_vol,
    spread: r.spread,
    imbalance: r.imbalance,
    version: null,
  };
}

export function orderBookFromRow(r: OrderBookRow): OrderBookPayload {
  return {
    symbol: r.symbol,
    timestamp: ms(r.timestamp),
    bestBid: r.best_bid,
    bestAsk: r.best_ask,
    midPrice: r.mid_price,
    spread: r.spread,
    spreadBps: r.spread_bps,
    crossed: r.crossed,
    bidDepth5: r.bid_depth_5,
    askDepth5: r.ask_depth_5,
    imbalance5: r.imbalance_5,
    bidDepth10: r.bid_depth_10,
    askDepth10: r.ask_depth_10,
    imbalance10: r.imbalance_10,
    bidDepth20: r.bid_depth_20,
    askDepth20: r.ask_depth_20,
    imbalance20: r.imbalance_20,
    prevTimestamp: r.prev_timestamp === null ? null : ms(r.prev_timestamp),
    midChange: r.mid_change,
    spreadChange: r.spread_change,
    imbalance5Change: r.imbalance_5_change,
    imbalance10Change: r.imbalance_10_change,
    imbalance20Change: r.imbalance_20_change,
  };
}

export function alertFromRow(r: AlertRow): AlertPayload {
  return {
    alertId: r.alert_id,
    alertType: r.alert_type,
    symbol: r.symbol,
    direction: r.direction,
    baselinePrice: r.baseline_price,
    currentPrice: r.current_price,
    pctChange: r.pct_change,
    windowStart: ms(r.window_start),
    detectedAt: ms(r.detected_at),
    severity: r.severity,
    trigger: r.trigger,
  };
}
