import { describe, expect, it } from 'vitest';
import { TOPICS } from '@tickflow/operators';
import type { MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import { isChannelPattern } from './live-hub';
import { LIVE_TOPICS, LiveRecordMapper, isLiveTopic, type LiveTopic, type LiveTopicRecords } from './live-record-mapper';

const env = { event_ts: 2_000, ingest_ts: 1_500, seq: 1, source: 'processor', correlation_id: 'c', version: 1 };
const bar = (symbol: string, isFinal: boolean): MicroBar => ({ ...env, symbol, window_start: 1_000, window_end: 2_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, vwap: 1.2, count: 3, is_final: isFinal });
const signal: Signal = { ...env, symbol: 'AAPL', window_start: 1_000, window_end: 2_000, is_final: true, ema12: 1, ema26: null, macd: null, macd_signal: null, macd_hist: null, rsi14: null, bb_upper: null, bb_middle: null, bb_lower: null, vwap_session: null, vwap_rolling: null, realized_vol: null, spread: null, imbalance: null };
const alert: PriceAlert = { ...env, alert_id: 'a1', alert_type: 'PRICE_MOVEMENT', symbol: 'BRK.B', direction: 'UP', baseline_price: 100, current_price: 103, pct_change: 3, window_start_ms: 0, detected_at_ms: 2_000, severity: 'MEDIUM', trigger: 'TRADE' };
const book: OrderBookMetrics = { ...env, ingest_ts: 0, symbol: 'MSFT', timestamp_ms: 2_000, best_bid: 1, best_ask: 2, mid_price: 1.5, spread: 1, spread_bps: 6666, crossed: false, bid_depth_5: 1, ask_depth_5: 1, imbalance_5: 0, bid_depth_10: 1, ask_depth_10: 1, imbalance_10: 0, bid_depth_20: 1, ask_depth_20: 1, imbalance_20: 0, prev_timestamp_ms: null, mid_change: null, spread_change: null, imbalance_5_change: null, imbalance_10_change: null, imbalance_20_change: null };
const agg = (scope: 'symbol' | 'sector', size: '1m' | '5m' | '15m', symbol = 'AAPL'): TradeAggregate => ({ ...env, symbol, scope, window_start: 0, window_end: 60_000, window_size: size, total_volume: 1, total_value: 1, vwap: 1, trade_count: 1, buy_count: 1, sell_count: 0, buy_sell_ratio: null, high_price: 1, low_price: 1, open_price: 1, close_price: 1, volatility_anomaly: false, computed_at: 3 });

describe('LiveRecordMapper', () => {
  const mapper = new LiveRecordMapper();
  const map = <T extends LiveTopic>(topic: T, record: LiveTopicRecords[T]) => mapper.toMessage(topic, record, 9_000);

  it.each<[string, LiveTopic, LiveTopicRecords[LiveTopic], string | null, string | null]>([
    ['a provisional bar', TOPICS.liveBars, bar('AAPL', false), 'bars.1s.AAPL', 'bar'],
    ['a final bar', TOPICS.bars1s, bar('AAPL', true), 'bars.1s.AAPL', 'bar'],
    ['a signal', TOPICS.signals, signal, 'signals.AAPL', 'signal'],
    ['an alert', TOPICS.priceAlerts, alert, 'alerts.BRK.B', 'alert'],
    ['order-book metrics', TOPICS.orderBookMetrics, book, 'orderbook.MSFT', 'orderbook'],
    ['a 1m symbol aggregate', TOPICS.tradeAggregates, agg('symbol', '1m'), 'bars.1m.AAPL', 'bar'],
    ['a 5m symbol aggregate', TOPICS.tradeAggregates, agg('symbol', '5m'), 'bars.5m.AAPL', 'bar'],
    ['a 15m symbol aggregate', TOPICS.tradeAggregates, agg('symbol', '15m'), 'bars.15m.AAPL', 'bar'],
    ['a sector aggregate', TOPICS.tradeAggregates, agg('sector', '1m', 'Information Technology'), null, null],
  ])('%s goes to %s', (_what, topic, record, channel, kind) => {
    const m = map(topic, record as never);
    if (channel === null) {
      expect(m).toBeNull();
      return;
    }
    expect(m).toEqual({ channel, kind, data: record, eventTsMs: 2_000, ingestTsMs: record.ingest_ts, receivedAtMs: 9_000 });
    expect(m!.data).toBe(record); // not copied
    expect(isChannelPattern(channel)).toBe(true);
  });

  it('keeps provisional and final bars apart by is_final on one channel', () => {
    expect(map(TOPICS.liveBars, bar('X', false))!.data.is_final).toBe(false);
    expect(map(TOPICS.bars1s, bar('X', true))!.data.is_final).toBe(true);
  });

  it('names the same channel string for every record of a symbol', () => {
    expect(map(TOPICS.signals, signal)!.channel).toBe(map(TOPICS.signals, { ...signal })!.channel);
  });

  it('knows its topics', () => {
    expect(LIVE_TOPICS).toEqual(['ta.live.v1', 'ta.bars.1s.v1', 'ta.signals.v1', 'alerts.price-movement', 'analytics.orderbook', 'analytics.trade-aggregates']);
    expect(isLiveTopic('ta.status.v1')).toBe(false);
    expect(isLiveTopic('ta.live.v1')).toBe(true);
  });
});
