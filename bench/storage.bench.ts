/**
 * `npm run bench:storage` — the storage layer (design §4, issue 4 item 7): rows/s through the real
 * Kafka → ClickHouse writer, REST-shaped history queries on ≥ 10 million bars in embedded ClickHouse
 * (chDB), and the DuckDB lake analytics over a Parquet lake of ≥ 10 million trades. Writes
 * bench/results/storage.json and prints a summary; progress goes to stderr. Takes ~5–10 minutes.
 *
 * Phases:
 * - writer: the six stored output topics are created under a run-unique prefix on the shared broker
 *   and preloaded with Avro EnrichedTrade and MicroBar records; then `node bin/tickflow.mjs store`
 *   runs as a child process (own consumer group, own chDB directory in a temp dir). Clock: from its
 *   "clickhouse writer started" log line (written once the consumer joined the group and got its
 *   partitions) to the moment the group's committed offsets equal the end offsets on every
 *   partition (polled every 100 ms). Then SIGTERM, and row counts are checked in a separate process.
 * - history: in this process, a temp chDB directory through the port (`createClickHouse` +
 *   `runMigrations`); micro_bars (symbols × seconds), signals and price_alerts bulk-loaded with
 *   `INSERT … SELECT … FROM numbers(n)`. Three REST-shaped queries, bound parameters only, run
 *   interleaved: a page of one symbol's bars over a day (FINAL, sort-key filter), alerts at or above
 *   a severity in a 1 h range, the latest signal of 100 symbols. Measured twice: as inserted (parts
 *   left by the bulk insert, like today's partition of a live table) and after OPTIMIZE … FINAL (what
 *   background merges converge to); the headline history_p50_ms / history_p99_ms are the latter.
 * - lake: Parquet files written directly with DuckDB in the writer's layout (libs/analytics
 *   lake-layout.ts: <root>/<dataset>/date=YYYY-MM-DD/hour=HH/p<partition>-<first>-<last>.parquet,
 *   every column of `fileColumns`), trades over N days of 6.5 h sessions, and trade aggregates
 *   (1m/5m/15m, symbol and sector scope, 2 % of 1m windows corrected by a version 2) computed from
 *   those trades. Analytics results are checked against plain SQL over the same files, then each
 *   LakeAnalytics call is timed (one warm-up, median of BENCH_LAKE_RUNS).
 *
 * Needs the test services (`node tools/test-services.mjs up`; the npm script runs it). The broker is
 * shared and never restarted: this run's topics and groups are deleted at the end, temp dirs removed,
 * the writer child killed on any exit. chDB allows one data directory per process, so the writer
 * child has its own, and its tables are read by a one-shot child (apps/processor/test/support/ch-query.ts).
 *
 * Environment overrides (defaults in brackets). A quick run (~1 minute):
 *   BENCH_WRITER_ROWS=20000 BENCH_STORAGE_BARS=200000 BENCH_LAKE_TRADES=300000 BENCH_HISTORY_RUNS=30 npm run bench:storage
 *   KAFKA_BROKERS [127.0.0.1:19092]
 *   BENCH_WRITER_ROWS [300000]        records preloaded for the writer, half EnrichedTrade, half MicroBar
 *   BENCH_WRITER_PARTITIONS [2]       partitions of each stored topic (the processor's outputs have 2 in tests)
 *   BENCH_WRITER_BATCH_ROWS           TICKFLOW_STORE_BATCH_ROWS of the writer [its default, 20000]
 *   BENCH_STORAGE_BARS [10000000]     micro_bars rows (symbols × seconds)
 *   BENCH_STORAGE_SYMBOLS [1000]      symbols of the history tables
 *   BENCH_STORAGE_SIGNALS [= bars]    signals rows (same grid as the bars)
 *   BENCH_STORAGE_ALERTS [200000]     price_alerts rows, spread over BENCH_STORAGE_ALERT_DAYS [30] days up to the bars' end
 *   BENCH_HISTORY_RUNS [200]          timed queries per shape, merged tables; BENCH_HISTORY_UNMERGED_RUNS [50] as inserted
 *   BENCH_HISTORY_PAGE [1000]         LIMIT of the bars page
 *   BENCH_LAKE_TRADES [10000000]      trades in the lake
 *   BENCH_LAKE_DAYS [91]              days they span (volume vs 90-day history needs 91)
 *   BENCH_LAKE_SYMBOLS [500]          symbols (the reference list's first, then synthetic L0022…)
 *   BENCH_LAKE_ACCOUNTS [1000]        accounts
 *   BENCH_LAKE_PARTITIONS [2]         source partitions the files are named after
 *   BENCH_LAKE_RUNS [3]               timed calls per analytics query (after one warm-up)
 *   BENCH_ONLY                        comma list of phases: writer,history,lake
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { ALL_SYMBOLS, ENRICHED_TRADES, LakeAnalytics, TRADE_AGGREGATES, datasetGlob, fileColumns, hourPartitionPath, lakeFileName } from '@tickflow/analytics';
import { alertsFromMs, loadHistoryFixture, symbolName, type HistoryFixtureOptions } from './history-fixture';
import { STORED_EVENTS, createClickHouse, loadClickHouseSettings, runMigrations, toStoredRow, type ClickHouse, type QueryParams } from '@tickflow/clickhouse';
import { TOPICS } from '@tickflow/operators';
import { decode, encode, type EnrichedTrade, type MicroBar } from '@tickflow/schemas';
import {
  REPO_ROOT,
  benchMain,
  cpuBetween,
  cpuSeconds,
  deleteRunTopicsAndGroups,
  envInt,
  fmt,
  killAllChildren,
  loadavg,
  logIssues,
  machineInfo,
  median,
  progressLogger,
  quantile,
  resultHead,
  round,
  sampleCpu,
  stopTickflow,
  summaryFormat,
  waitForCatchUp,
  waitForLog,
} from './bench-kit';
import { chdbQueryInChild, childEnv, startStore } from './storage-kit';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const WRITER_ROWS = envInt('BENCH_WRITER_ROWS', 300_000, 1000);
const WRITER_PARTITIONS = envInt('BENCH_WRITER_PARTITIONS', 2, 1);
const WRITER_BATCH_ROWS = process.env.BENCH_WRITER_BATCH_ROWS ? envInt('BENCH_WRITER_BATCH_ROWS', 20_000, 1) : null;
const WRITER_SYMBOLS = 100;
const BARS = envInt('BENCH_STORAGE_BARS', 10_000_000, 10_000);
const SYMBOLS = envInt('BENCH_STORAGE_SYMBOLS', 1000, 100);
const SIGNALS = envInt('BENCH_STORAGE_SIGNALS', BARS, 10_000);
const ALERTS = envInt('BENCH_STORAGE_ALERTS', 200_000, 1000);
const ALERT_DAYS = envInt('BENCH_STORAGE_ALERT_DAYS', 30, 1);
for (const [name, n] of [['BENCH_STORAGE_BARS', BARS], ['BENCH_STORAGE_SIGNALS', SIGNALS]] as const) {
  if (n % SYMBOLS !== 0) throw new Error(`${name}=${n}: expected a multiple of BENCH_STORAGE_SYMBOLS (${SYMBOLS}), a whole number of seconds per symbol`);
}
const HISTORY_RUNS = envInt('BENCH_HISTORY_RUNS', 200, 10);
const HISTORY_UNMERGED_RUNS = envInt('BENCH_HISTORY_UNMERGED_RUNS', 50, 5);
const HISTORY_PAGE = envInt('BENCH_HISTORY_PAGE', 1000, 1);
const HISTORY_WARMUP = 5;
const LATEST_SYMBOLS = 100;
const SIGNALS_LOOKBACK_MS = 5 * 60_000;
const ALERT_RANGE_MS = 3_600_000;
const ALERT_PAGE = 100;
const LAKE_TRADES = envInt('BENCH_LAKE_TRADES', 10_000_000, 10_000);
const LAKE_DAYS = envInt('BENCH_LAKE_DAYS', 91, 1);
const LAKE_SYMBOLS = envInt('BENCH_LAKE_SYMBOLS', 500, 30);
const LAKE_ACCOUNTS = envInt('BENCH_LAKE_ACCOUNTS', 1000, 1);
const LAKE_PARTITIONS = envInt('BENCH_LAKE_PARTITIONS', 2, 1);
const LAKE_RUNS = envInt('BENCH_LAKE_RUNS', 3, 3);
const PHASES = new Set((process.env.BENCH_ONLY ?? 'writer,history,lake').split(',').map((s) => s.trim()));

const TARGETS = { writer_rows_per_sec: 200_000, history_p99_ms: 20, lake_query_ms: 1000 } as const;

const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const PREFIX = `bench-store-${RUN_ID}.`;
const STORE_GROUP = `${PREFIX}store`;
/** Every temp directory this run made; removed at the end and on SIGINT/SIGTERM. */
const TEMP_DIRS = new Set<string>();
const REFERENCE_CSV = join(REPO_ROOT, 'apps', 'processor', 'reference', 'symbols.csv');

const DAY_MS = 86_400_000;
/** History tables: bars, signals and alerts start here (one UTC day: 2026-01-05 13:30 onwards). */
const HISTORY_DAY = Date.UTC(2026, 0, 5);
const HISTORY_T0 = HISTORY_DAY + 13.5 * 3_600_000;
/** Lake: the last day of trades; sessions 14:30–21:00 UTC. */
const LAKE_LAST_DAY = Date.UTC(2026, 0, 5);
const SESSION_OPEN_MS = 14.5 * 3_600_000;
const SESSION_MS = 6.5 * 3_600_000;

const BENCH_STARTED = Date.now();
const progress = progressLogger('storage', BENCH_STARTED);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tickflow-bench-storage-${label}-`));
  TEMP_DIRS.add(dir);
  return dir;
}

function removeTempDirs(): void {
  for (const dir of TEMP_DIRS) {
    rmSync(dir, { recursive: true, force: true });
    TEMP_DIRS.delete(dir);
  }
}

/** Deterministic PRNG (mulberry32): the same queries in every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Phase: Kafka → ClickHouse writer (`tickflow store` child, real broker)
// ---------------------------------------------------------------------------------------------

/** The output topics `tickflow store` reads (apps/processor/src/storage/clickhouse-writer.ts). */
const STORED_TOPICS = [TOPICS.bars1s, TOPICS.signals, TOPICS.tradeAggregates, TOPICS.orderBookMetrics, TOPICS.priceAlerts, TOPICS.enrichedTrades] as const;
const WRITER_T0 = Date.UTC(2026, 0, 5, 14, 30);
const WRITER_SECTORS = ['Technology', 'Financials', 'Health Care', 'Energy', 'Industrials'];

interface PreloadRecord {
  topic: string;
  partition: number;
  key: string;
  value: Buffer;
}

function writerRecords(trades: number, bars: number): PreloadRecord[] {
  const out: PreloadRecord[] = [];
  const sym = (s: number): string => `W${String(s).padStart(3, '0')}`;
  for (let i = 0; i < trades; i++) {
    const s = i % WRITER_SYMBOLS;
    const ts = WRITER_T0 + i * 10;
    const t: EnrichedTrade = {
      trade_id: `WT${i}`, order_id: `WO${i}`, symbol: sym(s), side: i % 3 === 0 ? 'SELL' : 'BUY', quantity: 1 + (i % 97), price: 20 + s + (i % 13) / 100,
      status: i % 10 === 0 ? 'PARTIALLY_FILLED' : 'FILLED', exchange: 'NASDAQ', trader_id: `TR-${i % 20}`, account_id: `ACC-${i % 50}`, timestamp_ms: ts, event_type: 'TRADE',
      company_name: `${sym(s)} Corp.`, sector: WRITER_SECTORS[s % WRITER_SECTORS.length]!, industry: 'Benchmark', market_cap_tier: 'MID', listed_exchange: 'NASDAQ',
      event_ts: ts, ingest_ts: ts + 2, seq: i, source: 'bench', correlation_id: `WT${i}`, version: 1,
    };
    out.push({ topic: TOPICS.enrichedTrades, partition: s % WRITER_PARTITIONS, key: t.symbol, value: encode('EnrichedTrade', t) });
  }
  for (let k = 0; k < bars; k++) {
    const s = k % WRITER_SYMBOLS;
    const ws = WRITER_T0 + Math.floor(k / WRITER_SYMBOLS) * 1000;
    const close = 20 + s + Math.sin(k / 977) * 0.5;
    const b: MicroBar = {
      symbol: sym(s), window_start: ws, window_end: ws + 1000, open: close - 0.01, high: close + 0.02, low: close - 0.03, close, volume: 10 + (k % 90), vwap: close, count: 1 + (k % 9),
      is_final: true, event_ts: ws + 1000, ingest_ts: ws + 1003, seq: k, source: 'bench', correlation_id: `WB${k}`, version: 1,
    };
    out.push({ topic: TOPICS.bars1s, partition: s % WRITER_PARTITIONS, key: b.symbol, value: encode('MicroBar', b) });
  }
  return out;
}

async function preloadWriterTopics(kafka: Kafka, admin: Admin): Promise<{ trades: number; bars: number; encode_s: number; produce_s: number }> {
  await admin.createTopics({ waitForLeaders: true, topics: STORED_TOPICS.map((t) => ({ topic: PREFIX + t, numPartitions: WRITER_PARTITIONS, replicationFactor: 1 })) });
  const trades = Math.ceil(WRITER_ROWS / 2);
  const bars = WRITER_ROWS - trades;
  const t0 = performance.now();
  const records = writerRecords(trades, bars);
  const encodeS = (performance.now() - t0) / 1000;
  progress(`writer: producing ${fmt(trades)} EnrichedTrade + ${fmt(bars)} MicroBar Avro records to ${PREFIX}{${TOPICS.enrichedTrades},${TOPICS.bars1s}} (${WRITER_PARTITIONS} partitions each)…`);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t1 = performance.now();
  try {
    const chunk = 10_000;
    const inFlight = new Set<Promise<unknown>>();
    let sent = 0;
    let lastPrint = Date.now();
    for (let i = 0; i < records.length; i += chunk) {
      const part = records.slice(i, i + chunk);
      const byTopic = new Map<string, Array<{ key: string; value: Buffer; partition: number }>>();
      for (const r of part) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.key, value: r.value, partition: r.partition });
        byTopic.set(r.topic, list);
      }
      const p = producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: PREFIX + topic, messages })) });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      if (inFlight.size >= 4) await Promise.race(inFlight);
      sent += part.length;
      if (Date.now() - lastPrint > 3000) {
        lastPrint = Date.now();
        progress(`  writer preload: ${fmt(sent)} / ${fmt(records.length)} records sent`);
      }
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return { trades, bars, encode_s: round(encodeS, 2), produce_s: round((performance.now() - t1) / 1000, 2) };
}

/** End offset per `topic:partition` of the stored topics that hold records. */
async function storedEndOffsets(admin: Admin): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const t of STORED_TOPICS) {
    for (const o of await admin.fetchTopicOffsets(PREFIX + t)) if (Number(o.high) > 0) ends.set(`${PREFIX + t}:${o.partition}`, Number(o.high));
  }
  return ends;
}

async function benchWriter(kafka: Kafka, admin: Admin): Promise<Record<string, unknown>> {
  const load = await preloadWriterTopics(kafka, admin);
  const ends = await storedEndOffsets(admin);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  if (total !== load.trades + load.bars) throw new Error(`writer preload: the topics hold ${total} records, ${load.trades + load.bars} were sent`);
  progress(`  preloaded ${fmt(total)} records in ${load.produce_s} s (encoding ${load.encode_s} s)`);

  const chPath = makeTempDir('writer-chdb');
  const env = childEnv({
    KAFKA_BROKERS: BROKERS.join(','),
    TICKFLOW_TOPIC_PREFIX: PREFIX,
    TICKFLOW_STORE_GROUP: STORE_GROUP,
    TICKFLOW_CLICKHOUSE_PATH: chPath,
    ...(WRITER_BATCH_ROWS !== null ? { TICKFLOW_STORE_BATCH_ROWS: String(WRITER_BATCH_ROWS) } : {}),
  });
  const cpuStart = sampleCpu();
  progress(`writer: node bin/tickflow.mjs store (group ${STORE_GROUP}, chDB ${chPath})`);
  const child = startStore(env);
  let stopped: Awaited<ReturnType<typeof stopTickflow>> | null = null;
  try {
    const ready = await waitForLog(child, 'clickhouse ready', 120_000);
    const started = await waitForLog(child, 'clickhouse writer started', 120_000);
    const t0 = started.loggedAtMs;
    const cpuAtStart = cpuSeconds(child.proc.pid);
    const { endAt, first, perSecAfterFirstCommit: sustained } = await waitForCatchUp({ admin, groupId: STORE_GROUP, ends, total, child, label: 'writer', timeoutMs: 600_000, progress });
    const cpuAtEnd = cpuSeconds(child.proc.pid);
    const cpuEnd = sampleCpu();
    const seconds = (endAt - t0) / 1000;
    const fromSpawn = (endAt - child.startedAtMs) / 1000;
    const cpu = cpuAtStart !== null && cpuAtEnd !== null ? cpuAtEnd - cpuAtStart : null;
    progress(`  writer: caught up ${seconds.toFixed(2)} s after "writer started" — ${fmt(total / seconds)} rows/s (${fromSpawn.toFixed(1)} s from spawn)`);

    stopped = await stopTickflow(child, 'SIGTERM', 30_000);
    const stoppedLog = child.logs.find((l) => l.json?.['msg'] === 'clickhouse writer stopped')?.json ?? null;
    progress(`  writer: stopped (exit ${stopped.code}${stopped.killed ? ', SIGKILLed after the grace period' : ''}); checking the tables in a separate process…`);
    const [counts] = await chdbQueryInChild<{ trades: number; trade_ids: number; bars: number; bar_keys: number; positions_trades: number; sector_trades: number; batches: number }>(
      chPath,
      `SELECT
         (SELECT count() FROM enriched_trades) AS trades,
         (SELECT uniqExact(trade_id) FROM enriched_trades) AS trade_ids,
         (SELECT count() FROM micro_bars) AS bars,
         (SELECT uniqExact(symbol, window_start) FROM micro_bars) AS bar_keys,
         (SELECT sum(trade_count) FROM positions) AS positions_trades,
         (SELECT sum(trade_count) FROM sector_trades_1m) AS sector_trades,
         (SELECT count() FROM writer_batches) AS batches`,
    );
    const verified = !!counts && counts.trades === load.trades && counts.trade_ids === load.trades && counts.bars === load.bars && counts.bar_keys === load.bars && counts.positions_trades === load.trades && counts.sector_trades === load.trades;
    progress(`  writer: tables ${verified ? 'hold every record exactly once' : 'DO NOT match the input'}: ${JSON.stringify(counts)}`);
    const issues = logIssues(child);
    return {
      rows: total,
      trades: load.trades,
      bars: load.bars,
      seconds: round(seconds, 2),
      rows_per_sec: Math.round(total / seconds),
      rows_per_sec_from_spawn: Math.round(total / fromSpawn),
      rows_per_sec_after_first_commit: Number.isFinite(sustained) ? Math.round(sustained) : null,
      first_commit_after_start_s: first ? round((first.atMs - t0) / 1000, 2) : null,
      startup_s: round((t0 - child.startedAtMs) / 1000, 2),
      chdb_open_and_migrations_s: round((ready.loggedAtMs - child.startedAtMs) / 1000, 2),
      clock_start: '"clickhouse writer started" log line (consumer joined, partitions assigned)',
      clock_end: 'committed offsets of the writer group = end offsets on every partition (polled every 100 ms)',
      writer_cpu_s: cpu === null ? null : round(cpu, 2),
      writer_cpu_cores: cpu === null ? null : round(cpu / seconds, 2),
      batch_rows: WRITER_BATCH_ROWS ?? 'default (20000)',
      partitions_per_topic: WRITER_PARTITIONS,
      preload: load,
      exit: stopped,
      rows_inserted_logged: stoppedLog?.['rowsInserted'] ?? null,
      tables: counts ?? null,
      verified_exactly_once: verified,
      log_issues: issues,
      machine_during_run: cpuBetween(cpuStart, cpuEnd, cpu ?? 0),
    };
  } finally {
    if (!stopped) await stopTickflow(child, 'SIGTERM', 5_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase: REST-shaped history queries on chDB (in process)
// ---------------------------------------------------------------------------------------------

const HISTORY_FIXTURE: HistoryFixtureOptions = { bars: BARS, signals: SIGNALS, alerts: ALERTS, symbols: SYMBOLS, t0Ms: HISTORY_T0, alertDays: ALERT_DAYS };
const alertsFrom = (): number => alertsFromMs(HISTORY_FIXTURE);
const loadHistory = (ch: ClickHouse): Promise<Record<string, unknown>> => loadHistoryFixture(ch, HISTORY_FIXTURE, progress);

async function partsOf(ch: ClickHouse): Promise<Record<string, { parts: number; rows: number; partitions: number }>> {
  const rows = await ch.query<{ table: string; parts: number; rows: number; partitions: number }>(
    `SELECT table, count() AS parts, sum(rows) AS rows, uniqExact(partition) AS partitions FROM system.parts
     WHERE database = {db:String} AND active AND table IN ('micro_bars', 'signals', 'price_alerts') GROUP BY table ORDER BY table`,
    { db: ch.database },
  );
  return Object.fromEntries(rows.map((r) => [r.table, { parts: r.parts, rows: r.rows, partitions: r.partitions }]));
}

const BARS_SQL = `
SELECT toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms,
       open, high, low, close, volume, vwap, count, version
FROM micro_bars FINAL
WHERE symbol = {symbol:String} AND window_start >= {from:DateTime64(3, 'UTC')} AND window_start < {to:DateTime64(3, 'UTC')}
ORDER BY window_start
LIMIT {limit:UInt32}`;

const BARS_FULL_DAY_SQL = `
SELECT toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms,
       open, high, low, close, volume, vwap, count, version
FROM micro_bars FINAL
WHERE symbol = {symbol:String} AND window_start >= {from:DateTime64(3, 'UTC')} AND window_start < {to:DateTime64(3, 'UTC')}
ORDER BY window_start`;

const ALERTS_SQL = `
SELECT alert_id, alert_type, symbol, direction, baseline_price, current_price, pct_change,
       toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(detected_at) AS detected_at_ms, severity, trigger, version
FROM price_alerts FINAL
WHERE severity >= {min_severity:String} AND detected_at >= {from:DateTime64(3, 'UTC')} AND detected_at < {to:DateTime64(3, 'UTC')}
ORDER BY detected_at DESC, alert_id
LIMIT {limit:UInt32}`;

const LATEST_SIGNALS_SQL = `
SELECT symbol, toUnixTimestamp64Milli(window_start) AS window_start_ms, toUnixTimestamp64Milli(window_end) AS window_end_ms,
       ema12, ema26, macd, macd_signal, macd_hist, rsi14, bb_upper, bb_middle, bb_lower, vwap_session, vwap_rolling, realized_vol, spread, imbalance, version
FROM signals FINAL
WHERE symbol IN {symbols:Array(String)} AND window_start >= {since:DateTime64(3, 'UTC')}
ORDER BY symbol, window_start DESC
LIMIT 1 BY symbol`;

const SEVERITIES = ['MEDIUM', 'HIGH', 'CRITICAL'] as const;

interface Shape {
  name: string;
  describe: string;
  sql: string;
  params: (rand: () => number) => QueryParams;
  /** Throws if a result is not what the query must return. */
  check: (rows: Array<Record<string, unknown>>, params: QueryParams) => void;
}

function historyShapes(secondsOfData: number): { shapes: Shape[]; fullDay: Shape } {
  const dataEnd = HISTORY_T0 + secondsOfData * 1000;
  const signalsEnd = HISTORY_T0 + (SIGNALS / SYMBOLS) * 1000;
  const randomSymbol = (rand: () => number): string => symbolName(Math.floor(rand() * SYMBOLS));
  const bars: Shape = {
    name: 'bars_day',
    describe: `one page (LIMIT ${HISTORY_PAGE}) of one symbol's 1 s bars over a UTC day, from a random cursor in the day's data; FINAL, WHERE symbol = … AND window_start in [cursor, day end)`,
    sql: BARS_SQL,
    params: (rand) => ({ symbol: randomSymbol(rand), from: new Date(HISTORY_T0 + Math.floor(rand() * secondsOfData) * 1000), to: new Date(HISTORY_DAY + DAY_MS), limit: HISTORY_PAGE }),
    check: (rows, p) => {
      const from = (p['from'] as Date).getTime();
      const expected = Math.min(HISTORY_PAGE, Math.ceil((dataEnd - from) / 1000));
      if (rows.length !== expected) throw new Error(`bars_day: ${rows.length} rows, expected ${expected} (${JSON.stringify(p)})`);
    },
  };
  const alerts: Shape = {
    name: 'alerts_by_severity',
    describe: `alerts at or above a random severity detected in a random 1 h range of the ${ALERT_DAYS} days they cover, newest first, LIMIT ${ALERT_PAGE}; FINAL`,
    sql: ALERTS_SQL,
    params: (rand) => {
      const from = alertsFrom() + Math.floor(rand() * (ALERT_DAYS * DAY_MS - ALERT_RANGE_MS));
      return { min_severity: SEVERITIES[Math.floor(rand() * 3)]!, from: new Date(from), to: new Date(from + ALERT_RANGE_MS), limit: ALERT_PAGE };
    },
    check: (rows, p) => {
      const min = SEVERITIES.indexOf(p['min_severity'] as (typeof SEVERITIES)[number]);
      const [from, to] = [(p['from'] as Date).getTime(), (p['to'] as Date).getTime()];
      for (const r of rows) {
        if (SEVERITIES.indexOf(r['severity'] as (typeof SEVERITIES)[number]) < min) throw new Error(`alerts_by_severity: ${String(r['severity'])} below ${String(p['min_severity'])}`);
        const at = r['detected_at_ms'] as number;
        if (at < from || at >= to) throw new Error(`alerts_by_severity: detected at ${at}, outside [${from}, ${to})`);
      }
    },
  };
  const latest: Shape = {
    name: 'latest_signals_100',
    describe: `latest signal of ${LATEST_SYMBOLS} random symbols (FINAL, symbol IN array, ${SIGNALS_LOOKBACK_MS / 60_000} min lookback, LIMIT 1 BY symbol)`,
    sql: LATEST_SIGNALS_SQL,
    params: (rand) => {
      const picked = new Set<string>();
      while (picked.size < Math.min(LATEST_SYMBOLS, SYMBOLS)) picked.add(randomSymbol(rand));
      return { symbols: [...picked], since: new Date(signalsEnd - SIGNALS_LOOKBACK_MS) };
    },
    check: (rows, p) => {
      const n = (p['symbols'] as string[]).length;
      if (rows.length !== n) throw new Error(`latest_signals_100: ${rows.length} rows for ${n} symbols`);
      for (const r of rows) if (r['window_start_ms'] !== signalsEnd - 1000) throw new Error(`latest_signals_100: ${String(r['symbol'])} latest is ${String(r['window_start_ms'])}, not the last second`);
    },
  };
  const fullDay: Shape = {
    name: 'bars_day_full',
    describe: `all of one symbol's 1 s bars of the day (${fmt(secondsOfData)} rows, no LIMIT); informational, not in the headline`,
    sql: BARS_FULL_DAY_SQL,
    params: (rand) => ({ symbol: randomSymbol(rand), from: new Date(HISTORY_DAY), to: new Date(HISTORY_DAY + DAY_MS) }),
    check: (rows) => {
      if (rows.length !== secondsOfData) throw new Error(`bars_day_full: ${rows.length} rows, expected ${secondsOfData}`);
    },
  };
  return { shapes: [bars, alerts, latest], fullDay };
}

function latencyStats(samples: readonly number[]): { p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number; mean_ms: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return {
    p50_ms: round(quantile(s, 0.5), 2),
    p90_ms: round(quantile(s, 0.9), 2),
    p99_ms: round(quantile(s, 0.99), 2),
    max_ms: round(s[s.length - 1] ?? Number.NaN, 2),
    mean_ms: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), 2),
    n: s.length,
  };
}

/** Runs every shape `runs` times, interleaved in a shuffled order per round, after `HISTORY_WARMUP` untimed rounds. */
async function runShapes(ch: ClickHouse, shapes: Shape[], runs: number, seed: number, label: string): Promise<{ per_shape: Record<string, unknown>; overall: ReturnType<typeof latencyStats>; rows: Record<string, number> }> {
  const rand = prng(seed);
  const samples = new Map<string, number[]>(shapes.map((s) => [s.name, []]));
  const rowsSeen = new Map<string, number>(shapes.map((s) => [s.name, 0]));
  let lastPrint = Date.now();
  for (let round_ = -HISTORY_WARMUP; round_ < runs; round_++) {
    const order = [...shapes];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const shape of order) {
      const params = shape.params(rand);
      const t = performance.now();
      const rows = await ch.query(shape.sql, params);
      const ms = performance.now() - t;
      shape.check(rows, params);
      if (round_ >= 0) {
        samples.get(shape.name)!.push(ms);
        rowsSeen.set(shape.name, rowsSeen.get(shape.name)! + rows.length);
      }
    }
    if (Date.now() - lastPrint > 3000) {
      lastPrint = Date.now();
      progress(`  ${label}: round ${round_ + 1} / ${runs}`);
    }
  }
  const per_shape: Record<string, unknown> = {};
  for (const shape of shapes) {
    const st = latencyStats(samples.get(shape.name)!);
    per_shape[shape.name] = { ...st, avg_rows: round(rowsSeen.get(shape.name)! / runs, 1), query: shape.describe };
    progress(`  ${label} ${shape.name.padEnd(20)} p50 ${st.p50_ms} ms, p99 ${st.p99_ms} ms (max ${st.max_ms}, ${st.n} runs)`);
  }
  const overall = latencyStats([...samples.values()].flat());
  progress(`  ${label} overall              p50 ${overall.p50_ms} ms, p99 ${overall.p99_ms} ms`);
  return { per_shape, overall, rows: Object.fromEntries(rowsSeen) };
}

/**
 * The writer's per-row work in isolation, in this process on the history chDB (after the queries, on
 * a day of its own): Avro decode, row mapping, and `ClickHouse.insert` of writer-sized batches with a
 * dedup token — the ceiling a single writer process can reach on chDB before Kafka is involved.
 */
async function measureInsertPath(ch: ClickHouse): Promise<Record<string, unknown>> {
  const batch = WRITER_BATCH_ROWS ?? 20_000;
  const batches = 4;
  progress(`history: the writer's insert path alone — decode, map, ch.insert of ${batches} × ${fmt(batch)} rows per table…`);
  const records = writerRecords(batch * batches, batch * batches);
  const out: Record<string, unknown> = {};
  for (const [event, topic] of [['EnrichedTrade', TOPICS.enrichedTrades], ['MicroBar', TOPICS.bars1s]] as const) {
    const { table } = STORED_EVENTS[event];
    const values = records.filter((r) => r.topic === topic).map((r) => r.value);
    let t = performance.now();
    const decoded = values.map((v) => {
      const r = decode(event, v);
      if (!r.ok) throw new Error(`insert path: ${event} does not decode: ${r.error.message}`);
      return r.value;
    });
    const decodeS = (performance.now() - t) / 1000;
    t = performance.now();
    const rows = decoded.map((v) => toStoredRow(event, v as never));
    const mapS = (performance.now() - t) / 1000;
    const insertMs: number[] = [];
    for (let i = 0; i < batches; i++) {
      t = performance.now();
      await ch.insert(table, rows.slice(i * batch, (i + 1) * batch), { dedupToken: `bench-insert-path:${table}:${i}` });
      insertMs.push(performance.now() - t);
    }
    const perRowS = decodeS / values.length + mapS / values.length + median(insertMs) / 1000 / batch;
    out[table] = {
      batch_rows: batch,
      decode_rows_per_sec: Math.round(values.length / decodeS),
      map_rows_per_sec: Math.round(values.length / mapS),
      insert_rows_per_sec: Math.round((batch * 1000) / median(insertMs)),
      insert_batch_ms: insertMs.map((x) => round(x, 0)),
      ceiling_rows_per_sec: Math.round(1 / perRowS),
    };
    progress(`  ${table}: decode ${fmt(values.length / decodeS)}/s, map ${fmt(values.length / mapS)}/s, ch.insert ${fmt((batch * 1000) / median(insertMs))}/s → one-thread ceiling ${fmt(1 / perRowS)} rows/s`);
  }
  return out;
}

async function benchHistory(): Promise<Record<string, unknown>> {
  const dir = makeTempDir('history-chdb');
  // Through the settings loader like the apps, pinned to chDB in the temp dir.
  const settings = loadClickHouseSettings({}, { TICKFLOW_CLICKHOUSE_PATH: dir, CLICKHOUSE_DATABASE: 'tickflow' });
  const ch = await createClickHouse(settings);
  const cpuStart = sampleCpu();
  try {
    const migrated = await runMigrations(ch);
    const [engine] = await ch.query<{ v: string }>('SELECT version() AS v');
    const load = await loadHistory(ch);
    const secondsOfData = load['seconds_of_data'] as number;
    const { shapes, fullDay } = historyShapes(secondsOfData);

    const partsInserted = await partsOf(ch);
    progress(`history: as inserted ${JSON.stringify(partsInserted)} — ${HISTORY_UNMERGED_RUNS} runs per shape`);
    const unmerged = await runShapes(ch, shapes, HISTORY_UNMERGED_RUNS, 1, 'as inserted');
    const partsAfterUnmerged = await partsOf(ch);

    progress('history: OPTIMIZE TABLE … FINAL (what background merges converge to)…');
    const optimize: Record<string, number> = {};
    for (const table of ['micro_bars', 'signals', 'price_alerts']) {
      const t = performance.now();
      await ch.command('OPTIMIZE TABLE {t:Identifier} FINAL', { t: table });
      optimize[table] = round((performance.now() - t) / 1000, 1);
    }
    const partsMerged = await partsOf(ch);
    progress(`  merged: ${JSON.stringify(partsMerged)}; ${HISTORY_RUNS} runs per shape`);
    const cpuMergedStart = sampleCpu();
    const merged = await runShapes(ch, shapes, HISTORY_RUNS, 2, 'merged');
    const cpuMergedEnd = sampleCpu();
    const full = await runShapes(ch, [fullDay], Math.max(10, Math.floor(HISTORY_RUNS / 5)), 3, 'merged');
    // Client round trip with no table: the floor under every query through the port on chDB.
    const floor: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await ch.query('SELECT 1 AS one');
      floor.push(performance.now() - t);
    }
    return {
      p50_ms: merged.overall.p50_ms,
      p99_ms: merged.overall.p99_ms,
      unmerged_p50_ms: unmerged.overall.p50_ms,
      unmerged_p99_ms: unmerged.overall.p99_ms,
      backend: `${ch.backend} (embedded, engine ${engine?.v ?? '?'}), ${dir} (temp)`,
      migrations_applied: migrated.applied.length,
      data: {
        symbols: SYMBOLS,
        seconds_per_symbol: secondsOfData,
        first_bar: new Date(HISTORY_T0).toISOString(),
        micro_bars: BARS,
        signals: SIGNALS,
        price_alerts: ALERTS,
        price_alerts_days: ALERT_DAYS,
        ...load,
      },
      merged: { parts: partsMerged, optimize_final_s: optimize, ...merged, bars_day_full: full.per_shape['bars_day_full'], machine_during_queries: cpuBetween(cpuMergedStart, cpuMergedEnd) },
      as_inserted: { parts_before: partsInserted, parts_after: partsAfterUnmerged, ...unmerged },
      select_1_round_trip: latencyStats(floor),
      port_insert: await measureInsertPath(ch),
      queries: { bars_day: BARS_SQL.trim(), alerts_by_severity: ALERTS_SQL.trim(), latest_signals_100: LATEST_SIGNALS_SQL.trim() },
      machine_during_phase: cpuBetween(cpuStart, sampleCpu()),
    };
  } finally {
    await ch.close();
    rmSync(dir, { recursive: true, force: true });
    TEMP_DIRS.delete(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase: DuckDB analytics over a generated Parquet lake
// ---------------------------------------------------------------------------------------------

const LAKE_SECTORS = ['Technology', 'Financials', 'Health Care', 'Energy', 'Industrials', 'Consumer Discretionary', 'Utilities', 'Materials', 'Real Estate', 'Communication Services'];

/** SQL string literal for the bench's own paths (temp dirs, the repo), never user input. */
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * `SELECT` list of a dataset's file columns, in `fileColumns` order, from `exprs` (column → SQL
 * expression; for a TIMESTAMP_MS column the expression gives epoch ms). Throws if the layout has a
 * column the generator does not know, so a layout change cannot silently produce files the readers
 * would not expect.
 */
function selectList(dataset: typeof ENRICHED_TRADES | typeof TRADE_AGGREGATES, exprs: Record<string, string>): string {
  const cols = fileColumns(dataset);
  const unknown = cols.filter((c) => exprs[c.name] === undefined).map((c) => c.name);
  if (unknown.length > 0) throw new Error(`lake generator: no expression for ${dataset.name} column(s) ${unknown.join(', ')} (lake-layout.ts changed?)`);
  const extra = Object.keys(exprs).filter((k) => !cols.some((c) => c.name === k));
  if (extra.length > 0) throw new Error(`lake generator: ${dataset.name} has no column(s) ${extra.join(', ')}`);
  return cols.map((c) => (c.type === 'TIMESTAMP_MS' ? `CAST(epoch_ms(${exprs[c.name]}) AS TIMESTAMP_MS) AS "${c.name}"` : `CAST(${exprs[c.name]} AS ${c.type}) AS "${c.name}"`)).join(',\n  ');
}

async function rows(conn: DuckDBConnection, sql: string, params?: Record<string, DuckDBValue>): Promise<Array<Record<string, unknown>>> {
  return (await conn.runAndReadAll(sql, params)).getRowObjectsJS() as Array<Record<string, unknown>>;
}

/**
 * Moves files DuckDB wrote with `PARTITION_BY (fkey)` (fkey = hour bucket × partitions + source
 * partition) to `<lake>/<dataset>/date=…/hour=…/p<partition>-<first offset>-<last offset>.parquet`.
 */
async function publishStaged(conn: DuckDBConnection, stage: string, lakeRoot: string, dataset: string): Promise<{ files: number; hours: number }> {
  const staged = await rows(conn, `SELECT filename AS f, min(kafka_offset) AS lo, max(kafka_offset) AS hi FROM read_parquet(${lit(join(stage, '*', '*.parquet'))}, filename = true, hive_partitioning = false) GROUP BY filename`);
  const hours = new Set<number>();
  for (const r of staged) {
    const file = String(r['f']);
    const m = /fkey=(\d+)/.exec(file);
    if (!m) throw new Error(`lake generator: unexpected staged file ${file}`);
    const fkey = Number(m[1]);
    const bucket = Math.floor(fkey / LAKE_PARTITIONS);
    hours.add(bucket);
    const target = join(lakeRoot, dataset, hourPartitionPath(bucket), lakeFileName(fkey % LAKE_PARTITIONS, Number(r['lo']), Number(r['hi'])));
    mkdirSync(dirname(target), { recursive: true });
    renameSync(file, target);
  }
  rmSync(stage, { recursive: true, force: true });
  return { files: staged.length, hours: hours.size };
}

async function generateLake(conn: DuckDBConnection, lakeRoot: string): Promise<Record<string, unknown>> {
  const N = LAKE_TRADES;
  const D = LAKE_DAYS;
  const P = LAKE_PARTITIONS;
  const day0 = LAKE_LAST_DAY - (D - 1) * DAY_MS;
  // Symbols: the reference list first (so the sector join of sectorPerformance finds them), then synthetic.
  await conn.run(`CREATE TEMP TABLE ref AS SELECT * FROM read_csv(${lit(REFERENCE_CSV)}, header = true, all_varchar = true)`);
  await conn.run(`CREATE TEMP TABLE syms AS
    WITH r AS (SELECT CAST(row_number() OVER (ORDER BY symbol) - 1 AS INTEGER) AS s, symbol, company_name, sector, industry, market_cap_tier, exchange FROM ref)
    SELECT * FROM r WHERE s < ${LAKE_SYMBOLS}
    UNION ALL
    SELECT CAST(s AS INTEGER), 'L' || lpad(s::VARCHAR, 4, '0'), 'L' || lpad(s::VARCHAR, 4, '0') || ' Corp.',
      ${`[${LAKE_SECTORS.map(lit).join(', ')}]`}[1 + s % ${LAKE_SECTORS.length}], 'Benchmark',
      ['MEGA', 'LARGE', 'MID', 'SMALL'][1 + s % 4], ['NASDAQ', 'NYSE'][1 + s % 2]
    FROM range((SELECT count(*) FROM r), ${LAKE_SYMBOLS}) t(s)`);

  // Trade i: day d = i·D div N, evenly through that day's 6.5 h session; symbol skewed towards the
  // first ones (u^1.6); source partition i mod P at offset i div P (offsets rise with time).
  const trade: Record<string, string> = {
    trade_id: `'T' || i::VARCHAR`,
    order_id: `'O' || i::VARCHAR`,
    symbol: 'y.l_symbol[s + 1]',
    side: `CASE WHEN h2 % 2 = 0 THEN 'BUY' ELSE 'SELL' END`,
    quantity: '1 + h3 % 500',
    price: `round((10 + (s * 37) % 490) * (1 + 0.2 * sin((d + frac) * 6.283185307 / (17 + s % 13))) * (1 + (CAST((h2 // 7) % 1000 AS INTEGER) - 500) / 250000.0), 2)`,
    status: `CASE WHEN h3 % 10 = 0 THEN 'PARTIALLY_FILLED' ELSE 'FILLED' END`,
    exchange: 'y.l_exchange[s + 1]',
    trader_id: `'TR-' || ((h3 // 11) % 100)::VARCHAR`,
    account_id: `'ACC-' || ((h2 // 13) % ${LAKE_ACCOUNTS})::VARCHAR`,
    timestamp_ms: 'ts',
    trade_time: 'ts',
    event_type: `'TRADE'`,
    company_name: 'y.l_company_name[s + 1]',
    sector: 'y.l_sector[s + 1]',
    industry: 'y.l_industry[s + 1]',
    market_cap_tier: 'y.l_market_cap_tier[s + 1]',
    listed_exchange: 'y.l_exchange[s + 1]',
    event_ts: 'ts + 5',
    event_time: 'ts + 5',
    ingest_ts: 'ts + 2',
    ingest_time: 'ts + 2',
    seq: 'i',
    source: `'bench'`,
    correlation_id: `'T' || i::VARCHAR`,
    version: '1',
    kafka_partition: `i % ${P}`,
    kafka_offset: `i // ${P}`,
  };
  const tradesStage = join(lakeRoot, '.stage-trades');
  progress(`lake: writing ${fmt(N)} enriched trades over ${D} days (${LAKE_SYMBOLS} symbols, ${LAKE_ACCOUNTS} accounts) as Parquet…`);
  let t = performance.now();
  await conn.run(`COPY (
    WITH g AS (
      SELECT i, (i * ${D}) // ${N} AS d, CAST((i * ${D}) % ${N} AS DOUBLE) / ${N} AS frac,
        CAST(hash(i, 1) % 1000003 AS DOUBLE) / 1000003 AS u1, hash(i, 2) AS h2, hash(i, 3) AS h3
      FROM range(${N}) t(i)
    ), g2 AS (
      SELECT *, CAST(least(${LAKE_SYMBOLS - 1}, floor(${LAKE_SYMBOLS} * pow(u1, 1.6))) AS INTEGER) AS s,
        CAST(${day0} AS BIGINT) + d * ${DAY_MS} + ${SESSION_OPEN_MS} + CAST(floor(frac * ${SESSION_MS}) AS BIGINT) AS ts
      FROM g
    )
    SELECT ${selectList(ENRICHED_TRADES, trade)},
      (ts // 3600000) * ${P} + i % ${P} AS fkey
    FROM g2, (SELECT list(symbol ORDER BY s) AS l_symbol, list(company_name ORDER BY s) AS l_company_name, list(sector ORDER BY s) AS l_sector,
                     list(industry ORDER BY s) AS l_industry, list(market_cap_tier ORDER BY s) AS l_market_cap_tier, list(exchange ORDER BY s) AS l_exchange FROM syms) y
  ) TO ${lit(tradesStage)} (FORMAT parquet, PARTITION_BY (fkey))`);
  const tradesCopyS = (performance.now() - t) / 1000;
  const tradesFiles = await publishStaged(conn, tradesStage, lakeRoot, ENRICHED_TRADES.name);
  progress(`  trades: ${tradesCopyS.toFixed(1)} s, ${fmt(tradesFiles.files)} files in ${fmt(tradesFiles.hours)} hour partitions`);

  // Aggregates from those trades: 1m/5m/15m per symbol (partition = hash(symbol) mod P) and per
  // sector as partial sums per source partition (as the processor's tasks emit them); 2 % of the 1m
  // symbol windows were corrected: an earlier version 1 (90 % of the volume) then the true version 2.
  const agg: Record<string, string> = {
    symbol: 'key',
    scope: 'scope',
    window_size: 'window_size',
    window_start: 'ws',
    window_start_time: 'ws',
    window_end: 'ws + ms',
    window_end_time: 'ws + ms',
    total_volume: 'vol * f',
    total_value: 'val * f',
    vwap: 'val / vol',
    trade_count: 'CASE WHEN f < 1 THEN greatest(n - 1, 1) ELSE n END',
    buy_count: 'b',
    sell_count: 'sl',
    buy_sell_ratio: 'b / nullif(sl, 0)',
    high_price: 'hi',
    low_price: 'lo',
    open_price: 'op',
    close_price: 'cl',
    volatility_anomaly: 'false',
    computed_at: 'ws + ms + 50 + (version - 1) * 30000',
    computed_time: 'ws + ms + 50 + (version - 1) * 30000',
    event_ts: 'ws + ms',
    event_time: 'ws + ms',
    ingest_ts: 'ing',
    ingest_time: 'ing',
    seq: 'mseq',
    source: `'bench'`,
    correlation_id: `'agg:' || scope || ':' || key || ':' || window_size || ':' || ws::VARCHAR`,
    version: 'version',
    kafka_partition: 'kp',
    kafka_offset: 'row_number() OVER (PARTITION BY kp ORDER BY ws + ms, version, scope, key, window_size, ws) - 1',
  };
  const aggStage = join(lakeRoot, '.stage-aggregates');
  progress('lake: computing trade aggregates (1m/5m/15m, symbol and sector scope) from the trade files…');
  t = performance.now();
  const stats = `sum(quantity) AS vol, sum(price * quantity) AS val, count(*) AS n, count(*) FILTER (WHERE side = 'BUY') AS b, count(*) FILTER (WHERE side = 'SELL') AS sl,
                 max(price) AS hi, min(price) AS lo, arg_min(price, seq) AS op, arg_max(price, seq) AS cl, max(seq) AS mseq, max(ingest_ts) AS ing`;
  await conn.run(`COPY (
    WITH t AS (SELECT symbol, sector, timestamp_ms, quantity, price, side, seq, ingest_ts, kafka_partition FROM read_parquet(${lit(datasetGlob(lakeRoot, ENRICHED_TRADES))})),
    sizes AS (SELECT * FROM (VALUES ('1m', 60000), ('5m', 300000), ('15m', 900000)) v(window_size, ms)),
    base AS (
      SELECT 'symbol' AS scope, symbol AS key, window_size, ms, (timestamp_ms // ms) * ms AS ws, CAST(hash(symbol) % ${P} AS INTEGER) AS kp, ${stats}
      FROM t, sizes GROUP BY symbol, window_size, ms, ws
      UNION ALL
      SELECT 'sector', sector, window_size, ms, (timestamp_ms // ms) * ms AS ws, kafka_partition, ${stats}
      FROM t, sizes GROUP BY sector, kafka_partition, window_size, ms, ws
    ),
    marked AS (SELECT *, scope = 'symbol' AND window_size = '1m' AND hash(key, ws) % 50 = 0 AS corrected FROM base),
    versions AS (
      SELECT *, CASE WHEN corrected THEN 2 ELSE 1 END AS version, 1.0 AS f FROM marked
      UNION ALL
      SELECT *, 1 AS version, 0.9 AS f FROM marked WHERE corrected
    )
    SELECT ${selectList(TRADE_AGGREGATES, agg)},
      (ws // 3600000) * ${P} + kp AS fkey
    FROM versions
  ) TO ${lit(aggStage)} (FORMAT parquet, PARTITION_BY (fkey))`);
  const aggCopyS = (performance.now() - t) / 1000;
  const aggFiles = await publishStaged(conn, aggStage, lakeRoot, TRADE_AGGREGATES.name);
  const [aggCount] = await rows(conn, `SELECT count(*) AS n, count(*) FILTER (WHERE scope = 'symbol' AND window_size = '1m') AS sym_1m, count(*) FILTER (WHERE version = 2) AS corrected FROM read_parquet(${lit(datasetGlob(lakeRoot, TRADE_AGGREGATES))})`);
  progress(`  aggregates: ${fmt(Number(aggCount!['n']))} rows in ${aggCopyS.toFixed(1)} s, ${fmt(aggFiles.files)} files`);
  return {
    trades: N,
    days: D,
    first_day: new Date(day0).toISOString().slice(0, 10),
    last_day: new Date(LAKE_LAST_DAY).toISOString().slice(0, 10),
    session_utc: '14:30–21:00',
    symbols: LAKE_SYMBOLS,
    accounts: LAKE_ACCOUNTS,
    source_partitions: P,
    trade_files: tradesFiles.files,
    trade_hour_partitions: tradesFiles.hours,
    trades_write_s: round(tradesCopyS, 1),
    aggregate_rows: Number(aggCount!['n']),
    aggregate_rows_symbol_1m: Number(aggCount!['sym_1m']),
    aggregate_rows_corrected_v2: Number(aggCount!['corrected']),
    aggregate_files: aggFiles.files,
    aggregates_write_s: round(aggCopyS, 1),
    parquet_mb: round(duBytes(lakeRoot) / 2 ** 20, 0),
  };
}

function duBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += duBytes(path);
    else if (e.isFile()) total += statSync(path).size;
  }
  return total;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

interface LakeCall {
  name: string;
  describe: string;
  run: (a: LakeAnalytics) => Promise<unknown[]>;
}

async function benchLake(): Promise<Record<string, unknown>> {
  const lakeRoot = makeTempDir('lake');
  const cpuStart = sampleCpu();
  const gen = await DuckDBInstance.create(':memory:');
  const conn = await gen.connect();
  let data: Record<string, unknown>;
  const lakeStart = LAKE_LAST_DAY - (LAKE_DAYS - 1) * DAY_MS;
  const lakeEnd = LAKE_LAST_DAY + DAY_MS;
  const lastDay = new Date(LAKE_LAST_DAY).toISOString().slice(0, 10);
  const account = 'ACC-7';
  // Expected values by plain SQL over the same files (the generator's connection, not LakeAnalytics).
  let expected: {
    executed: number;
    symbols: number;
    top: Array<{ symbol: string; v: number }>;
    account: Map<string, { net: number; n: number }>;
    lastDay: Map<string, number>;
    priorDays: Map<string, number>;
    duckdb: string;
  };
  try {
    data = await generateLake(conn, lakeRoot);
    const trades = `read_parquet(${lit(datasetGlob(lakeRoot, ENRICHED_TRADES))}, hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER})`;
    const [tot] = await rows(conn, `SELECT count(*) AS n, count(DISTINCT symbol) AS s FROM ${trades} WHERE status IN ('FILLED', 'PARTIALLY_FILLED')`);
    const top = await rows(conn, `SELECT symbol, sum(quantity) AS v FROM ${trades} GROUP BY symbol ORDER BY v DESC, symbol LIMIT 20`);
    const acc = await rows(conn, `SELECT symbol, sum(CASE WHEN side = 'BUY' THEN quantity ELSE -quantity END) AS net, count(*) AS n FROM ${trades} WHERE account_id = $a GROUP BY symbol`, { a: account });
    const day = await rows(conn, `SELECT symbol, sum(quantity) AS v FROM ${trades} WHERE date = $d::DATE GROUP BY symbol`, { d: lastDay });
    const prior = await rows(conn, `SELECT symbol, count(DISTINCT date) AS days FROM ${trades} WHERE date >= $d::DATE - 90 AND date < $d::DATE GROUP BY symbol`, { d: lastDay });
    const [ver] = await rows(conn, 'SELECT version() AS v');
    expected = {
      executed: Number(tot!['n']),
      symbols: Number(tot!['s']),
      top: top.map((r) => ({ symbol: String(r['symbol']), v: Number(r['v']) })),
      account: new Map(acc.map((r) => [String(r['symbol']), { net: Number(r['net']), n: Number(r['n']) }])),
      lastDay: new Map(day.map((r) => [String(r['symbol']), Number(r['v'])])),
      priorDays: new Map(prior.map((r) => [String(r['symbol']), Number(r['days'])])),
      duckdb: String(ver!['v']),
    };
  } finally {
    conn.closeSync();
    gen.closeSync();
  }
  gc();

  const analytics = await LakeAnalytics.open({ lakeRoot, referencePath: REFERENCE_CSV });
  try {
    const topSymbol = expected.top[0]!.symbol;
    const calls: LakeCall[] = [
      { name: 'topTradedSymbols_lake', describe: `topTradedSymbols over the whole lake (${LAKE_DAYS} days), by volume, limit 20`, run: (a) => a.topTradedSymbols({ from: lakeStart, to: lakeEnd, limit: 20, by: 'volume' }) },
      { name: 'sectorPerformance_lake', describe: 'sectorPerformance over the whole lake', run: (a) => a.sectorPerformance({ from: lakeStart, to: lakeEnd }) },
      { name: 'portfolio', describe: `portfolio('${account}') as of the end of the lake (all its trades; last prices of its symbols)`, run: (a) => a.portfolio(account, { asOf: lakeEnd - 1 }) },
      { name: 'volumeVsHistory_all', describe: `volumeVsHistory(ALL_SYMBOLS, '${lastDay}'): 1m aggregates of 91 days`, run: (a) => a.volumeVsHistory(ALL_SYMBOLS, lastDay) },
      { name: 'volumeVsHistory_symbol', describe: `volumeVsHistory('${topSymbol}', '${lastDay}')`, run: (a) => a.volumeVsHistory(topSymbol, lastDay) },
      { name: 'topTradedSymbols_day', describe: `topTradedSymbols over the last day (${lastDay}), by value, limit 20`, run: (a) => a.topTradedSymbols({ from: LAKE_LAST_DAY, to: lakeEnd, limit: 20, by: 'value' }) },
      { name: 'sectorPerformance_day', describe: `sectorPerformance over the last day (${lastDay})`, run: (a) => a.sectorPerformance({ from: LAKE_LAST_DAY, to: lakeEnd }) },
    ];

    // Results first (the warm-up run): checked against the plain SQL above.
    const checks: Record<string, string> = {};
    const warmupMs: Record<string, number> = {};
    const results = new Map<string, unknown[]>();
    for (const c of calls) {
      const t = performance.now();
      const r = await c.run(analytics);
      warmupMs[c.name] = round(performance.now() - t, 0);
      results.set(c.name, r);
    }
    const fail = (name: string, msg: string): never => {
      throw new Error(`lake analytics ${name}: ${msg}`);
    };
    const top = results.get('topTradedSymbols_lake') as Array<{ symbol: string; total_volume: number; trade_count: number }>;
    if (top.length !== Math.min(20, expected.symbols)) fail('topTradedSymbols_lake', `${top.length} rows`);
    top.forEach((r, i) => {
      const e = expected.top[i]!;
      if (r.symbol !== e.symbol || !close(r.total_volume, e.v)) fail('topTradedSymbols_lake', `rank ${i + 1} is ${r.symbol} ${r.total_volume}, expected ${e.symbol} ${e.v}`);
    });
    checks['topTradedSymbols_lake'] = `top 20 symbols and volumes equal plain SQL (#1 ${top[0]!.symbol}: ${fmt(top[0]!.trade_count)} trades)`;
    const sectors = results.get('sectorPerformance_lake') as Array<{ sector: string; trade_count: number; symbol_count: number }>;
    const sectorTrades = sectors.reduce((a, r) => a + r.trade_count, 0);
    const sectorSymbols = sectors.reduce((a, r) => a + r.symbol_count, 0);
    if (sectorTrades !== expected.executed || sectorSymbols !== expected.symbols) fail('sectorPerformance_lake', `Σ trades ${sectorTrades} / Σ symbols ${sectorSymbols}, expected ${expected.executed} / ${expected.symbols}`);
    checks['sectorPerformance_lake'] = `${sectors.length} sectors; Σ trade_count = ${fmt(sectorTrades)} = every execution, Σ symbol_count = ${sectorSymbols}`;
    const positions = results.get('portfolio') as Array<{ symbol: string; net_position: number; trade_count: number }>;
    if (positions.length === 0) fail('portfolio', 'no positions');
    for (const p of positions) {
      const e = expected.account.get(p.symbol);
      if (!e || !close(p.net_position, e.net) || p.trade_count !== e.n) fail('portfolio', `${p.symbol}: net ${p.net_position} / ${p.trade_count} trades, expected ${e?.net} / ${e?.n}`);
    }
    const open = [...expected.account.values()].filter((e) => Math.abs(e.net) > 1e-9).length;
    if (positions.length !== open) fail('portfolio', `${positions.length} positions, expected ${open} non-flat`);
    checks['portfolio'] = `${positions.length} open positions of ${account}, net positions and trade counts equal plain SQL`;
    const vvh = results.get('volumeVsHistory_all') as Array<{ symbol: string; today_volume: number; days_90d: number }>;
    if (vvh.length !== expected.lastDay.size) fail('volumeVsHistory_all', `${vvh.length} symbols, expected ${expected.lastDay.size}`);
    for (const r of vvh) {
      const e = expected.lastDay.get(r.symbol);
      if (e === undefined || !close(r.today_volume, e)) fail('volumeVsHistory_all', `${r.symbol}: today ${r.today_volume}, expected Σ quantity ${e} (corrections read at their latest version?)`);
      if (r.days_90d !== (expected.priorDays.get(r.symbol) ?? 0)) fail('volumeVsHistory_all', `${r.symbol}: days_90d ${r.days_90d}, expected ${expected.priorDays.get(r.symbol) ?? 0}`);
    }
    checks['volumeVsHistory_all'] = `${vvh.length} symbols; today_volume = Σ quantity of the day's trades (corrected windows at version 2) and days_90d equal plain SQL`;
    const one = results.get('volumeVsHistory_symbol') as Array<{ today_volume: number; avg_volume_30d: number | null }>;
    if (one.length !== 1 || !close(one[0]!.today_volume, expected.lastDay.get(topSymbol) ?? Number.NaN)) fail('volumeVsHistory_symbol', JSON.stringify(one));
    checks['volumeVsHistory_symbol'] = `${topSymbol}: today ${fmt(one[0]!.today_volume)} vs 30-day average ${fmt(one[0]!.avg_volume_30d ?? 0)}`;
    for (const name of ['topTradedSymbols_day', 'sectorPerformance_day']) if ((results.get(name) ?? []).length === 0) fail(name, 'no rows');
    checks['day_calls'] = 'non-empty';
    progress(`lake: analytics results check out (${Object.keys(checks).length} checks); timing ${calls.length} calls × ${LAKE_RUNS}…`);

    const per_call: Record<string, { median_ms: number } & Record<string, unknown>> = {};
    let slowest: [string, number] = ['', -1];
    const cpuQueriesStart = sampleCpu();
    for (const c of calls) {
      const times: number[] = [];
      let n = 0;
      for (let i = 0; i < LAKE_RUNS; i++) {
        const t = performance.now();
        n = (await c.run(analytics)).length;
        times.push(performance.now() - t);
      }
      const med = median(times);
      per_call[c.name] = { median_ms: round(med, 0), min_ms: round(Math.min(...times), 0), max_ms: round(Math.max(...times), 0), warmup_ms: warmupMs[c.name], runs_ms: times.map((x) => round(x, 0)), rows: n, call: c.describe };
      if (round(med, 0) > slowest[1]) slowest = [c.name, round(med, 0)];
      progress(`  ${c.name.padEnd(24)} median ${fmt(med)} ms (${times.map((x) => fmt(x)).join(', ')}; warm-up ${fmt(warmupMs[c.name]!)})`);
    }
    const cpuQueriesEnd = sampleCpu();
    return {
      lake_query_ms: slowest[1],
      slowest_call: slowest[0],
      per_call,
      checks,
      data,
      duckdb: expected.duckdb,
      reference: `${REFERENCE_CSV.slice(REPO_ROOT.length + 1)} (its symbols are the lake's first; the rest are synthetic L…)`,
      machine_during_queries: cpuBetween(cpuQueriesStart, cpuQueriesEnd),
      machine_during_phase: cpuBetween(cpuStart, sampleCpu()),
    };
  } finally {
    analytics.close();
    rmSync(lakeRoot, { recursive: true, force: true });
    TEMP_DIRS.delete(lakeRoot);
  }
}

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

async function cleanUpKafka(admin: Admin | null): Promise<void> {
  if (admin) await deleteRunTopicsAndGroups(admin, [PREFIX], PREFIX, progress);
}

export async function benchStorage(): Promise<Record<string, unknown>> {
  const loadStart = loadavg();
  const details: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  let admin: Admin | null = null;
  try {
    if (PHASES.has('writer')) {
      const kafka = new Kafka({ clientId: `tickflow-bench-storage-${process.pid}`, brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
      admin = kafka.admin();
      await admin.connect();
      try {
        const w = await benchWriter(kafka, admin);
        details['writer'] = w;
        Object.assign(out, { writer_rows_per_sec: w['rows_per_sec'], writer_rows: w['rows'], writer_verified: w['verified_exactly_once'] });
      } finally {
        killAllChildren();
        await cleanUpKafka(admin);
        await admin.disconnect().catch(() => undefined);
        admin = null;
        removeTempDirs();
      }
      gc();
    }
    if (PHASES.has('history')) {
      const h = await benchHistory();
      details['history'] = h;
      Object.assign(out, { history_p50_ms: h['p50_ms'], history_p99_ms: h['p99_ms'], history_unmerged_p50_ms: h['unmerged_p50_ms'], history_unmerged_p99_ms: h['unmerged_p99_ms'], history_bar_rows: BARS });
      gc();
    }
    if (PHASES.has('lake')) {
      const l = await benchLake();
      details['lake'] = l;
      Object.assign(out, { lake_query_ms: l['lake_query_ms'], lake_slowest_call: l['slowest_call'], lake_trades: LAKE_TRADES });
    }
  } finally {
    killAllChildren();
    if (admin) await cleanUpKafka(admin);
    removeTempDirs();
  }

  return {
    ...resultHead(out, TARGETS, ['writer_rows_per_sec']),
    parameters: {
      phases: [...PHASES],
      writer_rows: WRITER_ROWS,
      writer_partitions_per_topic: WRITER_PARTITIONS,
      writer_batch_rows: WRITER_BATCH_ROWS ?? 'writer default (20000)',
      history_bars: BARS,
      history_signals: SIGNALS,
      history_alerts: ALERTS,
      history_alert_days: ALERT_DAYS,
      history_symbols: SYMBOLS,
      history_runs_per_shape: HISTORY_RUNS,
      history_unmerged_runs_per_shape: HISTORY_UNMERGED_RUNS,
      history_warmup_rounds: HISTORY_WARMUP,
      history_page: HISTORY_PAGE,
      history_alert_range_ms: ALERT_RANGE_MS,
      history_alert_page: ALERT_PAGE,
      history_signals_lookback_ms: SIGNALS_LOOKBACK_MS,
      lake_trades: LAKE_TRADES,
      lake_days: LAKE_DAYS,
      lake_symbols: LAKE_SYMBOLS,
      lake_accounts: LAKE_ACCOUNTS,
      lake_partitions: LAKE_PARTITIONS,
      lake_runs: LAKE_RUNS,
    },
    machine: machineInfo(loadStart, BROKERS, {
      clickhouse: 'embedded chDB (temp directories; CLICKHOUSE_URL is ignored by this benchmark)',
      concurrent_load: 'details.*.machine_during_*: machine_busy_pct = share of all cores busy (everything), others_cores = cores used by processes other than this bench and its writer child',
    }),
    notes: [
      'writer_rows_per_sec: rows / seconds from the writer\'s "clickhouse writer started" log line (group joined, partitions assigned) until its committed offsets equal the end offsets of every partition; rows are checked afterwards (counts, uniqueness, the positions and sector views) in a separate process.',
      'details.history.port_insert: the writer\'s per-row work without Kafka (Avro decode, toStoredRow, ClickHouse.insert of writer-sized batches on chDB), i.e. the ceiling of one writer process.',
      'history_p50_ms / history_p99_ms: all samples of the three shapes together, tables merged (OPTIMIZE … FINAL); history_unmerged_* are the same queries with the parts the bulk insert left, as today\'s partition of a live table has. Each query is timed through the ClickHouse port (chDB connection + JSONEachRow parse): see details.history.select_1_round_trip for the floor.',
      'lake_query_ms: the slowest median among the LakeAnalytics calls (details.lake.per_call); the *_lake calls and portfolio scan every trade, volumeVsHistory reads 91 days of aggregates.',
      'Shared 2-core machine: the broker, this bench, its children and possibly other jobs compete for CPU (machine.loadavg_*, details.*.machine_during_*).',
    ],
    details,
    runtime_s: round((Date.now() - BENCH_STARTED) / 1000, 1),
  };
}

function historyShapesLine(r: Record<string, unknown>): string[] {
  const merged = ((r['details'] as Record<string, Record<string, unknown>>)['history']?.['merged'] ?? null) as { per_shape: Record<string, { p50_ms: number; p99_ms: number }> } | null;
  if (!merged) return [];
  return [`    ${Object.entries(merged.per_shape).map(([k, v]) => `${k} p50 ${v.p50_ms} / p99 ${v.p99_ms} ms`).join(', ')}`];
}

function portInsertLine(r: Record<string, unknown>): string[] {
  const p = ((r['details'] as Record<string, Record<string, unknown>>)['history']?.['port_insert'] ?? null) as Record<string, { insert_rows_per_sec: number; ceiling_rows_per_sec: number }> | null;
  if (!p) return [];
  const part = (t: string): string => (p[t] ? `${t} ${p[t].insert_rows_per_sec.toLocaleString('en-US')} rows/s (with decode + map ${p[t].ceiling_rows_per_sec.toLocaleString('en-US')})` : '');
  return [`    ClickHouse.insert on chDB alone: ${part('micro_bars')}, ${part('enriched_trades')}`];
}

function summary(r: Record<string, unknown>): string {
  const { heading, show, mark } = summaryFormat('storage', r);
  return [
    '',
    heading,
    `  Kafka → ClickHouse writer   ${show(r['writer_rows_per_sec'], 'rows/s')} over ${show(r['writer_rows'], 'rows')}${r['writer_verified'] === false ? ' (ROWS DO NOT MATCH)' : ''}  target ≥ ${TARGETS.writer_rows_per_sec.toLocaleString('en-US')}${mark('writer_rows_per_sec')}`,
    ...portInsertLine(r),
    `  history queries (merged)    p50 ${show(r['history_p50_ms'], 'ms')}, p99 ${show(r['history_p99_ms'], 'ms')} on ${show(r['history_bar_rows'], 'bars')}  target p99 ≤ ${TARGETS.history_p99_ms} ms${mark('history_p99_ms')}`,
    ...historyShapesLine(r),
    `  history queries (as inserted) p50 ${show(r['history_unmerged_p50_ms'], 'ms')}, p99 ${show(r['history_unmerged_p99_ms'], 'ms')}`,
    `  lake analytics (slowest)    ${show(r['lake_query_ms'], 'ms')} (${String(r['lake_slowest_call'] ?? '-')}) over ${show(r['lake_trades'], 'trades')}  target ≤ ${TARGETS.lake_query_ms} ms${mark('lake_query_ms')}`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('storage.bench.ts')) {
  await benchMain({
    name: 'storage',
    brokers: BROKERS,
    cleanupClientId: 'tickflow-bench-storage-cleanup',
    progress,
    run: benchStorage,
    summary,
    onSignalMessage: "killing the writer, removing this run's topics and temp dirs…",
    cleanUp: cleanUpKafka,
    cleanUpSync: removeTempDirs,
  });
}
