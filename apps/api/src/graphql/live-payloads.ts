import type { AlertSeverity, MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import type { LiveMessage } from '../live/live-hub';

/**
 * Hub messages → GraphQL subscription payloads (camelCase fields, times in epoch ms for the
 * DateTime scalar). The hub carries records as decoded from their topics, validated at that edge,
 * so they are trusted here. Pure.
 */

export const BAR_INTERVALS = { ONE_SECOND: '1s', ONE_MINUTE: '1m', FIVE_MINUTES: '5m', FIFTEEN_MINUTES: '15m' } as const;
export type BarInterval = keyof typeof BAR_INTERVALS;

export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

export interface BarPayload {
  symbol: string;
  interval: BarInterval;
  windowStart: number;
  windowEnd: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number;
  tradeCount: number;
  isFinal: boolean;
  /** Null from history (read with corrections applied; versions are not exposed). */
  version: number | null;
}

/**
 * `bars.1s.*` carry MicroBars (provisional ones too, `is_final` false); `bars.1m|5m|15m.*` carry
 * the symbol-scope TradeAggregates of that window. A sector-scope aggregate is not a bar: skipped.
 */
export function barPayload(message: LiveMessage, interval: BarInterval): BarPayload | null {
  const d = message.data;
  if ('open_price' in d) {
    const a = d as unknown as TradeAggregate;
    if (a.scope !== 'symbol') return null;
    return {
      symbol: a.symbol,
      interval,
      windowStart: a.window_start,
      windowEnd: a.window_end,
      open: a.open_price,
      high: a.high_price,
      low: a.low_price,
      close: a.close_price,
      volume: a.total_volume,
      vwap: a.vwap,
      tradeCount: a.trade_count,
      isFinal: true,
      version: a.version,
    };
  }
  const b = d as unknown as MicroBar;
  return {
    symbol: b.symbol,
    interval,
    windowStart: b.window_start,
    windowEnd: b.window_end,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    vwap: b.vwap,
    tradeCount: b.count,
    isFinal: b.is_final,
    version: b.version,
  };
}

export interface SignalPayload {
  symbol: string;
  windowStart: number;
  windowEnd: number;
  isFinal: boolean;
  ema12: number | null;
  ema26: number | null;
  macd: number | null;
  macdSignal: number | null;
  macdHist: number | null;
  rsi14: number | null;
  bbUpper: number | null;
  bbMiddle: number | null;
  bbLower: number | null;
  vwapSession: number | null;
  vwapRolling: number | null;
  realizedVol: number | null;
  spread: number | null;
  imbalance: number | null;
  /** Null from history (read with corrections applied; versions are not exposed). */
  version: number | null;
}

export function signalPayload(message: LiveMessage): SignalPayload {
  const s = message.data as unknown as Signal;
  return {
    symbol: s.symbol,
    windowStart: s.window_start,
    windowEnd: s.window_end,
    isFinal: s.is_final,
    ema12: s.ema12,
    ema26: s.ema26,
    macd: s.macd,
    macdSignal: s.macd_signal,
    macdHist: s.macd_hist,
    rsi14: s.rsi14,
    bbUpper: s.bb_upper,
    bbMiddle: s.bb_middle,
    bbLower: s.bb_lower,
    vwapSession: s.vwap_session,
    vwapRolling: s.vwap_rolling,
    realizedVol: s.realized_vol,
    spread: s.spread,
    imbalance: s.imbalance,
    version: s.version,
  };
}

export interface AlertPayload {
  alertId: string;
  alertType: string;
  symbol: string;
  direction: PriceAlert['direction'];
  baselinePrice: number;
  currentPrice: number;
  pctChange: number;
  windowStart: number;
  detectedAt: number;
  severity: AlertSeverity;
  trigger: PriceAlert['trigger'];
}

/** The alert, or null when its severity ranks below `minSeverity`. */
export function alertPayload(message: LiveMessage, minSeverity: AlertSeverity): AlertPayload | null {
  const a = message.data as unknown as PriceAlert;
  if ((SEVERITY_RANK[a.severity] ?? 0) < SEVERITY_RANK[minSeverity]) return null;
  return {
    alertId: a.alert_id,
    alertType: a.alert_type,
    symbol: a.symbol,
    direction: a.direction,
    baselinePrice: a.baseline_price,
    currentPrice: a.current_price,
    pctChange: a.pct_change,
    windowStart: a.window_start_ms,
    detectedAt: a.detected_at_ms,
    severity: a.severity,
    trigger: a.trigger,
  };
}

export interface OrderBookPayload {
  symbol: string;
  timestamp: number;
  bestBid: number | null;
  bestAsk: number | null;
  midPrice: number | null;
  spread: number | null;
  spreadBps: number | null;
  crossed: boolean;
  bidDepth5: number;
  askDepth5: number;
  imbalance5: number | null;
  bidDepth10: number;
  askDepth10: number;
  imbalance10: number | null;
  bidDepth20: number;
  askDepth20: number;
  imbalance20: number | null;
  prevTimestamp: number | null;
  midChange: number | null;
  spreadChange: number | null;
  imbalance5Change: number | null;
  imbalance10Change: number | null;
  imbalance20Change: number | null;
}

export function orderBookPayload(message: LiveMessage): OrderBookPayload {
  const o = message.data as unknown as OrderBookMetrics;
  return {
    symbol: o.symbol,
    timestamp: o.timestamp_ms,
    bestBid: o.best_bid,
    bestAsk: o.best_ask,
    midPrice: o.mid_price,
    spread: o.spread,
    spreadBps: o.spread_bps,
    crossed: o.crossed,
    bidDepth5: o.bid_depth_5,
    askDepth5: o.ask_depth_5,
    imbalance5: o.imbalance_5,
    bidDepth10: o.bid_depth_10,
    askDepth10: o.ask_depth_10,
    imbalance10: o.imbalance_10,
    bidDepth20: o.bid_depth_20,
    askDepth20: o.ask_depth_20,
    imbalance20: o.imbalance_20,
    prevTimestamp: o.prev_timestamp_ms,
    midChange: o.mid_change,
    spreadChange: o.spread_change,
    imbalance5Change: o.imbalance_5_change,
    imbalance10Change: o.imbalance_10_change,
    imbalance20Change: o.imbalance_20_change,
  };
}
