// Issue 4 item 6, "a replay lands the same rows as the output topics": the recorded tape → the real
// broker → `tickflow process` (child) → output topics → `tickflow store` (child, its own group and
// its own ClickHouse) → tables. Every stored table, read under FINAL, must equal the committed
// (read_committed) records of its topic, column by column, with the expected rows built here from
// the decoded topic records — never through the row mappers, which would test the code with itself:
// a field `x_ms` is the column `x`, timestamps are compared as epoch ms (`toUnixTimestamp64Milli`),
// floats, nulls and booleans exactly. Without FINAL no row is there twice.
//
// The tape alone yields no correction, no alert and no order-book metric (it has no books), so a few
// events are appended after it, through the same raw topics: two late ETHUSDT trades inside windows
// that already fired (→ bars and 1m/5m aggregates re-emitted with version 2 and 3), a BTCUSDT price
// spike and a quote 61 s later (→ alerts triggered by a trade and by a quote) and five book snapshots
// (one-sided, crossed, two in the same millisecond). Every stored table then has rows to compare.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { TOPICS, type TopicName } from '@tickflow/operators';
import { encode, type BookLevel, type BookSnapshot, type Envelope, type Quote, type RawTrade } from '@tickflow/schemas';
import { QUOTES_FILE, REPO_ROOT, TICKFLOW_BIN, TRADES_FILE } from './shared-data';
import { caughtUp, createTopics, ensureServices, flushSentinels, kafkaClient, produce, readAll, startProcessor, stopProcessor, tapeRecords, type TapeRecord } from './kafka-harness';

type Row = Record<string, unknown>;
const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Stored output topics: the table, the Avro event (its `.avsc` names the fields) and the table's identity (ORDER BY, as column names). */
const STORED = [
  { table: 'micro_bars', topic: TOPICS.bars1s, event: 'MicroBar', key: ['symbol', 'window_start'], required: true },
  { table: 'signals', topic: TOPICS.signals, event: 'Signal', key: ['symbol', 'window_start'], required: true },
  { table: 'trade_aggregates', topic: TOPICS.tradeAggregates, event: 'TradeAggregate', key: ['symbol', 'window_size', 'scope', 'window_start'], required: true },
  { table: 'orderbook_metrics', topic: TOPICS.orderBookMetrics, event: 'OrderBookMetrics', key: ['symbol', 'timestamp', 'seq'], required: true },
  { table: 'price_alerts', topic: TOPICS.priceAlerts, event: 'PriceAlert', key: ['symbol', 'detected_at', 'alert_id'], required: true },
  { table: 'enriched_trades', topic: TOPICS.enrichedTrades, event: 'EnrichedTrade', key: ['symbol', 'timestamp', 'trade_id'], required: true },
] as const satisfies ReadonlyArray<{ table: string; topic: TopicName; event: string; key: readonly string[]; required: boolean }>;
type Stored = (typeof STORED)[number];

/** Epoch-ms fields of the events that are points in time (stored as DateTime64(3, 'UTC')); every `*_ms` field is one too. */
const TIME_FIELDS = new Set(['window_start', 'window_end', 'event_ts', 'ingest_ts', 'computed_at']);
const isTimeField = (field: string): boolean => field.endsWith('_ms') || TIME_FIELDS.has(field);
/** The column an Avro field is stored in: `timestamp_ms` → `timestamp`. */
const columnOf = (field: string): string => (field.endsWith('_ms') ? field.slice(0, -3) : field);

/** Field names of an event, straight from its Avro schema (the source of truth), not from the mappers. */
function avroFields(event: string): string[] {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'libs', 'schemas', 'avro', `${event}.avsc`), 'utf8')) as { fields: Array<{ name: string }> };
  return schema.fields.map((f) => f.name);
}

/** The stored row a topic record must become, built independently of the row mappers. */
function expectedRow(record: Row): Row {
  return Object.fromEntries(Object.entries(record).map(([field, value]) => [columnOf(field), value]));
}

/** Exact equality: same type and value; numbers with `===` (so +0 equals −0, NaN equals nothing). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return Object.is(a, b);
}


const envelope = (ts: number, id: string): Envelope => ({ event_ts: ts, ingest_ts: 0, seq: 0, source: 'test', correlation_id: id, version: 1 });
const cents = (x: number): number => Math.round(x * 100) / 100;

function trade(id: string, symbol: string, side: RawTrade['side'], quantity: number, price: number, ts: number): TapeRecord {
  const t: RawTrade = { trade_id: id, order_id: `O-${id}`, symbol, side, quantity, price, status: 'FILLED', exchange: 'BINANCE', trader_id: '', account_id: '', timestamp_ms: ts, event_type: 'TRADE', ...envelope(ts, id) };
  return { topic: TOPICS.rawTrades, key: symbol, value: encode('RawTrade', t), timestamp: ts };
}

function book(id: string, ts: number, bids: BookLevel[], asks: BookLevel[]): TapeRecord {
  const b: BookSnapshot = { symbol: 'BTCUSDT', timestamp_ms: ts, bids, asks, exchange: 'BINANCE', ...envelope(ts, id) };
  return { topic: TOPICS.rawOrderBook, key: 'BTCUSDT', value: encode('BookSnapshot', b), timestamp: ts };
}

const levels = (n: number, best: number, step: number, qty: (i: number) => number): BookLevel[] => Array.from({ length: n }, (_, i) => ({ price: cents(best + i * step), quantity: qty(i) }));

/**
 * Events after the tape (whose last trade is at `end`), processed after all of it: late trades into
 * closed windows, a price spike and a quote that fire alerts, and order-book snapshots.
 */
function appendedInput(end: number): TapeRecord[] {
  const tape = readFileSync(TRADES_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { symbol: string; price: number; timestamp_ms: number });
  // A closed 1 s bar within the 30 s allowed lateness (TA watermark: end − 2 s), preferably in a 1 m
  // window that has fired too (aggregate watermark: end − 5 s).
  const firedMinute = Math.floor((end - 5_000) / 60_000) * 60_000;
  const candidates = tape.filter((t) => t.symbol === 'ETHUSDT' && t.timestamp_ms > end - 25_000 && t.timestamp_ms < end - 3_000);
  const late = candidates.filter((t) => t.timestamp_ms < firedMinute).at(-1) ?? candidates.at(-1);
  if (!late) throw new Error('the tape has no ETHUSDT trade in its last 25 s to correct');
  const btc = tape.filter((t) => t.symbol === 'BTCUSDT').at(-1)!.price;
  const spike = cents(btc * 1.03);
  const quoteTs = end + 61_000; // after the 60 s alert cooldown
  const bid = cents(spike * 0.94);
  const q: Quote = { symbol: 'BTCUSDT', timestamp_ms: quoteTs, bid, bid_size: 0.731, ask: cents(bid + 0.01), ask_size: 1.0417, last: null, exchange: 'BINANCE', ...envelope(quoteTs, 'Q-DROP') };
  return [
    trade('LATE-1', 'ETHUSDT', 'BUY', 0.5, cents(late.price + 0.37), late.timestamp_ms),
    trade('LATE-2', 'ETHUSDT', 'SELL', 1.25, cents(late.price - 0.11), late.timestamp_ms),
    trade('SPIKE', 'BTCUSDT', 'BUY', 0.003, spike, end + 500),
    { topic: TOPICS.rawMarketData, key: 'BTCUSDT', value: encode('Quote', q), timestamp: quoteTs },
    book('B1', end - 3_000, levels(25, btc, -0.5, (i) => (i + 1) * 0.0137), levels(25, btc + 0.01, 0.5, (i) => (25 - i) * 0.0091)),
    book('B2', end - 1_500, levels(12, btc + 0.37, -0.25, (i) => 0.1 + i / 7), levels(12, btc + 0.38, 0.25, (i) => 0.3 / (i + 1))),
    book('B3', end - 1_000, levels(3, btc, -1, (i) => 1 + i), []),
    book('B4', end + 200, [{ price: cents(btc + 10.5), quantity: 0.25 }], [{ price: cents(btc + 0.25), quantity: 0.5 }]),
    book('B5', end + 200, levels(3, btc - 0.01, -0.01, () => 0.1), levels(3, btc, 0.01, () => 0.3)),
  ];
}

/** Offset of the last committed data record per partition, and how many there are (control records are not data). */
async function lastDataOffsets(kafka: Kafka, topic: string, idleMs = 3000): Promise<{ last: Map<number, number>; count: number }> {
  const consumer = kafka.consumer({ groupId: `offsets-${process.pid}-${Date.now()}-${Math.random()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const last = new Map<number, number>();
  let count = 0;
  let lastAt = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      last.set(partition, Math.max(last.get(partition) ?? -1, Number(message.offset)));
      count++;
      lastAt = Date.now();
    },
  });
  const started = Date.now();
  while (Date.now() - lastAt < idleMs || (count === 0 && Date.now() - started < 15_000)) await sleep(200);
  await consumer.disconnect();
  return { last, count };
}

function startStore(env: Record<string, string>): ChildProcess & { logs: string[] } {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  const child = spawn(process.execPath, [TICKFLOW_BIN, 'store'], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] }) as ChildProcess & { logs: string[] };
  child.logs = [];
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    child.logs.push(...lines.filter(Boolean));
  });
  return child;
}

const exited = (c: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve({ code: c.exitCode, signal: c.signalCode }) : c.once('exit', (code, signal) => resolve({ code, signal }))));

/** Polls until `cond` holds; the test's timeout bounds the wait. Fails at once if a child this waits on exited. */
async function until(what: string, cond: () => Promise<boolean>, children: Array<ChildProcess & { logs: string[] }>): Promise<void> {
  for (;;) {
    if (await cond()) return;
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`a child exited (${c.exitCode ?? c.signalCode}) while waiting for ${what}: ${c.logs.slice(-5).join(' | ')}`);
    }
    await sleep(300);
  }
}

describe('replay: tape → Kafka → tickflow process → tickflow store → ClickHouse rows equal the output topics', () => {
  const prefix = `rch${process.pid}x${Date.now()}.`;
  const processorGroup = `${prefix}processor`;
  const storeGroup = `${prefix}store`;
  const database = `tickflow_replay_${process.pid}_${Date.now()}`;
  const chPath = mkdtempSync(join(tmpdir(), 'tickflow-replay-ch-'));
  const work = mkdtempSync(join(tmpdir(), 'tickflow-replay-q-'));
  /** How the store and the query helper find the ClickHouse: chDB in `chPath`, or the server at CLICKHOUSE_URL when set. */
  const chEnv = { TICKFLOW_CLICKHOUSE_PATH: chPath, CLICKHOUSE_DATABASE: database };
  let kafka: Kafka;
  let admin: Admin;
  let processor: ReturnType<typeof startProcessor> | undefined;
  let store: ReturnType<typeof startStore> | undefined;
  const topicRows = new Map<string, Row[]>();
  let queryNo = 0;

  /** Runs the queries in a process of its own (chDB: one data directory per process). */
  async function queries(sqls: string[], dropDatabase = false): Promise<Row[][]> {
    const n = queryNo++;
    const input = join(work, `q${n}.json`);
    const output = join(work, `r${n}.json`);
    writeFileSync(input, JSON.stringify({ queries: sqls, dropDatabase }));
    await run(process.execPath, [join(REPO_ROOT, 'bin', 'run-ts.mjs'), join(REPO_ROOT, 'apps/processor/test/support/ch-query-many.ts'), input, output], {
      env: { ...process.env, ...chEnv },
      timeout: 120_000,
    });
    return JSON.parse(readFileSync(output, 'utf8')) as Row[][];
  }

  beforeAll(async () => {
    const { brokers, redisUrl } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, 1);
    const trades = tapeRecords(TRADES_FILE, TOPICS.rawTrades);
    const quotes = tapeRecords(QUOTES_FILE, TOPICS.rawMarketData);
    const lastTs = Math.max(...trades.map((t) => t.timestamp));
    await produce(kafka, prefix, [...trades, ...quotes, ...appendedInput(lastTs), ...flushSentinels(1, lastTs + 3_600_000)]);

    // Both consumers run at once, as in production: the store sees the outputs as they are committed.
    processor = startProcessor({ KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_GROUP: processorGroup, TICKFLOW_CHECKPOINT_MS: '300' });
    store = startStore({ ...chEnv, KAFKA_BROKERS: brokers.join(','), TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_STORE_GROUP: storeGroup, TICKFLOW_STORE_BATCH_ROWS: '4000', TICKFLOW_STORE_BATCH_MS: '250' });

    // 1. The processor has committed outputs for the whole tape; SIGTERM drains it. After its exit the
    //    output topics no longer change.
    await until('the processor to commit the whole tape', () => caughtUp(admin, prefix, processorGroup), [processor, store]);
    const processorExit = await exited((processor.kill('SIGTERM'), processor));
    expect(processorExit, `processor exit (log tail: ${processor.logs.slice(-3).join(' | ')})`).toEqual({ code: 0, signal: null });

    // 2. The committed records of every stored topic. Output topics are transactional: each partition
    //    ends with a commit marker, and the store must commit past it too (else its lag never reaches 0).
    const ends = new Map<string, Map<number, number>>();
    await Promise.all(
      STORED.map(async (s) => {
        const [rows, offsets] = await Promise.all([readAll(kafka, prefix, s.topic), lastDataOffsets(kafka, prefix + s.topic)]);
        expect(rows.length, `${s.topic}: readAll and the offset scan saw different numbers of committed records`).toBe(offsets.count);
        topicRows.set(s.topic, rows);
        ends.set(s.topic, offsets.last);
      }),
    );
    const storeCaughtUp = async (): Promise<boolean> => {
      for (const s of STORED) {
        const committed = (await admin.fetchOffsets({ groupId: storeGroup, topics: [prefix + s.topic] }))[0]?.partitions ?? [];
        for (const [partition] of ends.get(s.topic)!) {
          const end = Number((await admin.fetchTopicOffsets(prefix + s.topic)).find((o) => o.partition === partition)?.high ?? 0);
          if (Number(committed.find((c) => c.partition === partition)?.offset ?? -1) < end) return false;
        }
      }
      return true;
    };
    await until('the store to commit every output record', storeCaughtUp, [store]);
    const storeExit = await exited((store.kill('SIGTERM'), store));
    expect(storeExit, `store exit (log tail: ${store.logs.slice(-3).join(' | ')})`).toEqual({ code: 0, signal: null });
  }, 300_000);

  afterAll(async () => {
    if (processor) await stopProcessor(processor, 'SIGKILL');
    if (store && store.exitCode === null && store.signalCode === null) {
      store.kill('SIGKILL');
      await exited(store);
    }
    await admin?.disconnect();
    // On a server the database outlives the test unless dropped; chDB's is the temporary directory.
    if ((process.env['CLICKHOUSE_URL'] ?? '').trim() !== '') await queries([], true).catch(() => undefined);
    rmSync(chPath, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('the input exercises corrections, alerts by trade and by quote, and order-book metrics', () => {
    const versions = (topic: string): number[] => topicRows.get(topic)!.map((r) => Number(r['version']));
    expect(Math.max(...versions(TOPICS.bars1s)), 'a corrected bar').toBeGreaterThanOrEqual(3);
    expect(Math.max(...versions(TOPICS.tradeAggregates)), 'a corrected aggregate').toBeGreaterThanOrEqual(3);
    expect(new Set(topicRows.get(TOPICS.priceAlerts)!.map((r) => r['trigger']))).toEqual(new Set(['TRADE', 'QUOTE']));
    expect(topicRows.get(TOPICS.orderBookMetrics)!.length).toBe(5);
  });

  it('the store logged no failed insert or undecodable record', () => {
    expect(store!.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it('the store inserted exactly one row per committed record (rows missing without FINAL were merged away, not lost)', () => {
    const stopped = store!.logs.map((l) => JSON.parse(l) as Row).find((l) => l['msg'] === 'clickhouse writer stopped');
    const records = STORED.reduce((n, s) => n + topicRows.get(s.topic)!.length, 0);
    expect(stopped?.['rowsInserted'], 'rows acknowledged by ClickHouse, over all tables').toBe(records);
  });

  it.each(STORED.map((s) => [s.table, s] as const))('%s: rows under FINAL equal the topic records field by field, and none is stored twice', async (_table, s: Stored) => {
    const records = topicRows.get(s.topic)!;
    if (s.required) expect(records.length, `${s.topic} must have records from the tape`).toBeGreaterThan(0);
    const fields = avroFields(s.event);
    for (const r of records) expect(Object.keys(r).sort(), `${s.topic} record fields`).toEqual([...fields].sort());

    // The table has exactly one column per Avro field (renamed), plus inserted_at; time fields are DateTime64(3, 'UTC').
    const [columns, sortingKey] = await queries([
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${s.table}' ORDER BY position`,
      `SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = '${s.table}'`,
    ]);
    const types = new Map(columns!.map((c) => [String(c['name']), String(c['type'])]));
    expect([...types.keys()].filter((c) => c !== 'inserted_at').sort()).toEqual(fields.map(columnOf).sort());
    for (const f of fields) {
      expect(/^(Nullable\()?DateTime64\(3, 'UTC'\)\)?$/.test(types.get(columnOf(f))!), `${s.table}.${columnOf(f)} (${types.get(columnOf(f))}) is a DateTime64(3, 'UTC') iff ${f} is a point in time`).toBe(isTimeField(f));
    }
    expect(sortingKey![0]?.['sorting_key'], `${s.table} identity`).toBe(s.key.join(', '));

    // Expected under FINAL: per identity, the record with the highest version (among equal versions, the later one).
    const cols = fields.map(columnOf);
    const timeCols = new Set(fields.filter(isTimeField).map(columnOf));
    const keyOf = (row: Row): string => JSON.stringify(s.key.map((k) => row[k]));
    const expected = new Map<string, Row>();
    const versionsTopic = new Map<string, number>(); // key|version → records in the topic
    for (const rec of records) {
      const row = expectedRow(rec);
      const k = keyOf(row);
      const prev = expected.get(k);
      if (!prev || Number(row['version']) >= Number(prev['version'])) expected.set(k, row);
      const kv = `${k}|${String(row['version'])}`;
      versionsTopic.set(kv, (versionsTopic.get(kv) ?? 0) + 1);
    }
    const maxVersion = new Map([...expected].map(([k, r]) => [k, Number(r['version'])]));
    const corrections = records.length - expected.size;

    const select = cols.map((c) => (timeCols.has(c) ? `toUnixTimestamp64Milli(\`${c}\`) AS \`${c}\`` : `\`${c}\``)).join(', ');
    const keySelect = s.key.map((c) => (timeCols.has(c) ? `toUnixTimestamp64Milli(\`${c}\`) AS \`${c}\`` : `\`${c}\``)).join(', ');
    const keyGroup = s.key.map((c) => `\`${c}\``).join(', ');
    const [finalRows, perVersion, totals] = await queries([
      `SELECT ${select} FROM \`${s.table}\` FINAL`,
      `SELECT ${keySelect}, version, count() AS n FROM \`${s.table}\` GROUP BY ${keyGroup}, version`,
      `SELECT count() AS n FROM \`${s.table}\``,
    ]);

    // FINAL: the same identities, and every column equal.
    const actual = new Map<string, Row>();
    const doubledFinal: string[] = [];
    for (const r of finalRows!) {
      const k = keyOf(r);
      if (actual.has(k)) doubledFinal.push(k);
      actual.set(k, r);
    }
    const missing = [...expected.keys()].filter((k) => !actual.has(k));
    const extra = [...actual.keys()].filter((k) => !expected.has(k));
    const diffs: Array<{ key: string; column: string; expected: unknown; actual: unknown }> = [];
    let diffCount = 0;
    for (const [k, want] of expected) {
      const got = actual.get(k);
      if (!got) continue;
      for (const c of cols) {
        if (same(want[c], got[c])) continue;
        diffCount++;
        if (diffs.length < 20) diffs.push({ key: k, column: c, expected: want[c], actual: got[c] });
      }
    }
    expect(
      { rows: finalRows!.length, missing: missing.slice(0, 5), extra: extra.slice(0, 5), doubledFinal: doubledFinal.slice(0, 5), diffs, counts: { missing: missing.length, extra: extra.length, diffs: diffCount } },
      `${s.table} FINAL vs ${s.topic} (${records.length} records, ${corrections} superseded by a correction)`,
    ).toEqual({ rows: expected.size, missing: [], extra: [], doubledFinal: [], diffs: [], counts: { missing: 0, extra: 0, diffs: 0 } });

    // Without FINAL: no (identity, version) is stored more often than the topic holds it. A merge may
    // already have removed a superseded version, never the latest; with no correction in the topic,
    // the table holds exactly one row per record.
    const overCounted: Array<{ key: string; version: number; stored: number; inTopic: number }> = [];
    const latestMissing: string[] = [];
    const seenLatest = new Set<string>();
    for (const r of perVersion!) {
      const k = keyOf(r);
      const v = Number(r['version']);
      const inTopic = versionsTopic.get(`${k}|${v}`) ?? 0;
      const stored = Number(r['n']);
      if (stored > inTopic || (v === maxVersion.get(k) && stored !== inTopic)) overCounted.push({ key: k, version: v, stored, inTopic });
      if (v === maxVersion.get(k)) seenLatest.add(k);
    }
    for (const k of expected.keys()) if (!seenLatest.has(k)) latestMissing.push(k);
    expect({ overCounted: overCounted.slice(0, 10), latestMissing: latestMissing.slice(0, 5) }, `${s.table} rows without FINAL`).toEqual({ overCounted: [], latestMissing: [] });
    const stored = Number(totals![0]?.['n']);
    if (corrections === 0) expect(stored, `${s.table}: rows without FINAL = records in ${s.topic}`).toBe(records.length);
    else {
      expect(stored).toBeLessThanOrEqual(records.length);
      expect(stored).toBeGreaterThanOrEqual(expected.size);
    }
  }, 120_000);
});
