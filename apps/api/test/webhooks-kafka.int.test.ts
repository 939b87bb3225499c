// The alert feed of webhooks on the real Kafka broker: an Avro PriceAlert produced to
// `<prefix>alerts.price-movement` reaches a real HTTP receiver, signed; undecodable records are
// logged and skipped; offsets are committed once the alerts are queued; a second reading of the
// same records (a crash before the commit) delivers nothing twice.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { createKafka, startTestServices } from '@tickflow/kafka';
import { encode } from '@tickflow/schemas';
import { AlertWebhookSource, newWebhookSecret, RedisWebhookStore, UrlGuard, WebhookDeliveryWorker, WebhookDispatcher } from '../src/webhooks/index';
import { testAlert } from '../src/webhooks/testing/test-alert';
import { TestWebhookReceiver, waitFor } from '../src/webhooks/testing/test-webhook-receiver';

const run = randomUUID().slice(0, 8);
const topicPrefix = `it-webhooks-${run}.`;
const topic = `${topicPrefix}alerts.price-movement`;
const prefix = `tickflow-test:webhooks-kafka:${run}:`;
const bullPrefix = `tickflow-test-bull:${run}`;

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let redis: Redis;
let bullRedis: Redis;
let receiver: TestWebhookReceiver;
let store: RedisWebhookStore;
let dispatcher: WebhookDispatcher;
let worker: WebhookDeliveryWorker;
const sources: AlertWebhookSource[] = [];
const logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];

beforeAll(async () => {
  const services = await startTestServices();
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: `it-webhooks-${run}` });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  producer = kafka.producer();
  await producer.connect();

  redis = new Redis(services.redisUrl);
  bullRedis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
  receiver = await TestWebhookReceiver.start('127.0.0.1');
  store = new RedisWebhookStore(redis, { prefix });
  dispatcher = new WebhookDispatcher({ connection: bullRedis, prefix: bullPrefix, store, attempts: 3 });
  worker = new WebhookDeliveryWorker({ connection: bullRedis, prefix: bullPrefix, store, guard: new UrlGuard({ allowCidrs: ['127.0.0.1/32'] }), metrics: new Registry(), backoffBaseMs: 50, backoffCapMs: 200 });
  await worker.waitUntilReady();
}, 600_000);

afterAll(async () => {
  await Promise.allSettled(sources.map((s) => s.stop()));
  await worker?.close();
  await dispatcher?.queue.obliterate({ force: true }).catch(() => undefined);
  await dispatcher?.close();
  await receiver?.close();
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  for (const p of [prefix, bullPrefix]) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  bullRedis?.disconnect();
});

function startSource(groupId: string): AlertWebhookSource {
  const source = new AlertWebhookSource({ kafka, dispatcher, topicPrefix, groupId, fromBeginning: true, log: (level, msg, fields) => logs.push({ level, msg, fields }) });
  sources.push(source);
  return source;
}

async function committed(groupId: string): Promise<string | undefined> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return t?.partitions[0]?.offset;
}

describe('AlertWebhookSource on the real broker', () => {
  it('delivers a produced Avro PriceAlert, skips undecodable records, commits after queueing, and never delivers twice', async () => {
    const secret = newWebhookSecret();
    const now = Date.now();
    await store.create({ id: 'wh_00000000000000000kaf', owner: 'ops', url: receiver.url('/kafka'), description: '', symbols: ['BTCUSDT'], minSeverity: 'HIGH', secret, status: 'active', disabledReason: null, createdAtMs: now, updatedAtMs: now });
    receiver.setSecret('/kafka', secret);
    receiver.route('/kafka', () => ({ status: 200 }));

    const alert = testAlert({ symbol: 'BTCUSDT', severity: 'CRITICAL', pct_change: 10.5, current_price: 61234.56 });
    const filteredOut = testAlert({ symbol: 'BTCUSDT', severity: 'MEDIUM' });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'BTCUSDT', value: Buffer.from('definitely not avro') },
        { key: 'BTCUSDT', value: null },
        { key: 'BTCUSDT', value: encode('PriceAlert', filteredOut) },
        { key: 'BTCUSDT', value: encode('PriceAlert', alert) },
      ],
    });

    const groupId = `it-webhooks-${run}`;
    await startSource(groupId).start();
    const [got] = await waitFor('the alert at the receiver', () => receiver.requests('/kafka').length > 0 && receiver.requests('/kafka'), 60_000);
    expect(got!.signatureValid).toBe(true);
    expect(JSON.parse(got!.body)).toEqual({ type: 'alert.price_movement', timestamp: new Date(alert.detected_at_ms).toISOString(), data: alert });
    await waitFor('offsets committed past every record', async () => (await committed(groupId)) === '4', 30_000);

    const skipped = logs.filter((l) => l.msg === 'undecodable price alert skipped');
    expect(skipped.map((l) => l.fields?.offset)).toEqual(['0', '1']);
    expect(skipped.every((l) => l.level === 'warn')).toBe(true);

    // Another reading of the same records (as after a crash before the commit) queues nothing new.
    const again = `${groupId}-again`;
    await startSource(again).start();
    await waitFor('the second group to commit', async () => (await committed(again)) === '4', 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.requests('/kafka').map((r) => JSON.parse(r.body).data.alert_id)).toEqual([alert.alert_id]);
  }, 180_000);
});
