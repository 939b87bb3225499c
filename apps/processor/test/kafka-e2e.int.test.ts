import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { runReplay } from '../src/replay/run-replay';
import { QUOTES_FILE, TRADES_FILE } from './shared-data';
import { createTopics, deterministic, ensureServices, flushSentinels, kafkaClient, produce, readTopic, startProcessor, stopProcessor, tapeRecords } from './kafka-harness';

type Row = Record<string, unknown>;
const TAPE_SYMBOLS = new Set(['BTCUSDT', 'ETHUSDT', 'Crypto']);

function readNdjson(dir: string, topic: string): Row[] {
  try {
    return readFileSync(join(dir, `${topic}.ndjson`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  } catch {
    return [];
  }
}


describe('ingestion → Kafka → tickflow process → output topics equals the in-process replay', () => {
  const prefix = `e2e${process.pid}x${Date.now()}.`;
  let kafka: Kafka;
  let admin: Admin;
  let outDir: string;
  let expected: Record<string, Row[]>;
  let processor: ReturnType<typeof startProcessor>;

  beforeAll(async () => {
    const { brokers, redisUrl } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, 1);
    const trades = tapeRecords(TRADES_FILE, TOPICS.rawTrades);
    const quotes = tapeRecords(QUOTES_FILE, TOPICS.rawMarketData);
    const lastTs = Math.max(...trades.map((t) => t.timestamp));
    await produce(kafka, prefix, [...trades, ...quotes, ...flushSentinels(1, lastTs + 3_600_000)]);

    outDir = mkdtempSync(join(tmpdir(), 'tickflow-e2e-'));
    await runReplay({ trades: TRADES_FILE, quotes: QUOTES_FILE, outDir });
    expected = Object.fromEntries(
      [TOPICS.bars1s, TOPICS.signals, TOPICS.tradeAggregates, TOPICS.enrichedTrades, TOPICS.tradesFilled].map((t) => [t, readNdjson(outDir, t)]),
    );
    processor = startProcessor({ KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_GROUP: `${prefix}processor`, TICKFLOW_CHECKPOINT_MS: '300' });
  }, 300_000);

  afterAll(async () => {
    if (processor) await stopProcessor(processor, 'SIGKILL');
    await admin?.disconnect();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const onTape = (r: Row) => TAPE_SYMBOLS.has(String(r['symbol']));

  it.each([TOPICS.bars1s, TOPICS.signals, TOPICS.tradeAggregates, TOPICS.tradesFilled, TOPICS.enrichedTrades])('%s: same records (deterministic fields) as the replay', async (topic) => {
    const want = expected[topic]!.filter(onTape).map(deterministic);
    expect(want.length).toBeGreaterThan(0);
    const got = (await readTopic(kafka, prefix, topic, (rows) => rows.filter(onTape).length >= want.length, 120_000)).filter(onTape).map(deterministic);
    const key = (r: Row) => JSON.stringify(r);
    expect(got.length, `committed ${topic} records (processor log tail: ${processor.logs.slice(-3).join(' | ')})`).toBe(want.length);
    const gotKeys = new Set(got.map(key));
    const missing = want.map(key).filter((k) => !gotKeys.has(k));
    const wantKeys = new Set(want.map(key));
    const extra = got.map(key).filter((k) => !wantKeys.has(k));
    expect({ missing: missing.slice(0, 2), extra: extra.slice(0, 2), counts: [missing.length, extra.length] }).toEqual({ missing: [], extra: [], counts: [0, 0] });
  }, 150_000);

  it('rejects nothing from the tape and drains on SIGTERM', async () => {
    const dlq = await readTopic(kafka, prefix, TOPICS.dlqValidation, () => false, 1500);
    expect(dlq).toEqual([]);
    const code = await stopProcessor(processor, 'SIGTERM');
    expect(code).toBe(0);
    expect(processor.logs.some((l) => l.includes('draining and checkpointing before exit'))).toBe(true);
  }, 60_000);
});
