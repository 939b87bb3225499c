import { type Kafka, type ProducerBatch, type ProducerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decode } from '@tickflow/schemas';
import { MarketSimulator } from '../simulator/market-simulator';
import type { SimEvent } from '../simulator/sim-event';
import { MarketDataProducer, deterministicPartitioner, toKafkaMessage } from './market-data-producer';

const sim = new MarketSimulator({ seed: 11, bookEveryMs: 200, badShare: 0.2 });
const events = [...sim.take(400)];
const firstOf = <K extends SimEvent['kind']>(kind: K): Extract<SimEvent, { kind: K }> => events.find((e) => e.kind === kind) as Extract<SimEvent, { kind: K }>;

/** The event time a message carries (header `event-ts`). */
const ets = (m: { headers?: unknown }): string | undefined => (m.headers as Record<string, string> | undefined)?.['event-ts'];

describe('toKafkaMessage', () => {
  it('trades, quotes and books: keyed by symbol, event time (timestamp_ms) in the event-ts header, Avro that decodes back equal', () => {
    const trade = firstOf('trade');
    const [ti, tm] = toKafkaMessage(trade, 'avro');
    expect(ti).toBe(0);
    expect(tm.key).toBe(trade.value.symbol);
    expect(ets(tm)).toBe(String(trade.value.timestamp_ms));
    expect(decode('RawTrade', tm.value as Buffer)).toMatchObject({ ok: true, value: trade.value });

    const quote = firstOf('quote');
    const [qi, qm] = toKafkaMessage(quote, 'avro');
    expect([qi, qm.key, ets(qm)]).toEqual([1, quote.value.symbol, String(quote.value.timestamp_ms)]);
    expect(decode('Quote', qm.value as Buffer)).toMatchObject({ ok: true, value: quote.value });

    const book = firstOf('book');
    const [bi, bm] = toKafkaMessage(book, 'avro');
    expect([bi, bm.key, ets(bm)]).toEqual([2, book.value.symbol, String(book.value.timestamp_ms)]);
    expect(decode('BookSnapshot', bm.value as Buffer)).toMatchObject({ ok: true, value: book.value });
  });

  it('JSON format is JSON.stringify of the value', () => {
    const trade = firstOf('trade');
    expect((toKafkaMessage(trade, 'json')[1].value as Buffer).toString()).toBe(JSON.stringify(trade.value));
    const book = firstOf('book');
    expect((toKafkaMessage(book, 'json')[1].value as Buffer).toString()).toBe(JSON.stringify(book.value));
  });

  it('raw bytes go out unchanged in both formats; key and time read from them, else none / the previous time', () => {
    const bytes = Buffer.from('{"trade_id":"x","symbol":"AAPL","price":-3,"timestamp_ms":1704205800123}');
    for (const format of ['avro', 'json'] as const) {
      const [i, m] = toKafkaMessage({ kind: 'raw', topic: 'raw.trades', bytes }, format, 5);
      expect(i).toBe(0);
      expect(m).toEqual({ key: 'AAPL', value: bytes, headers: { 'event-ts': '1704205800123' } });
    }
    const garbage = Uint8Array.from([0, 1, 2, 0xff]);
    const [gi, gm] = toKafkaMessage({ kind: 'raw', topic: 'raw.orderbook', bytes: garbage }, 'avro', 42);
    expect(gi).toBe(2);
    expect(gm.key).toBeNull();
    expect(ets(gm)).toBe('42');
    expect(Buffer.compare(gm.value as Buffer, Buffer.from(garbage))).toBe(0);
    // A symbol that is not a ticker (too long, spaces) is no key.
    expect(toKafkaMessage({ kind: 'raw', topic: 'raw.trades', bytes: Buffer.from(`{"symbol":"${'A'.repeat(40)}"}`) }, 'avro', 1)[1].key).toBeNull();
    expect(toKafkaMessage({ kind: 'raw', topic: 'raw.trades', bytes: Buffer.from('{"symbol":"NOT A SYMBOL"}') }, 'avro', 1)[1].key).toBeNull();
  });

  it('raw hints win over what the bytes say', () => {
    const bytes = Buffer.from('{"symbol":"AAPL","timestamp_ms":1704205800007}');
    expect(toKafkaMessage({ kind: 'raw', topic: 'raw.marketdata', bytes, symbol: 'MSFT', tsMs: 1704205800009 }, 'avro')[1]).toMatchObject({ key: 'MSFT', headers: { 'event-ts': '1704205800009' } });
    expect(toKafkaMessage({ kind: 'raw', topic: 'raw.marketdata', bytes, symbol: null }, 'avro')[1]).toMatchObject({ key: null, headers: { 'event-ts': '1704205800007' } });
  });

  it('an implausible timestamp_ms (negative, absurd, fractional) gives way to the previous record’s time', () => {
    const trade = firstOf('trade');
    for (const ts of [-5, 0, 1e15, 1704205800000.5]) {
      // JSON: Avro itself refuses a fractional long.
      const m = toKafkaMessage({ kind: 'trade', value: { ...trade.value, timestamp_ms: ts } }, 'json', 1704205800999)[1];
      expect(ets(m)).toBe('1704205800999');
    }
    const raw = toKafkaMessage({ kind: 'raw', topic: 'raw.trades', bytes: Buffer.from('{"timestamp_ms":99999999999999999}') }, 'json', 1704205800999)[1];
    expect(ets(raw)).toBe('1704205800999');
    expect(ets(toKafkaMessage({ kind: 'raw', topic: 'raw.trades', bytes: Buffer.from('x'), tsMs: -1 }, 'json', 1704205800111)[1])).toBe('1704205800111');
  });

  it('every simulated event, malformed ones included, becomes a message', () => {
    let prev: number | undefined;
    for (const e of events) {
      const [, m] = toKafkaMessage(e, 'avro', prev);
      expect(Number.isSafeInteger(Number(ets(m)))).toBe(true);
      prev = Number(ets(m));
    }
  });
});

interface FakeCall {
  batch: ProducerBatch;
  resolve(): void;
  reject(err: unknown): void;
}

/** A kafkajs stand-in that records producer config and holds every sendBatch until told. */
function fakeKafka(): { kafka: Kafka; config: ProducerConfig[]; calls: FakeCall[]; disconnected: () => boolean } {
  const config: ProducerConfig[] = [];
  const calls: FakeCall[] = [];
  let disconnected = false;
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => {
      disconnected = true;
      return Promise.resolve();
    },
    sendBatch: (batch: ProducerBatch) =>
      new Promise((resolve, reject) => {
        calls.push({ batch, resolve: () => resolve([]), reject });
      }),
  };
  const kafka = {
    producer: (c: ProducerConfig) => {
      config.push(c);
      return producer;
    },
  } as unknown as Kafka;
  return { kafka, config, calls, disconnected: () => disconnected };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('MarketDataProducer', () => {
  it('configures an idempotent, ordered producer with the deterministic murmur2 partitioner', () => {
    const f = fakeKafka();
    const p = new MarketDataProducer({ kafka: f.kafka, topicPrefix: 't1.' });
    expect(f.config[0]).toMatchObject({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: deterministicPartitioner });
    expect(p.topics).toEqual(['t1.raw.trades', 't1.raw.marketdata', 't1.raw.orderbook']);
  });

  it('sends one sendBatch per call, one entry per topic, acks -1, in event order', async () => {
    const f = fakeKafka();
    const p = new MarketDataProducer({ kafka: f.kafka });
    await p.connect();
    await p.send(events.slice(0, 100));
    expect(f.calls).toHaveLength(1);
    const batch = f.calls[0]!.batch;
    expect(batch.acks).toBe(-1);
    const topics = batch.topicMessages!.map((t) => t.topic);
    expect(new Set(topics).size).toBe(topics.length);
    const trades = batch.topicMessages!.find((t) => t.topic === 'raw.trades')!.messages;
    const expected = events.slice(0, 100).filter((e) => e.kind === 'trade' || (e.kind === 'raw' && e.topic === 'raw.trades'));
    expect(trades).toHaveLength(expected.length);
    expect(trades.map((m) => m.key)).toEqual(expected.map((e) => (e.kind === 'trade' ? e.value.symbol : toKafkaMessage(e, 'avro')[1].key)));
    f.calls[0]!.resolve();
    await p.flush();
    expect(p.sentTotal).toBe(100);
    const stats = p.stats();
    expect(stats.sent['raw.trades'] + stats.sent['raw.marketdata'] + stats.sent['raw.orderbook']).toBe(100);
    await p.close();
    expect(f.disconnected()).toBe(true);
  });

  it('keeps at most maxInFlight batches outstanding: send waits for an acknowledgement', async () => {
    const f = fakeKafka();
    const p = new MarketDataProducer({ kafka: f.kafka, maxInFlight: 2 });
    await p.connect();
    await p.send(events.slice(0, 10));
    await p.send(events.slice(10, 20));
    let third = false;
    const sending = p.send(events.slice(20, 30)).then(() => (third = true));
    await tick();
    expect(f.calls).toHaveLength(2);
    expect(third).toBe(false);
    f.calls[1]!.resolve();
    await sending;
    expect(f.calls).toHaveLength(3);
    let flushed = false;
    const flushing = p.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    f.calls[0]!.resolve();
    f.calls[2]!.resolve();
    await flushing;
    expect(p.sentTotal).toBe(30);
  });

  it('splits a large send into batches of at most maxBatchBytes', async () => {
    const f = fakeKafka();
    const p = new MarketDataProducer({ kafka: f.kafka, maxBatchBytes: 2_000, maxInFlight: 100 });
    await p.connect();
    await p.send(events);
    expect(f.calls.length).toBeGreaterThan(5);
    const sent = f.calls.flatMap((c) => c.batch.topicMessages!.flatMap((t) => t.messages));
    expect(sent).toHaveLength(events.length);
    for (const c of f.calls) c.resolve();
    await p.flush();
  });

  it('a failed batch fails the next send and flush, and close still disconnects', async () => {
    const f = fakeKafka();
    const p = new MarketDataProducer({ kafka: f.kafka, maxInFlight: 4 });
    await p.connect();
    await p.send(events.slice(0, 5));
    f.calls[0]!.reject(new Error('broker says no'));
    await tick();
    await expect(p.send(events.slice(5, 10))).rejects.toThrow('broker says no');
    expect(f.calls).toHaveLength(1);
    await expect(p.flush()).rejects.toThrow('broker says no');
    await expect(p.close()).rejects.toThrow('broker says no');
    expect(f.disconnected()).toBe(true);
  });

  it('refuses to send before connect and after close', async () => {
    const f = fakeKafka();
    const p = new MarketDataProducer({ kafka: f.kafka });
    await expect(p.send(events.slice(0, 1))).rejects.toThrow(/connect/);
    await p.connect();
    await p.close();
    await expect(p.send(events.slice(0, 1))).rejects.toThrow(/closed/);
  });

  it('rejects bad options', () => {
    const f = fakeKafka();
    expect(() => new MarketDataProducer({ kafka: f.kafka, maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => new MarketDataProducer({ kafka: f.kafka, format: 'xml' as 'json' })).toThrow(/format/);
  });
});

describe('deterministicPartitioner', () => {
  it('places keyed records by key and unkeyed ones by a hash of their bytes, the same way every time', () => {
    const partitionMetadata = Array.from({ length: 8 }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const place = (key: string | null, value: string) => deterministicPartitioner()({ topic: 't', partitionMetadata, message: { key, value: Buffer.from(value) } });
    expect(place('AAPL', 'x')).toBe(place('AAPL', 'y'));
    const unkeyed = Array.from({ length: 50 }, (_, i) => place(null, `garbage-${i}`));
    expect(Array.from({ length: 50 }, (_, i) => place(null, `garbage-${i}`))).toEqual(unkeyed);
    expect(new Set(unkeyed).size).toBeGreaterThan(3);
  });
});

