// `tickflow store` on the real broker into embedded ClickHouse (chDB), killed in the one window that
// matters — after an insert was acknowledged, before its offsets were committed — and restarted:
// tables and materialized views hold every record exactly once.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { encode, type EnrichedTrade, type MicroBar } from '@tickflow/schemas';
import { REPO_ROOT, TICKFLOW_BIN } from './shared-data';
import { createTopics, ensureServices, kafkaClient, produce, type TapeRecord } from './kafka-harness';
import { spawn, type ChildProcess } from 'node:child_process';

const run = promisify(execFile);
const T0 = Date.UTC(2024, 0, 2, 14, 30);
const TRADES = 1200;
const ACCOUNTS = ['acc-1', 'acc-2', 'acc-3'];
const SYMBOLS = ['AAPL', 'MSFT'];

function enriched(i: number): EnrichedTrade {
  const ts = T0 + i * 250;
  return {
    trade_id: `T${i}`, order_id: `O${i}`, symbol: SYMBOLS[i % 2]!, side: i % 3 === 0 ? 'SELL' : 'BUY', quantity: 1 + (i % 7), price: 100 + (i % 11),
    status: 'FILLED', exchange: 'NASDAQ', trader_id: 'tr', account_id: ACCOUNTS[i % 3]!, timestamp_ms: ts, event_type: 'TRADE',
    event_ts: ts, ingest_ts: ts, seq: i, source: 'test', correlation_id: `c${i}`, version: 1,
    company_name: 'X', sector: 'Technology', industry: 'Software', market_cap_tier: 'MEGA', listed_exchange: 'NASDAQ',
  };
}

function bar(version: number, close: number): MicroBar {
  return {
    symbol: 'AAPL', window_start: T0, window_end: T0 + 1000, open: 100, high: 102, low: 99, close, volume: 10, vwap: 100.5, count: 3,
    is_final: true, version, event_ts: T0 + 1000, ingest_ts: T0 + 1000, seq: 1, source: 'test', correlation_id: 'b', computed_at: 0,
  } as MicroBar;
}

async function query<T>(path: string, sql: string): Promise<T[]> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'run-ts.mjs'), join(REPO_ROOT, 'apps/processor/test/support/ch-query.ts'), path, sql], { timeout: 120_000 });
  return JSON.parse(stdout) as T[];
}

function startStore(env: Record<string, string>): ChildProcess & { logs: string[] } {
  const child = spawn(process.execPath, [TICKFLOW_BIN, 'store'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] }) as ChildProcess & { logs: string[] };
  child.logs = [];
  child.stderr!.on('data', (d: Buffer) => child.logs.push(...d.toString().split('\n').filter(Boolean)));
  return child;
}

const exited = (c: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve({ code: c.exitCode, signal: c.signalCode }) : c.once('exit', (code, signal) => resolve({ code, signal }))));

describe('tickflow store: Kafka → ClickHouse exactly once across a crash after an insert', () => {
  const prefix = `chw${process.pid}x${Date.now()}.`;
  const group = `${prefix}store`;
  const chPath = mkdtempSync(join(tmpdir(), 'tickflow-store-'));
  let kafka: Kafka;
  let admin: Admin;
  let env: Record<string, string>;
  const trades = Array.from({ length: TRADES }, (_, i) => enriched(i));

  beforeAll(async () => {
    const { brokers } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, 1);
    const records: TapeRecord[] = trades.map((t) => ({ topic: TOPICS.enrichedTrades, key: t.order_id, value: encode('EnrichedTrade', t), timestamp: t.timestamp_ms }));
    // A bar and its late correction (version 2): the table must end with the correction.
    records.push({ topic: TOPICS.bars1s, key: 'AAPL', value: encode('MicroBar', bar(1, 101)), timestamp: T0 + 1000 });
    records.push({ topic: TOPICS.bars1s, key: 'AAPL', value: encode('MicroBar', bar(2, 101.5)), timestamp: T0 + 1000 });
    await produce(kafka, prefix, records);
    env = { KAFKA_BROKERS: brokers.join(','), TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_STORE_GROUP: group, TICKFLOW_CLICKHOUSE_PATH: chPath, TICKFLOW_STORE_BATCH_ROWS: '100', TICKFLOW_STORE_BATCH_MS: '200' };
  }, 300_000);

  afterAll(async () => {
    await admin?.disconnect();
    rmSync(chPath, { recursive: true, force: true });
  });

  async function committedAll(): Promise<boolean> {
    for (const topic of [TOPICS.enrichedTrades, TOPICS.bars1s]) {
      const ends = await admin.fetchTopicOffsets(prefix + topic);
      const committed = (await admin.fetchOffsets({ groupId: group, topics: [prefix + topic] }))[0]?.partitions ?? [];
      for (const e of ends) if (Number(committed.find((c) => c.partition === e.partition)?.offset ?? -1) < Number(e.high) && Number(e.high) > 0) return false;
    }
    return true;
  }

  it('inserts every record once, views included, after a SIGKILL between insert and commit', async () => {
    // The killed run cuts its batches differently (as a time-based cut or a config change would), so
    // only cutting the retried batch at the recorded range can keep it from overlapping.
    const first = startStore({ ...env, TICKFLOW_STORE_BATCH_ROWS: '70', TICKFLOW_FAULT_KILL_AFTER_INSERTS: '3' });
    expect(await exited(first), first.logs.slice(-3).join(' | ')).toEqual({ code: null, signal: 'SIGKILL' });

    const second = startStore(env);
    const deadline = Date.now() + 120_000;
    while (!(await committedAll())) {
      if (Date.now() > deadline || second.exitCode !== null) throw new Error(`store did not catch up: ${second.logs.slice(-3).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });
    // The retried batch was cut at the recorded range (and so dropped by its deduplication token).
    expect(second.logs.some((l) => l.includes('replaying a batch that may have been inserted before a crash'))).toBe(true);

    // Without FINAL: no row was inserted twice, not even one awaiting a merge.
    const [counts] = await query<{ rows: number; ids: number }>(chPath, 'SELECT count() AS rows, uniqExact(trade_id) AS ids FROM enriched_trades');
    expect(counts).toEqual({ rows: TRADES, ids: TRADES });

    // Positions (materialized view) equal the sums over the input, per account and symbol.
    const want = new Map<string, { qty: number; cost: number; n: number }>();
    for (const t of trades) {
      const k = `${t.account_id}|${t.symbol}`;
      const sign = t.side === 'BUY' ? 1 : -1;
      const p = want.get(k) ?? { qty: 0, cost: 0, n: 0 };
      want.set(k, { qty: p.qty + sign * t.quantity, cost: p.cost + sign * t.quantity * t.price, n: p.n + 1 });
    }
    const positions = await query<{ account_id: string; symbol: string; qty: number; cost: number; n: number }>(
      chPath,
      'SELECT account_id, symbol, sum(net_quantity) AS qty, sum(net_cost) AS cost, sum(trade_count) AS n FROM positions GROUP BY account_id, symbol ORDER BY account_id, symbol',
    );
    expect(new Map(positions.map((p) => [`${p.account_id}|${p.symbol}`, { qty: p.qty, cost: p.cost, n: p.n }]))).toEqual(want);

    // The late correction replaced the first version of the bar.
    const bars = await query<{ close: number; version: number }>(chPath, "SELECT close, version FROM micro_bars FINAL WHERE symbol = 'AAPL'");
    expect(bars).toEqual([{ close: 101.5, version: 2 }]);
  }, 300_000);
});
