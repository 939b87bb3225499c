import { describe, expect, it } from 'vitest';
import type { ExecutedTrade } from './executed-trade';
import { TradeAggregateAggregator } from './trade-aggregate-aggregator';

const ctx = { seq: 42, nowMs: () => 123 };

function trade(price: number, quantity: number, side: 'BUY' | 'SELL', eventTsMs: number): ExecutedTrade {
  return { price, quantity, isBuy: side === 'BUY', eventTsMs, ingestTsMs: eventTsMs };
}

function aggregate(trades: ExecutedTrade[]) {
  const agg = new TradeAggregateAggregator('1m', 'symbol', ctx);
  const acc = agg.create(trades[0]!);
  for (const t of trades.slice(1)) agg.add(acc, t);
  return agg.result('AAPL', 0, 60_000, acc, 1);
}

describe('TradeAggregateAggregator (seed 000 §9.1 aggregator cases)', () => {
  it('single trade', () => {
    const r = aggregate([trade(100, 50, 'BUY', 1000)]);
    expect(r).toMatchObject({ total_volume: 50, vwap: 100, trade_count: 1, buy_count: 1, sell_count: 0, buy_sell_ratio: null });
    expect(r).toMatchObject({ open_price: 100, close_price: 100, high_price: 100, low_price: 100, total_value: 5000 });
  });

  it('VWAP = Σp·q / Σq = 150', () => {
    expect(aggregate([trade(100, 100, 'BUY', 1), trade(200, 100, 'SELL', 2)]).vwap).toBe(150);
  });

  it('buy/sell ratio 3 buys : 1 sell = 3', () => {
    const r = aggregate([trade(100, 10, 'BUY', 1), trade(100, 10, 'BUY', 1), trade(100, 10, 'BUY', 1), trade(100, 10, 'SELL', 2)]);
    expect(r.buy_sell_ratio).toBe(3);
  });

  it('zero sells gives a null ratio (the seed\'s +∞ has no JSON form)', () => {
    expect(aggregate([trade(1, 1, 'BUY', 1), trade(1, 1, 'BUY', 2)]).buy_sell_ratio).toBeNull();
  });

  it('zero buys gives ratio 0', () => {
    expect(aggregate([trade(1, 1, 'SELL', 1)]).buy_sell_ratio).toBe(0);
  });

  it('high and low over 105, 98, 110, 102', () => {
    const r = aggregate([105, 98, 110, 102].map((p, i) => trade(p, 10, 'BUY', i)));
    expect(r.high_price).toBe(110);
    expect(r.low_price).toBe(98);
  });

  it('open/close follow event time, ties broken by arrival order', () => {
    // Arrival: t=5 (p1), t=3 (p2), t=3 (p3), t=9 (p4), t=9 (p5) → open = first at t=3 = p2; close = last at t=9 = p5.
    const r = aggregate([trade(1, 1, 'BUY', 5), trade(2, 1, 'BUY', 3), trade(3, 1, 'BUY', 3), trade(4, 1, 'BUY', 9), trade(5, 1, 'BUY', 9)]);
    expect(r.open_price).toBe(2);
    expect(r.close_price).toBe(5);
  });

  it('accumulation order does not change counts and extremes (the seed\'s merge case)', () => {
    const a = aggregate([trade(100, 50, 'BUY', 1), trade(200, 50, 'SELL', 2)]);
    const b = aggregate([trade(200, 50, 'SELL', 2), trade(100, 50, 'BUY', 1)]);
    expect(a).toEqual(b);
    expect(a.trade_count).toBe(2);
    expect(a.total_volume).toBe(100);
  });

  it('flags a 1-minute swing above 2 % (seed 004) and not one of exactly 2 %', () => {
    expect(aggregate([trade(100, 1, 'BUY', 1), trade(102.01, 1, 'BUY', 2)]).volatility_anomaly).toBe(true);
    expect(aggregate([trade(100, 1, 'BUY', 1), trade(102, 1, 'BUY', 2)]).volatility_anomaly).toBe(false);
  });

  it('carries window metadata and a deterministic envelope', () => {
    const r = aggregate([trade(100, 1, 'BUY', 1)]);
    expect(r).toMatchObject({ symbol: 'AAPL', scope: 'symbol', window_size: '1m', window_start: 0, window_end: 60_000, event_ts: 60_000, seq: 42, version: 1, computed_at: 123 });
    expect(r.correlation_id).toBe('symbol:AAPL:1m:0');
  });
});
