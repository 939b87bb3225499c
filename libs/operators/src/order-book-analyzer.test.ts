import { describe, expect, it } from 'vitest';
import { OrderBookAnalyzer } from './order-book-analyzer';
import { sampleBook } from './test-fixtures';

describe('OrderBookAnalyzer (seed 000 job 4)', () => {
  it('computes spread, mid, bps, depth and imbalance of the seed sample', () => {
    const m = new OrderBookAnalyzer().analyze(sampleBook(), 7);
    expect(m.best_bid).toBe(185.4);
    expect(m.best_ask).toBe(185.45);
    expect(m.mid_price).toBeCloseTo(185.425, 12);
    expect(m.spread).toBeCloseTo(0.05, 12);
    expect(m.spread_bps).toBeCloseTo((0.05 / 185.425) * 10_000, 9);
    expect(m.bid_depth_5).toBe(800);
    expect(m.ask_depth_5).toBe(600);
    expect(m.imbalance_5).toBeCloseTo(200 / 1400, 15);
    expect(m.bid_depth_20).toBe(800);
    expect(m.crossed).toBe(false);
    expect(m.prev_timestamp_ms).toBeNull();
    expect(m.mid_change).toBeNull();
    expect(m.seq).toBe(7);
  });

  it('limits depth to 5/10/20 levels', () => {
    const levels = (start: number, step: number) => Array.from({ length: 25 }, (_, i) => ({ price: start + step * i, quantity: i + 1 }));
    const m = new OrderBookAnalyzer().analyze(sampleBook({ bids: levels(100, -0.01), asks: levels(100.01, 0.01) }), 0);
    expect(m.bid_depth_5).toBe(15); // 1+…+5
    expect(m.bid_depth_10).toBe(55);
    expect(m.bid_depth_20).toBe(210);
    expect(m.imbalance_20).toBe(0);
  });

  it('an empty book has null prices and imbalances, zero depth', () => {
    const m = new OrderBookAnalyzer().analyze(sampleBook({ bids: [], asks: [] }), 0);
    expect(m).toMatchObject({ best_bid: null, best_ask: null, mid_price: null, spread: null, spread_bps: null, bid_depth_5: 0, imbalance_5: null, crossed: false });
  });

  it('a one-sided book has no mid or spread', () => {
    const m = new OrderBookAnalyzer().analyze(sampleBook({ asks: [] }), 0);
    expect(m.best_bid).toBe(185.4);
    expect(m.mid_price).toBeNull();
    expect(m.imbalance_5).toBe(1);
  });

  it('flags a crossed book with a negative spread', () => {
    const m = new OrderBookAnalyzer().analyze(sampleBook({ bids: [{ price: 101, quantity: 1 }], asks: [{ price: 100, quantity: 1 }] }), 0);
    expect(m.crossed).toBe(true);
    expect(m.spread).toBe(-1);
  });

  it('reports the change against the previous snapshot of the same symbol', () => {
    const a = new OrderBookAnalyzer();
    a.analyze(sampleBook(), 0);
    a.analyze(sampleBook({ symbol: 'MSFT', timestamp_ms: 1_700_000_000_500 }), 1);
    const m = a.analyze(sampleBook({ timestamp_ms: 1_700_000_001_000, bids: [{ price: 185.42, quantity: 500 }], asks: [{ price: 185.46, quantity: 500 }] }), 2);
    expect(m.prev_timestamp_ms).toBe(1_700_000_000_000);
    expect(m.mid_change).toBeCloseTo(185.44 - 185.425, 12);
    expect(m.spread_change).toBeCloseTo(0.04 - 0.05, 12);
    expect(m.imbalance_5_change).toBeCloseTo(0 - 200 / 1400, 12);
  });
});
