// The processor's side channels on the real broker: reference-data updates broadcast through the
// compacted reference.symbols topic, provisional bars on ta.live.v1 outside the checkpoint
// transactions, and the Prometheus /metrics of what was committed.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { encode, type RawTrade, type ReferenceSymbol } from '@tickflow/schemas';
import { createTopics, ensureServices, kafkaClient, produce, readTopic, startProcessor, stopProcessor, type TapeRecord } from './kafka-harness';

type Row = Record<string, unknown>;
const SYMBOL = 'NEWCO'; // not in the built-in reference list
const T0 = Date.now() - 60_000;

function ref(sector: string, updatedAt: number): ReferenceSymbol {
  return { symbol: SYMBOL, company_name: 'NewCo Therapeutics', sector, industry: 'Biotechnology', market_cap_tier: 'SMALL', exchange: 'NASDAQ', updated_at: updatedAt };
}

function trade(id: string, tsMs: number): TapeRecord {
  const t: RawTrade = {
    trade_id: id, order_id: `O-${id}`, symbol: SYMBOL, side: 'BUY', quantity: 10, price: 42.5, status: 'FILLED', exchange: 'NASDAQ',
    trader_id: 'tr-1', account_id: 'acc-1', timestamp_ms: tsMs, event_type: 'TRADE', event_ts: tsMs, ingest_ts: tsMs, seq: 0, source: 'test', correlation_id: id, version: 1,
  };
  return { topic: TOPICS.rawTrades, key: SYMBOL, value: encode('RawTrade', t), timestamp: tsMs };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('reference updates, live provisional bars and /metrics', () => {
  const prefix = `side${process.pid}x${Date.now()}.`;
  let kafka: Kafka;
  let admin: Admin;
  let env: Record<string, string>;
  let metricsPort: number;
  let processor: ReturnType<typeof startProcessor>;

  beforeAll(async () => {
    const { brokers, redisUrl } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, 1);
    env = { KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_GROUP: `${prefix}processor`, TICKFLOW_PROVISIONAL_MS: '250' };
    metricsPort = await freePort();
  }, 300_000);

  afterAll(async () => {
    if (processor) await stopProcessor(processor, 'SIGKILL');
    await admin?.disconnect();
  });

  it('enriches with the reference data on the topic at start, and with updates that arrive while running', async () => {
    await produce(kafka, prefix, [{ topic: TOPICS.referenceSymbols, key: SYMBOL, value: encode('ReferenceSymbol', ref('Health Care', 1)), timestamp: T0 }]);
    await produce(kafka, prefix, [trade('A1', T0), trade('A2', T0 + 100)]);
    processor = startProcessor({ ...env, TICKFLOW_CHECKPOINT_MS: '300' }, ['--metrics-port', String(metricsPort)]);
    const first = await readTopic(kafka, prefix, TOPICS.enrichedTrades, (rows) => rows.length >= 2, 60_000);
    expect(first.map((r) => [r['trade_id'], r['sector'], r['company_name']])).toEqual([
      ['A1', 'Health Care', 'NewCo Therapeutics'],
      ['A2', 'Health Care', 'NewCo Therapeutics'],
    ]);

    const applied = () => processor.logs.filter((l) => l.includes('reference updates applied')).length;
    const before = applied();
    await produce(kafka, prefix, [{ topic: TOPICS.referenceSymbols, key: SYMBOL, value: encode('ReferenceSymbol', ref('Pharmaceuticals', 2)), timestamp: T0 }]);
    await until('the processor to apply the reference update', () => applied() > before, 30_000);
    await produce(kafka, prefix, [trade('B1', T0 + 200)]);
    const all = await readTopic(kafka, prefix, TOPICS.enrichedTrades, (rows) => rows.length >= 3, 60_000);
    expect(all.find((r) => r['trade_id'] === 'B1')?.['sector']).toBe('Pharmaceuticals');
  }, 180_000);

  it('exports what it committed on /metrics: records out by topic, DLQ events by error type', async () => {
    await produce(kafka, prefix, [{ topic: TOPICS.rawTrades, key: SYMBOL, value: Buffer.from([0xde, 0xad, 0xbe, 0xef]), timestamp: T0 }]);
    await readTopic(kafka, prefix, TOPICS.dlqDeserialization, (rows) => rows.length >= 1, 60_000);
    const enriched = await readTopic(kafka, prefix, TOPICS.enrichedTrades, (rows) => rows.length >= 3, 30_000);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metricValue(text, `tickflow_records_out_total{topic="${TOPICS.enrichedTrades}"}`)).toBe(enriched.length);
    expect(metricValue(text, `tickflow_dlq_events_total{topic="${TOPICS.dlqDeserialization}",error_type="DESERIALIZATION_ERROR"}`)).toBe(1);
    expect(metricValue(text, 'tickflow_deserialization_errors_total')).toBe(1);
    expect(metricValue(text, 'tickflow_tasks')).toBe(1);
    expect(metricValue(text, 'tickflow_unknown_symbol_trades_total')).toBe(0);
    expect(metricValue(text, 'tickflow_input_to_commit_seconds_count')).toBeGreaterThan(0);
    await stopProcessor(processor, 'SIGTERM');
  }, 120_000);

  it('sends provisional bars to ta.live.v1 at once, long before the checkpoint that commits the trades', async () => {
    // A checkpoint interval far beyond the test: committed outputs cannot appear, live ones must.
    processor = startProcessor({ ...env, TICKFLOW_CHECKPOINT_MS: '600000' });
    const now = Date.now();
    await produce(kafka, prefix, [trade('L1', now), trade('L2', now + 1)]);
    const live: Row[] = await readTopic(kafka, prefix, TOPICS.liveBars, (rows) => rows.some((r) => r['window_start'] === now - (now % 1000)), 60_000);
    const bar = live.find((r) => r['window_start'] === now - (now % 1000));
    expect(bar).toMatchObject({ symbol: SYMBOL, is_final: false, close: 42.5 });
    const committed = await readTopic(kafka, prefix, TOPICS.enrichedTrades, () => false, 2_000);
    expect(committed.map((r) => r['trade_id'])).not.toContain('L1');
  }, 120_000);
});
