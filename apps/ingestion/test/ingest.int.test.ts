import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Admin, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, kafkaBrokers, startTestServices } from '@tickflow/kafka';
import { decode, decodeRaw } from '@tickflow/schemas';
import { ingestCommand } from '../src/cli';
import { runIngest } from '../src/kafka/ingest';
import { RAW_TOPICS } from '../src/kafka/market-data-producer';

// Real broker. The suite creates its own topic set (`ensureTopics` with a unique `topicPrefix`,
// which the processor understands too, 4 raw partitions) so no one else writes there and it never
// disturbs whoever uses the real raw topics; each scenario records the high watermarks before it
// runs and reads back only the records after them, read_committed, with a fresh consumer group.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TRADES_FILE = join(REPO_ROOT, '..', 'shared', 'data', 'trades-binance-spot-2024-08-08.ndjson');
const PREFIX = `test-ingest-${process.pid}-${Date.now()}.`;
const TOPICS = RAW_TOPICS.map((t) => PREFIX + t);

let brokers = kafkaBrokers();
let kafka = createKafka({ clientId: 'ingest-int-test', brokers });
let admin: Admin;
const groups: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tickflow-ingest-int-'));
const lines: string[] = [];
let firstLines = '';

interface Received {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Retries `fn` on kafkajs's retriable errors (a broker that just started can answer NOT_LEADER for a while). */
async function retrying<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** High watermark of every raw partition, by `topic:partition`. */
async function watermarks(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const topic of TOPICS) for (const p of await retrying(() => admin.fetchTopicOffsets(topic))) out.set(`${topic}:${p.partition}`, Number(p.high));
  return out;
}

/** The raw records written since `before` (up to the current high watermarks), read_committed with a fresh consumer group. */
async function readSince(before: Map<string, number>): Promise<Received[]> {
  const after = await watermarks();
  let expected = 0;
  for (const [tp, high] of after) expected += high - (before.get(tp) ?? 0);
  const groupId = `${PREFIX}reader-${groups.length}`;
  groups.push(groupId);
  const consumer = kafka.consumer({ groupId, readUncommitted: false, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const out: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: TOPICS, fromBeginning: true });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`read ${out.length} of ${expected} records`)), 20_000);
      const check = (): void => {
        if (out.length < expected) return;
        clearTimeout(timer);
        done();
      };
      check();
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const offset = Number(message.offset);
            if (offset < (before.get(`${topic}:${partition}`) ?? 0) || offset >= (after.get(`${topic}:${partition}`) ?? 0)) return;
            out.push({ topic, partition, message });
            check();
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

beforeAll(async () => {
  // `npm test` starts the services and sets KAFKA_BROKERS; run alone, start them here (idempotent).
  if (process.env.KAFKA_BROKERS === undefined) {
    brokers = (await startTestServices()).kafkaBrokers;
    kafka = createKafka({ clientId: 'ingest-int-test', brokers });
  }
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { topicPrefix: PREFIX, rawPartitions: 4 });
  const rl = createInterface({ input: createReadStream(TRADES_FILE), crlfDelay: Infinity });
  for await (const line of rl) {
    lines.push(line);
    if (lines.length === 2000) break;
  }
  rl.close();
  firstLines = join(dir, 'trades-2000.ndjson');
  writeFileSync(firstLines, lines.join('\n') + '\n');
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!admin) return;
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(PREFIX));
  await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
});

describe('ingestion → real Kafka', () => {
  it('replays 2,000 recorded trades as Avro: all arrive, decode equal to the lines, one partition per symbol, event-ts header = timestamp_ms', async () => {
    const prefix = PREFIX;
    const before = await watermarks();
    const summary = await runIngest({ mode: 'replay', kafka, files: { trades: firstLines }, topicPrefix: prefix });
    expect(summary.sent).toEqual({ 'raw.trades': 2000, 'raw.marketdata': 0, 'raw.orderbook': 0 });

    const got = await readSince(before);
    expect(got).toHaveLength(2000);
    expect(new Set(got.map((r) => r.topic))).toEqual(new Set([`${prefix}raw.trades`]));

    const byId = new Map(lines.map((l) => [(JSON.parse(l) as { trade_id: string }).trade_id, JSON.parse(l) as Record<string, unknown>]));
    const partitionsBySymbol = new Map<string, Set<number>>();
    const ids = new Set<string>();
    for (const r of got) {
      const decoded = decode('RawTrade', r.message.value);
      if (!decoded.ok) throw decoded.error;
      const t = decoded.value;
      ids.add(t.trade_id);
      const original = byId.get(t.trade_id);
      expect(original, t.trade_id).toBeDefined();
      for (const [field, value] of Object.entries(original!)) expect((t as unknown as Record<string, unknown>)[field], `${t.trade_id}.${field}`).toStrictEqual(value);
      expect(r.message.key?.toString()).toBe(t.symbol);
      expect(String(r.message.headers?.['event-ts'])).toBe(String(t.timestamp_ms));
      if (!partitionsBySymbol.has(t.symbol)) partitionsBySymbol.set(t.symbol, new Set());
      partitionsBySymbol.get(t.symbol)!.add(r.partition);
    }
    expect(ids.size).toBe(2000);
    expect([...partitionsBySymbol.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(partitionsBySymbol.get('BTCUSDT')!.size).toBe(1);
    expect(partitionsBySymbol.get('ETHUSDT')!.size).toBe(1);

    // Within a partition, records keep the file's order.
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const sent = lines.filter((l) => l.includes(`"symbol": "${symbol}"`)).map((l) => (JSON.parse(l) as { trade_id: string }).trade_id);
      const arrived = got
        .filter((r) => r.message.key?.toString() === symbol)
        .sort((a, b) => Number(a.message.offset) - Number(b.message.offset))
        .map((r) => (decode('RawTrade', r.message.value) as { value: { trade_id: string } }).value.trade_id);
      expect(arrived).toEqual(sent);
    }
  });

  it('JSON mode sends the original line bytes', async () => {
    const before = await watermarks();
    const summary = await runIngest({ mode: 'replay', kafka, files: { trades: firstLines }, topicPrefix: PREFIX, format: 'json' });
    expect(summary.total).toBe(2000);
    const got = await readSince(before);
    expect(got).toHaveLength(2000);
    expect(got.map((r) => r.message.value!.toString()).sort()).toEqual([...lines].sort());
    for (const r of got) {
      const line = JSON.parse(r.message.value!.toString()) as { symbol: string; timestamp_ms: number };
      expect(r.message.key?.toString()).toBe(line.symbol);
      expect(String(r.message.headers?.['event-ts'])).toBe(String(line.timestamp_ms));
    }
  });

  it('sends lines that do not decode unchanged (Avro mode), keyed by their symbol when they have one', async () => {
    const before = await watermarks();
    const good = lines.slice(0, 3);
    const garbage = ['this is not json', '{"trade_id":"bad-1","symbol":"BTCUSDT","price":-5,"timestamp_ms":1723161255342}', '{"symbol": "ETHUSDT", "price": 1', '\u0001\u0002 binary-ish'];
    const file = join(dir, 'garbage.ndjson');
    writeFileSync(file, [good[0], garbage[0], good[1], garbage[1], garbage[2], good[2], garbage[3]].join('\n') + '\n');
    const summary = await runIngest({ mode: 'replay', kafka, files: { trades: file }, topicPrefix: PREFIX });
    expect(summary.total).toBe(7);

    const got = await readSince(before);
    expect(got).toHaveLength(7);
    const raw = got.filter((r) => !decode('RawTrade', r.message.value).ok);
    expect(raw.map((r) => r.message.value!.toString()).sort()).toEqual([...garbage].sort());
    for (const r of raw) expect(decodeRaw('RawTrade', r.message.value).ok).toBe(false);
    const keyOf = (text: string): string | undefined => raw.find((r) => r.message.value!.toString() === text)?.message.key?.toString();
    expect(keyOf(garbage[0]!)).toBeUndefined();
    expect(keyOf(garbage[1]!)).toBe('BTCUSDT');
    expect(keyOf(garbage[2]!)).toBe('ETHUSDT');
    // A keyed bad record lands with its symbol's valid ones.
    const btcPartition = got.find((r) => r.message.key?.toString() === 'BTCUSDT' && decode('RawTrade', r.message.value).ok)!.partition;
    expect(raw.find((r) => r.message.key?.toString() === 'BTCUSDT')!.partition).toBe(btcPartition);
  });

  it('`tickflow ingest simulate --count 500` sends 500 trades with their quotes and books', async () => {
    const prefix = PREFIX;
    const before = await watermarks();
    const out: string[] = [];
    const err: string[] = [];
    const code = await ingestCommand(['simulate', '--count', '500', '--seed', '7', '--symbols', '5', '--bad-share', '0.02', '--topic-prefix', prefix, '--brokers', brokers.join(',')], {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      env: {},
      progress: false,
    });
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^sent [\d,]+ records in [\d.]+ s .*seed 7\n {2}raw\.trades/);

    const got = await readSince(before);
    const on = (t: string): Received[] => got.filter((r) => r.topic === prefix + t);
    const trades = on('raw.trades').filter((r) => decode('RawTrade', r.message.value).ok);
    const quotes = on('raw.marketdata').filter((r) => decode('Quote', r.message.value).ok);
    const books = on('raw.orderbook').filter((r) => decode('BookSnapshot', r.message.value).ok);
    expect(trades).toHaveLength(500);
    expect(quotes.length).toBeGreaterThan(700);
    expect(books.length).toBeGreaterThan(0);
    const malformed = got.length - trades.length - quotes.length - books.length;
    expect(malformed).toBeGreaterThan(0);
    expect(malformed).toBeLessThan(got.length * 0.05);
    // Live event time: the simulator starts at the wall clock.
    const firstTs = Number(String(trades[0]!.message.headers?.['event-ts']));
    expect(Math.abs(firstTs - Date.now())).toBeLessThan(3_600_000);
    // One partition per symbol across the three co-partitioned topics.
    const partitions = new Map<string, Set<number>>();
    for (const r of [...trades, ...quotes, ...books]) {
      const key = r.message.key!.toString();
      if (!partitions.has(key)) partitions.set(key, new Set());
      partitions.get(key)!.add(r.partition);
    }
    expect(partitions.size).toBe(5);
    for (const set of partitions.values()) expect(set.size).toBe(1);
  });
});
