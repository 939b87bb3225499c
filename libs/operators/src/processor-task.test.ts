import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode, type RawTrade } from '@tickflow/schemas';
import { ProcessorTask, type ProcessorTaskOptions } from './processor-task';
import { MemorySink, sampleBook, sampleQuote, sampleTrade } from './test-fixtures';
import { TOPICS } from './topics';

const T0 = 1_700_000_000_000;
const MIN0 = T0 - (T0 % 900_000); // aligned to 15 minutes
const apple = { symbol: 'AAPL', company_name: 'Apple Inc.', sector: 'Technology', industry: 'Hardware', market_cap_tier: 'MEGA', exchange: 'NASDAQ', updated_at: 0 };
const msft = { ...apple, symbol: 'MSFT', company_name: 'Microsoft' };

function newTask(opts: Partial<ProcessorTaskOptions> = {}) {
  const sink = new MemorySink();
  const task = new ProcessorTask(sink, { reference: [apple, msft], clock: () => T0 + 3_600_000, ...opts });
  return { sink, task };
}

let offset = 0;
function pos(topic: string = TOPICS.rawTrades) {
  return { topic, partition: 0, offset: offset++ };
}

function line(value: object): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

function trade(i: number, tsMs: number, price: number, extra: Partial<RawTrade> = {}): RawTrade {
  return sampleTrade({ trade_id: `T${i}`, order_id: `O${i}`, timestamp_ms: tsMs, price, quantity: 10, ...extra });
}

describe('ProcessorTask routing and DLQ', () => {
  it('routes by status and enriches fills only', () => {
    const { sink, task } = newTask();
    for (const [i, status] of ['NEW', 'FILLED', 'PARTIALLY_FILLED', 'CANCELLED', 'REJECTED'].entries()) {
      task.processRaw(TOPICS.rawTrades, line(trade(i, T0 + i, 100, { status })), pos());
    }
    expect(sink.on(TOPICS.tradesNew)).toHaveLength(1);
    expect(sink.on(TOPICS.tradesFilled)).toHaveLength(2);
    expect(sink.on(TOPICS.tradesCancelled)).toHaveLength(1);
    expect(sink.on(TOPICS.tradesRejected)).toHaveLength(1);
    expect(sink.on(TOPICS.enrichedTrades).map((t) => t['status'])).toEqual(['FILLED', 'PARTIALLY_FILLED']);
    expect(sink.on(TOPICS.enrichedTrades)[0]).toMatchObject({ sector: 'Technology', company_name: 'Apple Inc.' });
    expect(sink.records.find((r) => r.topic === TOPICS.tradesNew)?.key).toBe('O0');
  });

  it('sends each kind of bad input to its DLQ with its error type, source coordinates and original bytes, and keeps going', () => {
    const { sink, task } = newTask();
    const bad: Array<[Uint8Array, string, string]> = [
      [Buffer.from('not-valid-json{'), TOPICS.dlqDeserialization, 'DESERIALIZATION_ERROR'],
      [Buffer.from([0xc3, 0x01, 1, 2, 3]), TOPICS.dlqDeserialization, 'DESERIALIZATION_ERROR'],
      [Buffer.from(crypto.getRandomValues(new Uint8Array(64))), TOPICS.dlqDeserialization, 'DESERIALIZATION_ERROR'],
      [line({ ...trade(1, T0, 100), price: 'abc' }), TOPICS.dlqValidation, 'SCHEMA_VIOLATION'],
      [line(trade(2, T0, -5)), TOPICS.dlqValidation, 'BUSINESS_RULE_VIOLATION'],
      [line(trade(3, T0, 100, { symbol: 'not a symbol' })), TOPICS.dlqValidation, 'BUSINESS_RULE_VIOLATION'],
      [line(trade(4, T0, 100, { status: 'EXPLODED' })), TOPICS.dlqUnroutable, 'UNROUTABLE'],
      [line(trade(5, T0 + 10 * 86_400_000, 100)), TOPICS.dlqValidation, 'BUSINESS_RULE_VIOLATION'],
    ];
    for (const [bytes] of bad) task.processRaw(TOPICS.rawTrades, bytes, { topic: TOPICS.rawTrades, partition: 3, offset: 77 });
    task.processRaw(TOPICS.rawTrades, line(trade(6, T0, 100)), pos());
    const dlq = sink.records.filter((r) => r.topic.startsWith('dlq.'));
    expect(dlq.map((r) => [r.topic, r.value['error_type']])).toEqual(bad.map(([, topic, type]) => [topic, type]));
    for (const [i, r] of dlq.entries()) {
      expect(r.value).toMatchObject({ source_topic: TOPICS.rawTrades, source_partition: 3, source_offset: '77' });
      expect(Buffer.from(r.value['original'] as Uint8Array).equals(Buffer.from(bad[i]![0]))).toBe(true);
      expect(String(r.value['error_message']).length).toBeGreaterThan(5);
    }
    expect(sink.on(TOPICS.tradesFilled)).toHaveLength(1);
  });

  it('drops a duplicate trade id into the DLQ as DUPLICATE', () => {
    const { sink, task } = newTask();
    task.processRaw(TOPICS.rawTrades, line(trade(1, T0, 100)), pos());
    task.processRaw(TOPICS.rawTrades, line(trade(1, T0, 100)), pos());
    expect(sink.on(TOPICS.tradesFilled)).toHaveLength(1);
    expect(sink.on(TOPICS.dlqValidation).map((r) => r['error_type'])).toEqual(['DUPLICATE']);
  });

  it('turns an exception inside an operator into a processing-error DLQ record', () => {
    const { sink, task } = newTask();
    task.processTrade({ ...trade(1, T0, 100), symbol: undefined as unknown as string }, pos());
    task.processTrade(trade(2, T0, 100), pos());
    expect(sink.on(TOPICS.dlqProcessingErrors).map((r) => r['error_type'])).toEqual(['PROCESSING_ERROR']);
    expect(sink.on(TOPICS.tradesFilled)).toHaveLength(1);
  });

  it('accepts Avro single-object input like JSON', () => {
    const { sink, task } = newTask();
    task.processRaw(TOPICS.rawTrades, encode('RawTrade', trade(1, T0, 100)), pos());
    expect(sink.on(TOPICS.tradesFilled)).toHaveLength(1);
  });
});

describe('ProcessorTask windows', () => {
  it('dates an undecodable record by the event time its transport carried, else by the last event time seen', () => {
    const { sink, task } = newTask();
    task.processRaw(TOPICS.rawTrades, line(trade(1, T0 + 5_000, 100)), pos());
    task.processRaw(TOPICS.rawOrderBook, new Uint8Array(0), { ...pos(TOPICS.rawOrderBook), eventTsMs: T0 + 42 });
    task.processRaw(TOPICS.rawOrderBook, new Uint8Array(0), pos(TOPICS.rawOrderBook));
    expect(sink.on(TOPICS.dlqDeserialization).map((d) => d['failed_at'])).toEqual([T0 + 42, T0 + 5_000]);
  });

  it('cuts an oversized original in its DLQ record and says so, so the record still fits the DLQ topic', () => {
    const { sink, task } = newTask({ maxDlqOriginalBytes: 1000 });
    const huge = line(trade(9, T0, 100, { symbol: 'A'.repeat(5000) }));
    task.processRaw(TOPICS.rawTrades, huge, pos());
    const [d] = sink.on(TOPICS.dlqValidation);
    expect(d).toMatchObject({ error_type: 'BUSINESS_RULE_VIOLATION' });
    expect(Buffer.from(d!['original'] as Uint8Array)).toEqual(Buffer.from(huge).subarray(0, 1000));
    expect(d!['error_message']).toContain(`first 1000 of ${huge.byteLength} bytes kept`);
    expect((d!['error_message'] as string).length).toBeLessThan(2200);
  });

  it('sends provisional bars (throttled per symbol, event time) to the live topic only, never to the final bars', () => {
    const { sink, task } = newTask({ provisionalBarIntervalMs: 250 });
    const s = MIN0;
    task.processTrade(trade(1, s + 100, 10), pos());
    task.processTrade(trade(2, s + 200, 12), pos()); // within 250 ms of the last update: throttled
    task.processTrade(trade(3, s + 400, 9), pos());
    const live = sink.on(TOPICS.liveBars);
    expect(live.map((b) => [b['window_start'], b['close'], b['count'], b['is_final']])).toEqual([
      [s, 10, 1, false],
      [s, 9, 3, false],
    ]);
    expect(sink.on(TOPICS.bars1s)).toHaveLength(0);
    task.endOfInput();
    expect(sink.on(TOPICS.bars1s).every((b) => b['is_final'] === true)).toBe(true);
  });

  it('closes a 1 s bar when the watermark (max − 2 s) passes its end; no bar for a quiet second', () => {
    const { sink, task } = newTask();
    const s = MIN0;
    task.processTrade(trade(1, s + 100, 10), pos());
    task.processTrade(trade(2, s + 900, 12), pos());
    task.processTrade(trade(3, s + 500, 9), pos()); // out of order within the second
    // second s+1000 is quiet; s+2000 has a trade; then move time to s+3000 (watermark s+1000 → first bar fires)
    task.processTrade(trade(4, s + 2500, 11), pos());
    expect(sink.on(TOPICS.bars1s)).toHaveLength(0);
    task.processTrade(trade(5, s + 3000, 11), pos());
    const bars = sink.on(TOPICS.bars1s);
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({ window_start: s, window_end: s + 1000, open: 10, high: 12, low: 9, close: 12, volume: 30, count: 3, is_final: true, version: 1 });
    expect(bars[0]!['vwap']).toBeCloseTo((10 + 12 + 9) / 3, 12);
    task.endOfInput();
    expect(sink.on(TOPICS.bars1s).map((b) => b['window_start'])).toEqual([s, s + 2000, s + 3000]);
    const signals = sink.on(TOPICS.signals);
    expect(signals.map((x) => x['window_start'])).toEqual([s, s + 2000, s + 3000]);
    expect(signals[0]).toMatchObject({ ema12: null, rsi14: null, macd: null, bb_middle: null, vwap_session: expect.any(Number) });
  });

  it('fires 1m/5m/15m aggregates per symbol and per sector', () => {
    const { sink, task } = newTask();
    task.processTrade(trade(1, MIN0 + 1000, 100, { side: 'BUY' }), pos());
    task.processTrade(trade(2, MIN0 + 2000, 101, { side: 'SELL', symbol: 'MSFT' }), pos());
    task.endOfInput();
    const aggs = sink.on(TOPICS.tradeAggregates);
    const keyOf = (a: Record<string, unknown>) => `${a['scope']}:${a['symbol']}:${a['window_size']}`;
    expect(aggs.map(keyOf).sort()).toEqual(
      ['symbol:AAPL', 'symbol:MSFT', 'sector:Technology'].flatMap((k) => ['1m', '5m', '15m'].map((w) => `${k}:${w}`)).sort(),
    );
    const sector1m = aggs.find((a) => keyOf(a) === 'sector:Technology:1m')!;
    expect(sector1m).toMatchObject({ trade_count: 2, buy_count: 1, sell_count: 1, buy_sell_ratio: 1, open_price: 100, close_price: 101, window_start: MIN0, window_end: MIN0 + 60_000 });
  });

  it('re-emits a corrected aggregate for a late trade within the allowed lateness, and DLQs one beyond it', () => {
    const { sink, task } = newTask();
    task.processTrade(trade(1, MIN0 + 1000, 100), pos());
    task.processTrade(trade(2, MIN0 + 66_000, 100), pos()); // agg watermark 61 s → 1m window [0, 60 s) fires
    const first = sink.on(TOPICS.tradeAggregates).filter((a) => a['window_size'] === '1m' && a['scope'] === 'symbol');
    expect(first.map((a) => [a['window_start'], a['version'], a['trade_count']])).toEqual([[MIN0, 1, 1]]);

    task.processTrade(trade(3, MIN0 + 59_000, 104), pos()); // late, within 30 s lateness
    const corrected = sink.on(TOPICS.tradeAggregates).filter((a) => a['window_size'] === '1m' && a['scope'] === 'symbol');
    expect(corrected.at(-1)).toMatchObject({ window_start: MIN0, version: 2, trade_count: 2, close_price: 104 });

    task.processTrade(trade(4, MIN0 + 96_000, 100), pos()); // watermark 91 s: [0, 60 s) + 30 s lateness passed
    task.processTrade(trade(5, MIN0 + 30_000, 100), pos()); // too late for 1m and for the 1 s bar
    const late = sink.on(TOPICS.dlqLateEvents);
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ error_type: 'LATE_EVENT', attempted_id: 'T5' });
    expect(String(late[0]!['error_message'])).toContain('1m');
    expect(task.counters.lateEvents).toBe(1);
  });

  it('a late trade opening a bar window behind newer bars gets its bar but does not move the indicators back', () => {
    const { sink, task } = newTask();
    task.processTrade(trade(1, MIN0 + 500, 100), pos());
    task.processTrade(trade(2, MIN0 + 5500, 101), pos());
    task.processTrade(trade(3, MIN0 + 9000, 102), pos()); // watermark 7 s: bars [0, 1 s) and [5 s, 6 s) closed
    task.processTrade(trade(4, MIN0 + 2500, 99), pos()); // second [2 s, 3 s) never had a window; within lateness
    task.endOfInput();
    const bars = sink.on(TOPICS.bars1s).map((b) => [b['window_start'], b['version']]);
    expect(bars).toEqual([[MIN0, 1], [MIN0 + 5000, 1], [MIN0 + 2000, 1], [MIN0 + 9000, 1]]);
    expect(sink.on(TOPICS.signals).map((x) => x['window_start'])).toEqual([MIN0, MIN0 + 5000, MIN0 + 9000]);
    expect(sink.on(TOPICS.dlqProcessingErrors)).toEqual([]);
  });

  it('takes spread and imbalance from the latest quote and computes order-book metrics', () => {
    const { sink, task } = newTask();
    task.processRaw(TOPICS.rawMarketData, line(sampleQuote({ timestamp_ms: MIN0, bid: 100, ask: 100.5, bid_size: 3, ask_size: 1 })), pos(TOPICS.rawMarketData));
    task.processRaw(TOPICS.rawOrderBook, line(sampleBook({ timestamp_ms: MIN0 })), pos(TOPICS.rawOrderBook));
    task.processTrade(trade(1, MIN0 + 10, 100.2), pos());
    task.endOfInput();
    expect(sink.on(TOPICS.signals)[0]).toMatchObject({ spread: 0.5, imbalance: 0.5 });
    expect(sink.on(TOPICS.orderBookMetrics)[0]).toMatchObject({ symbol: 'AAPL', bid_depth_5: 800 });
  });

  it('fires price alerts from trades and quotes', () => {
    const { sink, task } = newTask();
    task.processTrade(trade(1, MIN0, 100), pos());
    task.processRaw(TOPICS.rawMarketData, line(sampleQuote({ timestamp_ms: MIN0 + 1000, bid: 105.9, ask: 106.1 })), pos(TOPICS.rawMarketData));
    const alerts = sink.on(TOPICS.priceAlerts);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'HIGH', direction: 'UP', trigger: 'QUOTE', baseline_price: 100 });
  });
});

describe('ProcessorTask status', () => {
  it('emits a ta.status.v1 heartbeat with watermark, lag, last event time, state size and keys', () => {
    const { sink, task } = newTask();
    task.processTrade(trade(1, MIN0 + 10_000, 100), pos());
    task.processTrade(trade(2, MIN0 + 12_000, 100, { symbol: 'MSFT' }), pos());
    const stateBytes = task.snapshot().byteLength;
    const now = MIN0 + 20_000;
    const hb = task.heartbeat(now);
    expect(hb).toMatchObject({ task_id: 'task-0', watermark_ms: MIN0 + 10_000, watermark_lag_ms: 10_000, last_event_ts: MIN0 + 12_000, state_bytes: stateBytes, status: 'ok', heartbeat: true });
    expect(sink.on(TOPICS.status)).toEqual([hb]);
  });

  it('advances an idle watermark by processing time when idleness is on', () => {
    let now = MIN0;
    const { sink, task } = newTask({ idleTimeoutMs: 1000, clock: () => now });
    task.processTrade(trade(1, MIN0 + 100, 100), pos());
    task.onProcessingTime(now);
    now += 5000;
    task.onProcessingTime(now);
    expect(sink.on(TOPICS.bars1s).map((b) => b['window_start'])).toEqual([MIN0]);
  });
});

describe('ProcessorTask determinism', () => {
  /** Deterministic fields only: computed_at is wall clock. */
  function normalized(sink: MemorySink): string[] {
    return sink.records.map((r) => JSON.stringify({ t: r.topic, k: r.key, v: { ...r.value, computed_at: 0 } }, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  }

  const arbTrades = fc.array(
    fc.record({ dt: fc.integer({ min: -3000, max: 4000 }), price: fc.double({ min: 50, max: 150, noNaN: true }), sym: fc.constantFrom('AAPL', 'MSFT', 'ZZZ'), buy: fc.boolean() }),
    { minLength: 1, maxLength: 300 },
  );

  it('snapshot → restore into a fresh task at any point gives the output of an uninterrupted run', () => {
    fc.assert(
      fc.property(arbTrades, fc.nat(), (events, cutSeed) => {
        let ts = MIN0;
        const trades = events.map((e, i) => {
          ts = Math.max(MIN0, ts + e.dt);
          return trade(i, ts, Math.round(e.price * 100) / 100, { symbol: e.sym, side: e.buy ? 'BUY' : 'SELL' });
        });
        const cut = cutSeed % (trades.length + 1);
        const whole = newTask();
        trades.forEach((t, i) => whole.task.processTrade(t, { topic: TOPICS.rawTrades, partition: 0, offset: i }));
        whole.task.endOfInput();

        const first = newTask();
        trades.slice(0, cut).forEach((t, i) => first.task.processTrade(t, { topic: TOPICS.rawTrades, partition: 0, offset: i }));
        const bytes = first.task.snapshot();
        const second = newTask();
        second.task.restore(bytes);
        trades.slice(cut).forEach((t, i) => second.task.processTrade(t, { topic: TOPICS.rawTrades, partition: 0, offset: cut + i }));
        second.task.endOfInput();
        const resumed = [...normalized(first.sink), ...normalized(second.sink)];
        expect(resumed).toEqual(normalized(whole.sink));
        expect(second.task.counters).toEqual(whole.task.counters);
      }),
      { numRuns: 150 },
    );
  });

  it('snapshots are deterministic bytes', () => {
    const a = newTask();
    const b = newTask();
    for (let i = 0; i < 50; i++) {
      const t = trade(i, MIN0 + i * 137, 100 + (i % 7));
      a.task.processTrade(t, { topic: TOPICS.rawTrades, partition: 0, offset: i });
      b.task.processTrade(t, { topic: TOPICS.rawTrades, partition: 0, offset: i });
    }
    expect(Buffer.from(a.task.snapshot()).equals(Buffer.from(b.task.snapshot()))).toBe(true);
  });
});
