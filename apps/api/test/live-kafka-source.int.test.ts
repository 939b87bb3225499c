// The Kafka fan-out end to end: Avro records produced to (prefixed) output topics on the real
// broker reach a real `ws` client on WS /v1/stream through KafkaLiveSource → LiveHub → the feed,
// on the right channels; an undecodable record is counted and skipped.
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@tickflow/operators';
import { createKafka, startTestServices } from '@tickflow/kafka';
import { encode, type MicroBar, type OrderBookMetrics, type PriceAlert, type Signal, type TradeAggregate } from '@tickflow/schemas';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { buildApp } from '../src/build-app';
import { KafkaLiveSource, LIVE_TOPICS, LiveHub, liveFeature } from '../src/live/index';
import { WsTestClient } from '../src/live/testing/ws-test-client';

const T = 1_723_161_256_000;
const env = (ingestTs: number) => ({ event_ts: T, ingest_ts: ingestTs, seq: 1, source: 'processor', correlation_id: 'c-1', version: 1 });
const bar = (symbol: string, isFinal: boolean, close: number): MicroBar => ({ ...env(Date.now()), symbol, window_start: T - 1000, window_end: T, open: 100, high: 101, low: 99, close, volume: 10, vwap: 100.2, count: 4, is_final: isFinal });
const signal: Signal = { ...env(Date.now()), symbol: 'AAPL', window_start: T - 1000, window_end: T, is_final: true, ema12: 100.1, ema26: 100, macd: 0.1, macd_signal: null, macd_hist: null, rsi14: 61.5, bb_upper: null, bb_middle: null, bb_lower: null, vwap_session: 100.3, vwap_rolling: null, realized_vol: null, spread: 0.01, imbalance: 0.2 };
const alert: PriceAlert = { ...env(Date.now()), alert_id: 'alert-msft-1', alert_type: 'PRICE_MOVEMENT', symbol: 'MSFT', direction: 'UP', baseline_price: 400, current_price: 412, pct_change: 3, window_start_ms: T - 300_000, detected_at_ms: T, severity: 'MEDIUM', trigger: 'TRADE' };
const book: OrderBookMetrics = { ...env(0), symbol: 'AAPL', timestamp_ms: T, best_bid: 100, best_ask: 100.02, mid_price: 100.01, spread: 0.02, spread_bps: 2, crossed: false, bid_depth_5: 500, ask_depth_5: 400, imbalance_5: 0.11, bid_depth_10: 900, ask_depth_10: 800, imbalance_10: 0.06, bid_depth_20: 1500, ask_depth_20: 1500, imbalance_20: 0, prev_timestamp_ms: null, mid_change: null, spread_change: null, imbalance_5_change: null, imbalance_10_change: null, imbalance_20_change: null };
const aggregate = (symbol: string, scope: 'symbol' | 'sector', size: '1m' | '5m'): TradeAggregate => ({ ...env(Date.now()), symbol, scope, window_start: T - 60_000, window_end: T, window_size: size, total_volume: 1000, total_value: 100_000, vwap: 100, trade_count: 12, buy_count: 7, sell_count: 5, buy_sell_ratio: 1.4, high_price: 101, low_price: 99, open_price: 99.5, close_price: 100.5, volatility_anomaly: false, computed_at: Date.now() });

describe('KafkaLiveSource → WS /v1/stream (real broker)', () => {
  const prefix = `it-live-${process.pid}-${Date.now()}.`;
  const redisPrefix = `tickflow-test:live:${process.pid}:${Date.now()}:`;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  let app: FastifyInstance;
  let source: KafkaLiveSource;
  let metrics: Registry;
  let url: string;
  let key: string;
  const logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];

  beforeAll(async () => {
    const services = await startTestServices();
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'live-int-test' });
    admin = kafka.admin();
    await admin.connect();
    const topics = LIVE_TOPICS.map((t) => ({ topic: prefix + t, numPartitions: t === TOPICS.liveBars ? 2 : 1, replicationFactor: 1 }));
    await admin.createTopics({ topics, waitForLeaders: false });
    await waitForLeaders(admin, topics.map((t) => t.topic));
    producer = kafka.producer();
    await producer.connect();

    redis = new Redis(services.redisUrl);
    const store = new RedisApiKeyStore(redis, redisPrefix);
    const k = newApiKey('desk', ['read']);
    await store.put(k.record);
    key = k.key;

    metrics = new Registry();
    const hub = new LiveHub();
    source = new KafkaLiveSource({ brokers: services.kafkaBrokers, topicPrefix: prefix, hub, metrics, log: (level, msg, fields) => logs.push({ level, msg, fields }) });
    await source.start();
    app = await buildApp({ keys: store, metrics, readiness: { live: () => source.check() }, rateLimit: { max: 1000, timeWindowMs: 60_000 }, corsOrigins: [], features: [liveFeature({ hub, keys: store, metrics, options: { flushIntervalMs: 20 } })] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/stream`;
  });

  afterAll(async () => {
    await app?.close();
    await source?.stop();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: LIVE_TOPICS.map((t) => prefix + t) }).catch(() => undefined);
      await admin.disconnect();
    }
    if (redis) {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  const send = (topic: string, records: Array<{ key: string; value: Buffer }>) => producer.send({ topic: prefix + topic, acks: -1, messages: records });

  it('delivers records of every live topic on their channels, provisional and final bars apart', async () => {
    const c = await WsTestClient.authenticated(url, key);
    try {
      const channels = ['bars.1s.AAPL', 'signals.AAPL', 'alerts.*', 'orderbook.AAPL', 'bars.1m.*'];
      expect(await c.request({ action: 'subscribe', channels, id: 1 })).toEqual({ type: 'subscribed', channels, id: 1 });

      await send(TOPICS.liveBars, [
        { key: 'AAPL', value: encode('MicroBar', bar('AAPL', false, 100.4)) },
        { key: 'MSFT', value: encode('MicroBar', bar('MSFT', false, 400)) }, // not subscribed
      ]);
      await send(TOPICS.bars1s, [{ key: 'AAPL', value: encode('MicroBar', bar('AAPL', true, 100.5)) }]);
      await send(TOPICS.signals, [
        { key: 'AAPL', value: Buffer.from('definitely not avro') },
        { key: 'AAPL', value: encode('Signal', signal) },
      ]);
      await send(TOPICS.priceAlerts, [{ key: 'MSFT', value: encode('PriceAlert', alert) }]);
      await send(TOPICS.orderBookMetrics, [{ key: 'AAPL', value: encode('OrderBookMetrics', book) }]);
      // In one partition: a sector row (no live channel, even under bars.1m.*), a 5m bar, then the 1m bar.
      await send(TOPICS.tradeAggregates, [
        { key: 'ENERGY', value: encode('TradeAggregate', aggregate('ENERGY', 'sector', '1m')) },
        { key: 'AAPL', value: encode('TradeAggregate', aggregate('AAPL', 'symbol', '5m')) },
        { key: 'AAPL', value: encode('TradeAggregate', aggregate('AAPL', 'symbol', '1m')) },
      ]);

      const got: Array<{ channel: string; data: Record<string, unknown> }> = [];
      const deadline = Date.now() + 60_000;
      while (got.length < 6 && Date.now() < deadline) {
        const batch = await c.next((m) => m.type === 'batch', deadline - Date.now());
        got.push(...(batch.messages as typeof got), ...c.takeChannelMessages());
      }
      const byChannel = (ch: string) => got.filter((m) => m.channel === ch).map((m) => m.data);
      expect(got.map((m) => m.channel).sort()).toEqual(['alerts.MSFT', 'bars.1m.AAPL', 'bars.1s.AAPL', 'bars.1s.AAPL', 'orderbook.AAPL', 'signals.AAPL']);
      expect(byChannel('bars.1s.AAPL').map((d) => [d.is_final, d.close]).sort()).toEqual([
        [false, 100.4],
        [true, 100.5],
      ]);
      expect(byChannel('signals.AAPL')).toEqual([expect.objectContaining({ symbol: 'AAPL', rsi14: 61.5, macd_signal: null, window_end: T })]);
      expect(byChannel('alerts.MSFT')).toEqual([expect.objectContaining({ alert_id: 'alert-msft-1', severity: 'MEDIUM', pct_change: 3 })]);
      expect(byChannel('orderbook.AAPL')).toEqual([expect.objectContaining({ spread_bps: 2, imbalance_5: 0.11 })]);
      expect(byChannel('bars.1m.AAPL')).toEqual([expect.objectContaining({ scope: 'symbol', window_size: '1m', close_price: 100.5 })]);
    } finally {
      c.close();
    }
  });

  it('counts and logs the undecodable record without stopping', async () => {
    const text = await metrics.metrics();
    expect(text).toContain(`live_undecodable_records_total{topic="${prefix}${TOPICS.signals}"} 1`);
    expect(text).toMatch(/live_messages_total\{kind="bar"\} [4-9]/); // 2 provisional, 1 final, 5m + 1m aggregates
    expect(text).toMatch(/live_messages_total\{kind="signal"\} 1/);
    expect(text).toMatch(/live_messages_total\{kind="alert"\} 1/);
    expect(text).toMatch(/live_event_to_delivery_seconds_count [6-9]/);
    expect(logs.find((l) => l.msg.startsWith('undecodable record'))?.fields).toMatchObject({ topic: prefix + TOPICS.signals, partition: 0, offset: '0', code: 'BAD_MAGIC' });
    expect(source.running).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('refuses to start on topics that do not exist, saying how to create them', async () => {
    const missing = new KafkaLiveSource({ brokers: [], kafka, topicPrefix: `${prefix}missing.`, hub: new LiveHub(), metrics: new Registry(), log: () => undefined });
    await expect(missing.start()).rejects.toThrow(/could not start on .*missing\.ta\.live\.v1.*create the topics: tickflow topics --topic-prefix/);
    expect(missing.running).toBe(false);
    await expect(missing.check()).rejects.toThrow(/live fan-out is failed/);
    await missing.stop();
  });

  it('stops cleanly: leaves the group, and readiness reports it', async () => {
    const groupId = source.groupId;
    expect(groupId).toMatch(/^tickflow-api-live-.+-\d+-[0-9a-f]{8}$/);
    await source.stop();
    expect(source.running).toBe(false);
    await expect(source.check()).rejects.toThrow(/live fan-out is stopped/);
    const { groups } = await admin.describeGroups([groupId]);
    expect(['Empty', 'Dead']).toContain(groups[0]?.state);
    await source.stop(); // idempotent
  });
});

async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((m) => m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
