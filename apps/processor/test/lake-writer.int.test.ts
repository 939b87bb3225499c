// The Parquet lake writer against the real broker (design §4, issue 4 item 4): records of
// enriched.trades and analytics.trade-aggregates, spread over several hours, a date change and two
// partitions, written by `tickflow lake` run as a child process that is SIGKILLed twice — once
// between publishing files and committing their offsets (fault injection), once from outside —
// then restarted with other batch sizes. The lake must hold every committed record exactly once,
// in the date=/hour= directory of its event time, and SIGTERM must exit 0 with everything committed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Partitioners, type Admin, type Kafka, type Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENRICHED_TRADES, TRADE_AGGREGATES, datasetDir, datasetGlob, hourBucket, hourPartitionPath, parseLakeFileName } from '@tickflow/analytics';
import { encode, type EnrichedTrade, type TradeAggregate } from '@tickflow/schemas';
import { listDatasetFiles } from '../src/lake/lake-files';
import { ensureServices, kafkaClient } from './kafka-harness';
import { TICKFLOW_BIN } from './shared-data';

const RUN = `${process.pid}-${Date.now()}`;
const PREFIX = `lake-${RUN}.`;
const GROUP = `lake-writer-${RUN}`;
const TRADES_TOPIC = PREFIX + ENRICHED_TRADES.topic;
const AGGS_TOPIC = PREFIX + TRADE_AGGREGATES.topic;
const PARTITIONS = 2;
const TRADES = 3000;
const WINDOWS = 600;
/** 2024-08-08 21:10 UTC: the records run to about 03:40 the next day. */
const START_MS = Date.UTC(2024, 7, 8, 21, 10);
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM'];

function trade(i: number): EnrichedTrade {
  // 7.8 s apart (6.5 h in all), shifted by −2…+2 minutes so records near an hour boundary are out of order.
  const ts = START_MS + i * 7_800 + (((i * 7919) % 5) - 2) * 60_000 + (i % 1000);
  const symbol = SYMBOLS[i % SYMBOLS.length]!;
  return {
    trade_id: `T-${i}`, order_id: `O-${i}`, symbol, side: i % 3 === 0 ? 'SELL' : 'BUY', quantity: 1 + (i % 17), price: 100 + (i % 50) / 4,
    status: i % 11 === 0 ? 'PARTIALLY_FILLED' : 'FILLED', exchange: 'XNAS', trader_id: `TR-${i % 7}`, account_id: `ACC-${i % 13}`,
    timestamp_ms: ts, event_type: 'TRADE', company_name: `${symbol} Inc.`, sector: 'Technology', industry: 'Software', market_cap_tier: 'MEGA',
    listed_exchange: 'NASDAQ', event_ts: ts, ingest_ts: i % 4 === 0 ? 0 : ts + 5, seq: i, source: 'test', correlation_id: `T-${i}`, version: 1,
  };
}

function aggregate(k: number, version = 1): TradeAggregate {
  const windowStart = START_MS - 600_000 + Math.floor(k / 3) * 120_000;
  return {
    symbol: SYMBOLS[k % 3]!, scope: 'symbol', window_start: windowStart, window_end: windowStart + 60_000, window_size: '1m',
    total_volume: 10 + k + version, total_value: (10 + k) * 101, vwap: 101, trade_count: 3, buy_count: 2, sell_count: 1,
    buy_sell_ratio: k % 4 === 0 ? null : 2, high_price: 102, low_price: 100, open_price: 100.5, close_price: 101.5, volatility_anomaly: k % 9 === 0,
    computed_at: windowStart + 65_000, event_ts: windowStart + 60_000, ingest_ts: windowStart + 1, seq: k, source: 'test', correlation_id: `A-${k}`, version,
  };
}

const trades = Array.from({ length: TRADES }, (_, i) => trade(i));
/** Every 40th window is corrected later (version 2, as allowed lateness does). */
const aggregates = [...Array.from({ length: WINDOWS }, (_, k) => aggregate(k)), ...Array.from({ length: WINDOWS / 40 }, (_, j) => aggregate(j * 40, 2))];
const aborted = Array.from({ length: 100 }, (_, j) => ({ ...trade(j), trade_id: `ABORTED-${j}` }));

let kafka: Kafka;
let admin: Admin;
let brokers: string[];
let dir: string;
let lake: string;

async function produceAll(): Promise<void> {
  const producer = kafka.producer({ transactionalId: `${PREFIX}producer`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const send = async (topic: string, messages: Message[], commit: boolean): Promise<void> => {
    for (let i = 0; i < messages.length; i += 500) {
      const txn = await producer.transaction();
      await txn.sendBatch({ topicMessages: [{ topic, messages: messages.slice(i, i + 500) }] });
      await (commit ? txn.commit() : txn.abort());
    }
  };
  const tradeMessages = (list: EnrichedTrade[]): Message[] => list.map((t, i) => ({ key: t.order_id, value: encode('EnrichedTrade', t), partition: i % PARTITIONS }));
  await send(TRADES_TOPIC, tradeMessages(trades.slice(0, TRADES / 2)), true);
  await send(TRADES_TOPIC, tradeMessages(aborted), false); // read_committed must never see these
  await send(AGGS_TOPIC, aggregates.slice(0, WINDOWS / 2).map((a, k) => ({ key: a.symbol, value: encode('TradeAggregate', a), partition: k % PARTITIONS })), true);
  await send(TRADES_TOPIC, tradeMessages(trades.slice(TRADES / 2)), true);
  await send(AGGS_TOPIC, aggregates.slice(WINDOWS / 2).map((a, k) => ({ key: a.symbol, value: encode('TradeAggregate', a), partition: k % PARTITIONS })), true);
  await producer.disconnect();
}

type Writer = ChildProcess & { logs: Array<Record<string, unknown>>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

function startWriter(args: string[], env: Record<string, string> = {}): Writer {
  const child = spawn(process.execPath, [TICKFLOW_BIN, 'lake', '--brokers', brokers.join(','), '--group', GROUP, '--topic-prefix', PREFIX, '--lake-dir', lake, '--session-timeout-ms', '6000', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  }) as Writer;
  child.logs = [];
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        child.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        child.logs.push({ msg: line });
      }
    }
  });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` holds; the vitest timeout bounds the wait, the message says what was awaited. */
async function until(what: string, cond: () => Promise<boolean> | boolean, child?: Writer): Promise<void> {
  for (;;) {
    if (await cond()) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`writer exited while waiting for ${what}: ${JSON.stringify(child.logs.slice(-5))}`);
    await sleep(200);
  }
}

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const scan = (dataset: typeof ENRICHED_TRADES | typeof TRADE_AGGREGATES): string =>
  `read_parquet('${datasetGlob(lake, dataset)}', hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER}, filename = true)`;

async function lakeCount(dataset: typeof ENRICHED_TRADES | typeof TRADE_AGGREGATES): Promise<number> {
  try {
    return Number((await query<{ n: bigint }>(`SELECT count(*) AS n FROM ${scan(dataset)}`))[0]!.n);
  } catch {
    return 0; // no file yet, or one deleted by a recovery while being globbed
  }
}

async function committedOffsets(topic: string): Promise<Map<number, number>> {
  const [entry] = await admin.fetchOffsets({ groupId: GROUP, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

beforeAll(async () => {
  brokers = ensureServices().brokers;
  kafka = kafkaClient(brokers);
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [TRADES_TOPIC, AGGS_TOPIC].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });
  dir = mkdtempSync(join(tmpdir(), 'tickflow-lake-'));
  lake = join(dir, 'lake');
  await produceAll();
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [TRADES_TOPIC, AGGS_TOPIC] }).catch(() => undefined);
  await admin?.deleteGroups([GROUP]).catch(() => undefined);
  await admin?.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tickflow lake', () => {
  it('prints its usage with --help', () => {
    const r = spawnSync(process.execPath, [TICKFLOW_BIN, 'lake', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: tickflow lake');
    expect(r.stdout).toContain('TICKFLOW_LAKE_DIR');
  });

  it('writes every record exactly once across crashes, in the date=/hour= of its event time', async () => {
    // Run 1: killed by fault injection right after its 3rd batch is renamed into place, before that batch's commit.
    const first = startWriter(['--batch-records', '150', '--batch-ms', '200'], { TICKFLOW_LAKE_TEST_CRASH_AFTER_PUBLISHES: '3' });
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(first.logs.some((l) => l.msg === 'fault injection: SIGKILL after publishing, before committing')).toBe(true);
    // It left published files beyond the committed offset of their partition: the case recovery is for.
    const leftovers = async (): Promise<number> => {
      let n = 0;
      for (const [topic, dataset] of [[TRADES_TOPIC, ENRICHED_TRADES], [AGGS_TOPIC, TRADE_AGGREGATES]] as const) {
        const committed = await committedOffsets(topic);
        for (const [p, files] of listDatasetFiles(datasetDir(lake, dataset))) n += files.filter((f) => f.firstOffset >= (committed.get(p) ?? -1)).length;
      }
      return n;
    };
    expect(await leftovers()).toBeGreaterThan(0);

    // Run 2: other batch boundaries; it must delete those leftovers first. Killed from outside after its next commit.
    const second = startWriter(['--batch-records', '400', '--batch-ms', '300']);
    await until('run 2 to remove the leftovers and commit a batch', () => {
      const removed = second.logs.findIndex((l) => l.msg === 'removed uncommitted lake files');
      return removed >= 0 && second.logs.slice(removed).some((l) => l.msg === 'batch committed');
    }, second);
    const removedFiles = second.logs.filter((l) => l.msg === 'removed uncommitted lake files').reduce((s, l) => s + Number(l.removed), 0);
    expect(removedFiles).toBeGreaterThan(0);
    second.kill('SIGKILL');
    expect((await second.exited).signal).toBe('SIGKILL');

    // Run 3: runs to the end, then SIGTERM: writes what it buffers, commits, exits 0.
    const third = startWriter(['--batch-records', '1000', '--batch-ms', '500']);
    // A second writer on the same lake is refused while the third runs (one writer per lake).
    await until('run 3 to start', () => third.logs.some((l) => l.msg === 'lake writer started'), third);
    const intruder = startWriter(['--group', `${GROUP}-other`]);
    expect((await intruder.exited).code).toBe(1);
    expect(intruder.logs.some((l) => String(l.msg).includes(`another lake writer (pid ${third.pid})`))).toBe(true);
    await until('the lake to hold every record', async () => (await lakeCount(ENRICHED_TRADES)) >= TRADES && (await lakeCount(TRADE_AGGREGATES)) >= aggregates.length, third);
    third.kill('SIGTERM');
    expect(await third.exited).toEqual({ code: 0, signal: null });
    expect(third.logs.some((l) => l.msg === 'lake writer stopped')).toBe(true);

    // Every trade exactly once, none of the aborted transaction, values as produced.
    const rows = await query<Record<string, unknown>>(
      `SELECT trade_id, symbol, side, quantity, price, status, timestamp_ms, ingest_ts, strftime(trade_time, '%Y-%m-%dT%H:%M:%S.%g') AS trade_time,
              ingest_time IS NULL AS no_ingest_time, CAST(date AS VARCHAR) AS date, hour, kafka_partition, kafka_offset, filename
       FROM ${scan(ENRICHED_TRADES)}`,
    );
    expect(rows.length).toBe(TRADES);
    const byId = new Map(rows.map((r) => [String(r.trade_id), r]));
    expect(byId.size).toBe(TRADES);
    expect(rows.filter((r) => String(r.trade_id).startsWith('ABORTED-'))).toEqual([]);
    const wrong: string[] = [];
    trades.forEach((t, i) => {
      const r = byId.get(t.trade_id);
      const iso = new Date(t.timestamp_ms).toISOString();
      const expected = { symbol: t.symbol, side: t.side, quantity: t.quantity, price: t.price, status: t.status, timestamp_ms: BigInt(t.timestamp_ms), ingest_ts: BigInt(t.ingest_ts),
        trade_time: iso.slice(0, 23), no_ingest_time: t.ingest_ts === 0, date: iso.slice(0, 10), hour: Number(iso.slice(11, 13)), kafka_partition: i % PARTITIONS };
      const actual = r && Object.fromEntries(Object.keys(expected).map((k) => [k, r[k]]));
      if (JSON.stringify(actual, big) !== JSON.stringify(expected, big)) wrong.push(`${t.trade_id}: ${JSON.stringify(actual, big)} ≠ ${JSON.stringify(expected, big)}`);
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    // The source identity is unique too, and each row sits in a file named for its partition and an offset range holding it.
    expect(new Set(rows.map((r) => `${r.kafka_partition}:${r.kafka_offset}`)).size).toBe(TRADES);
    for (const r of rows) {
      const name = parseLakeFileName(basename(String(r.filename)));
      expect(name).not.toBeNull();
      expect(name!.partition).toBe(r.kafka_partition);
      expect(Number(r.kafka_offset)).toBeGreaterThanOrEqual(name!.firstOffset);
      expect(Number(r.kafka_offset)).toBeLessThanOrEqual(name!.lastOffset);
      expect(relative(lake, dirname(String(r.filename)))).toBe(join('enriched_trades', hourPartitionPath(hourBucket(Number(r.timestamp_ms)))));
    }
    // The hours the trades span (21:00 on the 8th to 03:00 on the 9th), each a directory.
    const hours = [...new Set(trades.map((t) => hourPartitionPath(hourBucket(t.timestamp_ms))))].sort();
    expect(hours.length).toBeGreaterThanOrEqual(7);
    expect(hours).toContain('date=2024-08-08/hour=23');
    expect(hours).toContain('date=2024-08-09/hour=00');
    expect([...new Set(rows.map((r) => relative(join(lake, 'enriched_trades'), dirname(String(r.filename)))))].sort()).toEqual(hours);
    // A file's name is exactly the offset range it holds.
    const files = await query<{ filename: string; lo: bigint; hi: bigint }>(`SELECT filename, min(kafka_offset) AS lo, max(kafka_offset) AS hi FROM ${scan(ENRICHED_TRADES)} GROUP BY filename`);
    for (const f of files) expect(parseLakeFileName(basename(f.filename))).toMatchObject({ firstOffset: Number(f.lo), lastOffset: Number(f.hi) });

    // Every aggregate version exactly once, under the hour of its window start.
    const aggs = await query<Record<string, unknown>>(
      `SELECT scope, symbol, window_size, window_start, version, total_volume, buy_sell_ratio, volatility_anomaly, CAST(date AS VARCHAR) AS date, hour,
              epoch_ms(window_start_time) = window_start AS time_matches
       FROM ${scan(TRADE_AGGREGATES)}`,
    );
    expect(aggs.length).toBe(aggregates.length);
    const identity = (row: object): string => {
      const a = row as Record<string, unknown>;
      return `${a.scope}|${a.symbol}|${a.window_size}|${a.window_start}|${a.version}`;
    };
    expect(new Set(aggs.map(identity)).size).toBe(aggregates.length);
    expect(new Set(aggs.map(identity))).toEqual(new Set(aggregates.map(identity)));
    const expectedAgg = new Map(aggregates.map((a) => [identity(a), a]));
    for (const a of aggs) {
      const e = expectedAgg.get(identity(a))!;
      const iso = new Date(e.window_start).toISOString();
      expect({ total_volume: a.total_volume, buy_sell_ratio: a.buy_sell_ratio, volatility_anomaly: a.volatility_anomaly, date: a.date, hour: a.hour, time_matches: a.time_matches })
        .toEqual({ total_volume: e.total_volume, buy_sell_ratio: e.buy_sell_ratio, volatility_anomaly: e.volatility_anomaly, date: iso.slice(0, 10), hour: Number(iso.slice(11, 13)), time_matches: true });
    }

    // No temp file is left, and the group committed past the last record of every partition.
    for (const dataset of [ENRICHED_TRADES, TRADE_AGGREGATES]) {
      const temps = [...listDatasetFiles(datasetDir(lake, dataset)).values()].flat().filter((f) => f.temp);
      expect(temps).toEqual([]);
    }
    for (const [topic, dataset] of [[TRADES_TOPIC, ENRICHED_TRADES], [AGGS_TOPIC, TRADE_AGGREGATES]] as const) {
      const last = await query<{ p: number; hi: bigint }>(`SELECT kafka_partition AS p, max(kafka_offset) AS hi FROM ${scan(dataset)} GROUP BY 1`);
      const committed = await committedOffsets(topic);
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
      expect(last.length).toBe(PARTITIONS);
      for (const { p, hi } of last) {
        expect(committed.get(p)).toBeGreaterThan(Number(hi));
        expect(committed.get(p)).toBeLessThanOrEqual(ends.get(p)!);
      }
    }
  }, 150_000);
});

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
