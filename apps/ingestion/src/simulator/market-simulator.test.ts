import type { Quote, RawTrade } from '@tickflow/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketSimulator } from './market-simulator';
import type { SimEvent } from './sim-event';
import { DEFAULT_STATUS_MIX, DEFAULT_SYMBOLS, type SimulatorOptions } from './simulator-options';

function trades(events: Iterable<SimEvent>): RawTrade[] {
  const out: RawTrade[] = [];
  for (const e of events) if (e.kind === 'trade') out.push(e.value);
  return out;
}

describe('MarketSimulator', () => {
  describe('determinism', () => {
    const faulty: SimulatorOptions = { seed: 123, badShare: 0.05, lateShare: 0.05, duplicateShare: 0.05, symbols: 20 };

    it('gives the same events, byte for byte, for the same options', () => {
      const a = [...new MarketSimulator(faulty).take(20_000)];
      const b = [...new MarketSimulator(faulty).take(20_000)];
      expect(b).toEqual(a);
    });

    it('gives a different feed for another seed', () => {
      const a = trades(new MarketSimulator({ seed: 1 }).take(1000));
      const b = trades(new MarketSimulator({ seed: 2 }).take(1000));
      expect(b.map((t) => t.price)).not.toEqual(a.map((t) => t.price));
    });

    it('keeps the valid market path independent of the fault settings', () => {
      const clean = [...new MarketSimulator({ seed: 9 }).take(20_000)];
      const seen = new Set<string>();
      const valid: SimEvent[] = [];
      const sim = new MarketSimulator({ seed: 9, badShare: 0.1, lateShare: 0.1, duplicateShare: 0.1 });
      while (valid.length < clean.length) {
        const e = sim.next();
        if (e.kind === 'raw') continue;
        if (e.kind === 'trade') {
          if (seen.has(e.value.trade_id)) continue; // a duplicate
          seen.add(e.value.trade_id);
          // Late trades differ from the clean run only in their event time.
          valid.push({ kind: 'trade', value: { ...e.value, timestamp_ms: e.value.ingest_ts, event_ts: e.value.ingest_ts } });
        } else valid.push(e);
      }
      expect(valid).toEqual(clean);
    });
  });

  it('fills trades as the RawTrade type with the envelope', () => {
    const sim = new MarketSimulator({ seed: 77 });
    const ts = trades(sim.take(20_000));
    expect(ts.length).toBeGreaterThan(5_000);
    const symbols = new Set(DEFAULT_SYMBOLS.map((s) => s.symbol));
    let lastSeq = 0;
    ts.forEach((t, i) => {
      expect(Object.keys(t).sort()).toEqual(
        ['trade_id', 'order_id', 'symbol', 'side', 'quantity', 'price', 'status', 'exchange', 'trader_id', 'account_id', 'timestamp_ms', 'event_type', 'event_ts', 'ingest_ts', 'seq', 'source', 'correlation_id', 'version'].sort(),
      );
      expect(t.trade_id).toBe(`T77-${i + 1}`);
      expect(t.order_id).toBe(`O77-${i + 1}`);
      expect(t.correlation_id).toBe(t.trade_id);
      expect(t.event_ts).toBe(t.timestamp_ms);
      expect(t.ingest_ts).toBe(t.timestamp_ms);
      expect(t.source).toBe('simulator');
      expect(t.version).toBe(1);
      expect(t.seq).toBeGreaterThan(lastSeq);
      lastSeq = t.seq;
      expect(symbols.has(t.symbol)).toBe(true);
      expect(['BUY', 'SELL']).toContain(t.side);
      expect(['NASDAQ', 'NYSE', 'ARCA', 'BATS', 'IEX']).toContain(t.exchange);
      expect(t.trader_id).toMatch(/^TR-0(0[1-9]|1\d|20)$/);
      expect(t.account_id).toMatch(/^ACC-0(0[1-9]|10)$/);
      expect(Number.isInteger(t.quantity) && t.quantity >= 1).toBe(true);
      expect(t.event_type).toBe('TRADE');
    });
    expect(new Set(ts.map((t) => t.account_id)).size).toBe(10);
  });

  it('advances event time by exponential inter-arrivals at tradesPerSecond, never backwards for on-time events', () => {
    const sim = new MarketSimulator({ seed: 4, tradesPerSecond: 250, quotesPerTrade: 0.5 });
    let last = -Infinity;
    let n = 0;
    let sameMs = 0;
    let prevTrade = -1;
    let backwards = 0;
    for (const e of sim.take(200_000)) {
      if (e.kind === 'raw') continue;
      if (e.value.event_ts < last) backwards++;
      last = e.value.event_ts;
      if (e.kind === 'trade') {
        n++;
        if (e.value.timestamp_ms === prevTrade) sameMs++;
        prevTrade = e.value.timestamp_ms;
      }
    }
    expect(backwards).toBe(0);
    const seconds = (last - sim.options.startTimeMs) / 1000;
    expect(n / seconds).toBeGreaterThan(245);
    expect(n / seconds).toBeLessThan(255);
    // Poisson arrivals at 0.25/ms: P(next trade in the same ms) ≈ 1 − e^−0.25 ≈ 0.22 (floor effects aside).
    expect(sameMs / n).toBeGreaterThan(0.1);
  });

  it('keeps quotes and books consistent for any seed and options (property)', () => {
    const symbolSpec = fc.record({ startPrice: fc.double({ min: 0.01, max: 200_000, noNaN: true }) });
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          symbols: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.array(symbolSpec, { minLength: 1, maxLength: 5 }).map((a) => a.map((s, i) => ({ symbol: `S${i}`, ...s })))),
          bookLevels: fc.integer({ min: 20, max: 60 }),
          bookEveryMs: fc.integer({ min: 10, max: 2000 }),
          quotesPerTrade: fc.double({ min: 0, max: 4, noNaN: true }),
          spreadBps: fc.double({ min: 0, max: 100, noNaN: true }),
          volatileVolatility: fc.double({ min: 0, max: 0.01, noNaN: true }),
          calmToVolatilePerSec: fc.double({ min: 0, max: 0.5, noNaN: true }),
          jumpsPerMinute: fc.double({ min: 0, max: 0.9, noNaN: true }),
          badShare: fc.double({ min: 0, max: 0.3, noNaN: true }),
        }),
        (options) => {
          const sim = new MarketSimulator(options);
          const lastQuote = new Map<string, Quote>();
          let books = 0;
          for (const e of sim.take(3000)) {
            if (e.kind === 'quote') {
              const q = e.value;
              if (!(q.bid > 0 && q.bid < q.ask && q.bid_size > 0 && q.ask_size > 0 && Number.isFinite(q.ask))) throw new Error(`bad quote ${JSON.stringify(q)}`);
              lastQuote.set(q.symbol, q);
            } else if (e.kind === 'book') {
              books++;
              const b = e.value;
              const q = lastQuote.get(b.symbol);
              expect(q).toBeDefined();
              expect(b.bids.length).toBe(options.bookLevels);
              expect(b.asks.length).toBe(options.bookLevels);
              expect(b.bids[0]).toEqual({ price: q!.bid, quantity: q!.bid_size });
              expect(b.asks[0]).toEqual({ price: q!.ask, quantity: q!.ask_size });
              for (let i = 0; i < b.bids.length; i++) {
                const bid = b.bids[i]!;
                const ask = b.asks[i]!;
                if (!(bid.price > 0 && bid.quantity > 0 && ask.quantity > 0)) throw new Error(`bad level ${i} in ${JSON.stringify(b)}`);
                if (i > 0 && !(bid.price < b.bids[i - 1]!.price && ask.price > b.asks[i - 1]!.price)) throw new Error(`not monotone at ${i}: ${JSON.stringify(b)}`);
              }
            } else if (e.kind === 'trade') {
              const q = lastQuote.get(e.value.symbol);
              if (!(e.value.price > 0 && Number.isFinite(e.value.price))) throw new Error(`bad trade ${JSON.stringify(e.value)}`);
              expect(q).toBeDefined();
            }
          }
          return books > 0 || sim.timeMs - sim.options.startTimeMs < options.bookEveryMs;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('honours bookEveryMs = 0 and quotesPerTrade = 0', () => {
    const events = [...new MarketSimulator({ bookEveryMs: 0, quotesPerTrade: 0 }).take(5000)];
    expect(events.filter((e) => e.kind === 'book')).toHaveLength(0);
    // Only the initial quote of each symbol.
    expect(events.filter((e) => e.kind === 'quote')).toHaveLength(DEFAULT_SYMBOLS.length);
  });

  it('emits a book per symbol every bookEveryMs', () => {
    const sim = new MarketSimulator({ bookEveryMs: 500, symbols: 4 });
    const books = new Map<string, number[]>();
    for (const e of sim.take(100_000)) if (e.kind === 'book') books.set(e.value.symbol, [...(books.get(e.value.symbol) ?? []), e.value.timestamp_ms]);
    expect([...books.keys()].sort()).toEqual(['SYM0001', 'SYM0002', 'SYM0003', 'SYM0004']);
    for (const times of books.values()) for (let i = 1; i < times.length; i++) expect(Math.abs(times[i]! - times[i - 1]! - 500)).toBeLessThanOrEqual(1);
  });

  it('follows the status mix within tolerance over 100k trades', () => {
    const count = (options: SimulatorOptions) => {
      const sim = new MarketSimulator({ ...options, quotesPerTrade: 0, bookEveryMs: 0 });
      const counts = new Map<string, number>();
      let n = 0;
      while (n < 100_000) {
        const e = sim.next();
        if (e.kind !== 'trade') continue;
        n++;
        counts.set(e.value.status, (counts.get(e.value.status) ?? 0) + 1);
      }
      return (status: string) => (counts.get(status) ?? 0) / n;
    };
    const share = count({ seed: 31 });
    for (const [status, weight] of Object.entries(DEFAULT_STATUS_MIX)) expect(Math.abs(share(status) - weight)).toBeLessThan(0.005);
    const custom = count({ seed: 32, statusMix: { NEW: 1, REJECTED: 3 } });
    expect(Math.abs(custom('NEW') - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(custom('REJECTED') - 0.75)).toBeLessThan(0.01);
    expect(custom('FILLED') + custom('PARTIALLY_FILLED') + custom('CANCELLED')).toBe(0);
  });

  it('emits bad, late and duplicate events in the configured shares', () => {
    const sim = new MarketSimulator({ seed: 8, badShare: 0.05, lateShare: 0.04, duplicateShare: 0.03 });
    const n = 300_000;
    const seen = new Map<string, RawTrade>();
    let bad = 0;
    const badTopics = new Set<string>();
    let tradeEvents = 0;
    let dups = 0;
    let fresh = 0;
    let late = 0;
    for (const e of sim.take(n)) {
      if (e.kind === 'raw') {
        bad++;
        badTopics.add(e.topic);
        continue;
      }
      if (e.kind !== 'trade') continue;
      tradeEvents++;
      const t = e.value;
      const original = seen.get(t.trade_id);
      if (original) {
        dups++;
        expect(t).toEqual(original); // verbatim
        expect(t).not.toBe(original);
        continue;
      }
      seen.set(t.trade_id, t);
      fresh++;
      const lag = t.ingest_ts - t.timestamp_ms;
      if (lag !== 0) {
        late++;
        expect(lag).toBeGreaterThanOrEqual(1000);
        expect(lag).toBeLessThanOrEqual(60_000);
        expect(t.event_ts).toBe(t.timestamp_ms);
      }
    }
    expect(Math.abs(bad / n - 0.05)).toBeLessThan(0.003);
    expect([...badTopics].sort()).toEqual(['raw.marketdata', 'raw.orderbook', 'raw.trades']);
    expect(Math.abs(dups / tradeEvents - 0.03)).toBeLessThan(0.004);
    expect(Math.abs(late / fresh - 0.04)).toBeLessThan(0.004);
  });

  it('emits no bad, late or duplicate events by default', () => {
    const events = [...new MarketSimulator({ seed: 2 }).take(50_000)];
    expect(events.some((e) => e.kind === 'raw')).toBe(false);
    const ts = trades(events);
    expect(new Set(ts.map((t) => t.trade_id)).size).toBe(ts.length);
    expect(ts.every((t) => t.ingest_ts === t.timestamp_ms)).toBe(true);
  });

  it('keeps prices positive, finite and realistic over 1M steps', () => {
    const sim = new MarketSimulator({ seed: 1234 });
    const start = new Map(DEFAULT_SYMBOLS.map((s) => [s.symbol, s.startPrice]));
    let minRatio = Infinity;
    let maxRatio = 0;
    for (const e of sim.take(1_000_000)) {
      let price: number;
      if (e.kind === 'trade') price = e.value.price;
      else if (e.kind === 'quote') price = e.value.bid;
      else if (e.kind === 'book') price = e.value.bids[e.value.bids.length - 1]!.price;
      else continue;
      if (!(price > 0 && Number.isFinite(price))) throw new Error(`bad price in ${JSON.stringify(e)}`);
      const ratio = price / start.get(e.value.symbol)!;
      if (ratio < minRatio) minRatio = ratio;
      if (ratio > maxRatio) maxRatio = ratio;
    }
    expect(minRatio).toBeGreaterThan(0.2);
    expect(maxRatio).toBeLessThan(5);
  });

  it('moves prices by >= 2 % within 5 minutes now and then (so price alerts fire), with default options', () => {
    const sim = new MarketSimulator();
    const windowMs = 5 * 60_000;
    const endMs = sim.options.startTimeMs + 3 * 3_600_000;
    // Baseline per symbol and aligned 5-minute window = its first trade, as the alert operator does.
    const baseline = new Map<string, { window: number; price: number; moved: boolean }>();
    let windows = 0;
    let alerting = 0;
    let maxMove = 0;
    while (sim.timeMs < endMs) {
      const e = sim.next();
      if (e.kind !== 'trade') continue;
      const t = e.value;
      const window = Math.floor(t.timestamp_ms / windowMs);
      let b = baseline.get(t.symbol);
      if (!b || b.window !== window) {
        b = { window, price: t.price, moved: false };
        baseline.set(t.symbol, b);
        windows++;
      }
      const move = Math.abs(t.price / b.price - 1);
      maxMove = Math.max(maxMove, move);
      if (move >= 0.02 && !b.moved) {
        b.moved = true;
        alerting++;
      }
    }
    expect(alerting).toBeGreaterThanOrEqual(1);
    expect(alerting / windows).toBeLessThan(0.2); // occasional, not constant
    expect(maxMove).toBeLessThan(0.3);
  });

  it('generates SYMnnnn instruments from a count', () => {
    const sim = new MarketSimulator({ symbols: 12, seed: 3 });
    expect(sim.symbols.map((s) => s.symbol)).toEqual(Array.from({ length: 12 }, (_, i) => `SYM${String(i + 1).padStart(4, '0')}`));
    for (const s of sim.symbols) {
      expect(s.startPrice).toBeGreaterThanOrEqual(10);
      expect(s.startPrice).toBeLessThanOrEqual(500);
      expect(s.sector).not.toBe('');
    }
    expect(new MarketSimulator({ symbols: 12, seed: 3 }).symbols).toEqual(sim.symbols);
  });

  it.each<[string, SimulatorOptions]>([
    ['seed', { seed: -1 }],
    ['tradesPerSecond', { tradesPerSecond: 0 }],
    ['bookLevels', { bookLevels: 19 }],
    ['bookLevels', { bookLevels: 20.5 }],
    ['badShare', { badShare: 1 }],
    ['duplicateShare', { duplicateShare: -0.1 }],
    ['jumpMin', { jumpMin: 0.2, jumpMax: 0.1 }],
    ['symbols', { symbols: 0 }],
    ['symbols', { symbols: [] }],
    ['symbols[0].symbol', { symbols: [{ symbol: 'bad symbol', startPrice: 1 }] }],
    ['symbols[1].symbol', { symbols: [{ symbol: 'A', startPrice: 1 }, { symbol: 'A', startPrice: 2 }] }],
    ['symbols[0].startPrice', { symbols: [{ symbol: 'A', startPrice: 0 }] }],
    ['statusMix', { statusMix: { FILLED: 0 } }],
    ['statusMix.FILLED', { statusMix: { FILLED: Number.NaN } }],
    ['statusMix.DONE', { statusMix: { DONE: 1 } as never }],
  ])('rejects a bad %s', (name, options) => {
    expect(() => new MarketSimulator(options)).toThrow(new RegExp(`SimulatorOptions\\.${name.replace(/[[\].]/g, '\\$&')}:`));
  });
});
