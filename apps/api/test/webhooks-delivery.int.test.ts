// Webhook deliveries end to end on real Redis and real bullmq, to a real HTTP receiver on
// 127.0.0.1 (allow-listed here) that checks every signature itself with node:crypto: retries with
// backoff and Retry-After, one webhook-id per message, idempotent dispatch, 410 disables, 3xx is
// not followed, dead after the last attempt, and the SSRF guard at dial time.
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { RedisWebhookStore, UrlGuard, WebhookDeliveryWorker, WebhookDispatcher, webhookJobId, webhooksFeature, type DeliveryAttemptView, type HostResolver } from '../src/webhooks/index';
import { sendWebhookRequest } from '../src/webhooks/send-webhook-request';
import { testAlert } from '../src/webhooks/testing/test-alert';
import { TestWebhookReceiver, waitFor } from '../src/webhooks/testing/test-webhook-receiver';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;
const prefix = `tickflow-test:webhooks-delivery:${run}:`;
const bullPrefix = `tickflow-test-bull:${run}`;

let redis: Redis;
let bullRedis: Redis;
let receiver: TestWebhookReceiver;
let store: RedisWebhookStore;
let metrics: Registry;
let dispatcher: WebhookDispatcher;
let worker: WebhookDeliveryWorker;
let strictDispatcher: WebhookDispatcher;
let strictWorker: WebhookDeliveryWorker;
let app: FastifyInstance;
let apiKey: string;
/** What `hook.test` resolves to right now (a DNS answer that changes after registration). */
let hookTestAnswer = '127.0.0.1';

const resolve: HostResolver = async (host) => {
  if (host === 'hook.test') return [{ address: hookTestAnswer, family: 4 }];
  return (await lookup(host, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  bullRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  receiver = await TestWebhookReceiver.start('127.0.0.1');
  store = new RedisWebhookStore(redis, { prefix });
  metrics = new Registry();
  const guard = new UrlGuard({ allowCidrs: ['127.0.0.1/32'], resolve });
  const queue = { connection: bullRedis, prefix: bullPrefix };
  dispatcher = new WebhookDispatcher({ ...queue, store, attempts: 4 });
  worker = new WebhookDeliveryWorker({ ...queue, store, guard, metrics, backoffBaseMs: 50, backoffCapMs: 200, maxRetryAfterMs: 5_000, timeoutMs: 5_000, concurrency: 4 });
  // A second queue whose worker dials with no allow-list: the address was allowed at registration, not at dial time.
  const strict = { connection: bullRedis, prefix: bullPrefix, queueName: 'strict-deliveries' };
  strictDispatcher = new WebhookDispatcher({ ...strict, store, attempts: 2 });
  strictWorker = new WebhookDeliveryWorker({ ...strict, store, guard: new UrlGuard({ resolve }), metrics: new Registry(), backoffBaseMs: 50, backoffCapMs: 100 });
  await Promise.all([worker.waitUntilReady(), strictWorker.waitUntilReady()]);

  const keys = new RedisApiKeyStore(redis, prefix);
  const k = newApiKey('ops-team', ['read']);
  await keys.put(k.record);
  apiKey = k.key;
  app = await buildApp({ keys, metrics, readiness: {}, rateLimit: { max: 100_000, timeWindowMs: 60_000 }, corsOrigins: [], features: [webhooksFeature({ store, guard })] });
});

afterAll(async () => {
  await Promise.allSettled([worker?.close(), strictWorker?.close()]);
  for (const d of [dispatcher, strictDispatcher]) {
    await d?.queue.obliterate({ force: true }).catch(() => undefined);
    await d?.close();
  }
  await app?.close();
  await receiver?.close();
  for (const p of [prefix, bullPrefix]) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  bullRedis?.disconnect();
});

/** Registers `url` through the API for alerts on `symbol`; the receiver learns the secret of `path`. */
async function register(path: string, symbol: string, url = receiver.url(path)): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${apiKey}` }, payload: { url, symbols: [symbol] } });
  expect(res.statusCode, res.body).toBe(201);
  receiver.setSecret(path, res.json().secret);
  return res.json().id;
}

async function deliveries(id: string): Promise<DeliveryAttemptView[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries?limit=100`, headers: { authorization: `Bearer ${apiKey}` } });
  return res.json().data;
}

async function endpoint(id: string): Promise<Record<string, unknown>> {
  return (await app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: { authorization: `Bearer ${apiKey}` } })).json();
}

const untilOutcome = (id: string, outcome: string, count = 1) =>
  waitFor(`${count} '${outcome}' in the log of ${id}`, async () => {
    const log = await deliveries(id);
    return log.filter((d) => d.outcome === outcome).length >= count && log;
  });

const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

async function metricValue(outcome: string): Promise<number> {
  const m = (await metrics.getSingleMetric('webhook_deliveries_total')!.get()).values.find((v) => v.labels.outcome === outcome);
  return m?.value ?? 0;
}

describe('webhook deliveries (real Redis, bullmq and HTTP)', () => {
  it('retries a failing receiver until it accepts: one accepted delivery, one webhook-id, every signature valid, Retry-After honoured', async () => {
    receiver.route('/flaky', (_req, nth) => (nth === 1 ? { status: 500 } : nth === 2 ? { status: 500, headers: { 'retry-after': '1' } } : nth === 3 ? { status: 500 } : { status: 204 }));
    const id = await register('/flaky', 'FLAKY');
    const alert = testAlert({ symbol: 'FLAKY', severity: 'CRITICAL' });
    expect(await dispatcher.dispatch(alert)).toEqual({ endpointIds: [id] });

    const log = await untilOutcome(id, 'delivered');
    await settle();
    const reqs = receiver.requests('/flaky');
    expect(reqs.map((r) => r.status)).toEqual([500, 500, 500, 204]);
    expect(reqs.filter((r) => r.status < 300)).toHaveLength(1);
    expect(reqs.every((r) => r.signatureValid)).toBe(true);
    expect(reqs.every((r) => r.method === 'POST' && r.contentType === 'application/json')).toBe(true);
    expect(new Set(reqs.map((r) => r.webhookId)).size).toBe(1);
    expect(reqs[0]!.webhookId).toMatch(/^msg_/);
    expect(new Set(reqs.map((r) => r.body)).size).toBe(1);
    const payload = JSON.parse(reqs[0]!.body);
    expect(payload).toEqual({ type: 'alert.price_movement', timestamp: new Date(alert.detected_at_ms).toISOString(), data: alert });
    // The attempt after "Retry-After: 1" waited for it (jittered backoff here is at most 200 ms).
    expect(reqs[2]!.atMs - reqs[1]!.atMs).toBeGreaterThanOrEqual(950);

    expect(log.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([
      [4, 'delivered', 204],
      [3, 'retrying', 500],
      [2, 'retrying', 500],
      [1, 'retrying', 500],
    ]);
    expect(log.every((d) => d.delivery_id === reqs[0]!.webhookId && d.alert_id === alert.alert_id)).toBe(true);
    expect(log[1]!.error).toBe('HTTP 500');
    expect(log[0]!.error).toBeNull();
    expect(log.every((d) => /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(d.at) && d.duration_ms >= 0)).toBe(true);
    expect(await metricValue('delivered')).toBeGreaterThanOrEqual(1);
    expect(await metricValue('retrying')).toBeGreaterThanOrEqual(3);
  });

  it('delivers an alert dispatched twice (even concurrently, even after delivery) once', async () => {
    receiver.route('/once', () => ({ status: 200 }));
    const id = await register('/once', 'DEDUP');
    const alert = testAlert({ symbol: 'DEDUP' });
    await Promise.all([dispatcher.dispatch(alert), dispatcher.dispatch(alert)]);
    await untilOutcome(id, 'delivered');
    await dispatcher.dispatch(alert);
    await settle(1500);
    expect(receiver.requests('/once').map((r) => JSON.parse(r.body).data.alert_id)).toEqual([alert.alert_id]);
    expect(await deliveries(id)).toHaveLength(1);
    expect(await (await dispatcher.queue.getJob(webhookJobId(id, alert.alert_id)))?.getState()).toBe('completed');

    // Another alert is another message, with its own webhook-id.
    const other = testAlert({ symbol: 'DEDUP' });
    await dispatcher.dispatch(other);
    await untilOutcome(id, 'delivered', 2);
    const ids = receiver.requests('/once').map((r) => r.webhookId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    // Why the job id is not `${endpointId}:${alert_id}`: bullmq 5 refuses custom ids with one ':'.
    await expect(dispatcher.queue.add('price-alert', { endpointId: id, alertId: 'x', messageId: 'x', payload: '{}' }, { jobId: `${id}:x` })).rejects.toThrow(/cannot contain :/);
  });

  it('sends only what the filters take: symbols and minimum severity', async () => {
    receiver.route('/filtered', () => ({ status: 200 }));
    const id = await register('/filtered', 'FILT');
    await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: { authorization: `Bearer ${apiKey}` }, payload: { min_severity: 'CRITICAL' } });
    expect(await dispatcher.dispatch(testAlert({ symbol: 'FILT', severity: 'HIGH' }))).toEqual({ endpointIds: [] });
    expect(await dispatcher.dispatch(testAlert({ symbol: 'OTHER', severity: 'CRITICAL' }))).toEqual({ endpointIds: [] });
    const critical = testAlert({ symbol: 'FILT', severity: 'CRITICAL' });
    expect(await dispatcher.dispatch(critical)).toEqual({ endpointIds: [id] });
    await untilOutcome(id, 'delivered');
    expect(receiver.requests('/filtered').map((r) => JSON.parse(r.body).data.alert_id)).toEqual([critical.alert_id]);
  });

  it('a 410 Gone disables the endpoint and stops retrying; its owner can re-enable it', async () => {
    receiver.route('/gone', () => ({ status: 410 }));
    const id = await register('/gone', 'GONE');
    const alert = testAlert({ symbol: 'GONE' });
    await dispatcher.dispatch(alert);
    const log = await untilOutcome(id, 'disabled');
    await settle();
    expect(receiver.requests('/gone')).toHaveLength(1);
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([[1, 'disabled', 410]]);
    expect(await endpoint(id)).toMatchObject({ status: 'disabled', disabled_reason: expect.stringMatching(/410 Gone/) });
    expect(await (await dispatcher.queue.getJob(webhookJobId(id, alert.alert_id)))?.getState()).toBe('failed');
    expect(await dispatcher.dispatch(testAlert({ symbol: 'GONE' }))).toEqual({ endpointIds: [] });
    expect(await metricValue('disabled')).toBeGreaterThanOrEqual(1);

    const res = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: { authorization: `Bearer ${apiKey}` }, payload: { status: 'active' } });
    expect(res.json()).toMatchObject({ status: 'active', disabled_reason: null });
    expect(await dispatcher.dispatch(testAlert({ symbol: 'GONE' }))).toEqual({ endpointIds: [id] });
  });

  it('does not follow a redirect: a 302 is a failed attempt, and the last one marks the delivery dead', async () => {
    receiver.route('/moved', () => ({ status: 302, headers: { location: receiver.url('/moved-here') } }));
    receiver.route('/moved-here', () => ({ status: 200 }));
    const id = await register('/moved', 'REDIR');
    await dispatcher.dispatch(testAlert({ symbol: 'REDIR' }));
    const log = await untilOutcome(id, 'dead');
    await settle();
    expect(receiver.requests('/moved')).toHaveLength(4);
    expect(receiver.requests('/moved-here')).toHaveLength(0);
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([
      [4, 'dead', 302],
      [3, 'retrying', 302],
      [2, 'retrying', 302],
      [1, 'retrying', 302],
    ]);
    expect(log[0]!.error).toBe(`HTTP 302: redirect to ${receiver.url('/moved-here')} not followed`);
  });

  it('marks a delivery dead after the last failed attempt', async () => {
    receiver.route('/down', () => ({ status: 500 }));
    const id = await register('/down', 'DOWN');
    const alert = testAlert({ symbol: 'DOWN' });
    const deadBefore = await metricValue('dead');
    await dispatcher.dispatch(alert);
    const log = await untilOutcome(id, 'dead');
    await settle();
    expect(log.map((d) => d.outcome)).toEqual(['dead', 'retrying', 'retrying', 'retrying']);
    expect(receiver.requests('/down')).toHaveLength(4);
    expect(receiver.requests('/down').every((r) => r.signatureValid)).toBe(true);
    expect(await (await dispatcher.queue.getJob(webhookJobId(id, alert.alert_id)))?.getState()).toBe('failed');
    expect(await metricValue('dead')).toBe(deadBefore + 1);
    // A dead alert dispatched again is not re-sent within the retention window.
    await dispatcher.dispatch(alert);
    await settle();
    expect(receiver.requests('/down')).toHaveLength(4);
  });

  it('drops a pending retry once the owner disables the endpoint', async () => {
    receiver.route('/paused', () => ({ status: 503, headers: { 'retry-after': '3' } }));
    const id = await register('/paused', 'PAUSE');
    await dispatcher.dispatch(testAlert({ symbol: 'PAUSE' }));
    await untilOutcome(id, 'retrying');
    await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: { authorization: `Bearer ${apiKey}` }, payload: { status: 'disabled' } });
    const log = await untilOutcome(id, 'disabled');
    await settle();
    const sent = log.filter((d) => d.outcome === 'retrying');
    expect(log[0]).toMatchObject({ attempt: sent.length + 1, outcome: 'disabled', status_code: null, error: 'not sent: the endpoint is disabled' });
    expect(receiver.requests('/paused')).toHaveLength(sent.length); // nothing sent after the owner's PATCH
    expect(await deliveries(id)).toHaveLength(sent.length + 1);
  });

  it('refuses at dial time a host whose DNS answer changed to a private address after registration (rebinding)', async () => {
    receiver.route('/rebind', () => ({ status: 200 }));
    hookTestAnswer = '127.0.0.1';
    const id = await register('/rebind', 'REBIND', `http://hook.test:${receiver.port}/rebind`);
    hookTestAnswer = '10.0.0.1';
    await dispatcher.dispatch(testAlert({ symbol: 'REBIND' }));
    const log = await untilOutcome(id, 'dead');
    expect(receiver.requests('/rebind')).toHaveLength(0);
    expect(log).toHaveLength(4);
    for (const d of log) {
      expect(d.status_code).toBeNull();
      expect(d.error).toBe('refused to connect: hook.test resolves to a refused address: 10.0.0.1 is a private address (10.0.0.0/8)');
    }
    // The same endpoint is delivered to once the name points at the allowed address again.
    hookTestAnswer = '127.0.0.1';
    await dispatcher.dispatch(testAlert({ symbol: 'REBIND' }));
    await untilOutcome(id, 'delivered');
    expect(receiver.requests('/rebind')).toHaveLength(1);
    expect(receiver.requests('/rebind')[0]!.signatureValid).toBe(true);
  });

  it('refuses at dial time an address the allow-list no longer admits', async () => {
    receiver.route('/strict', () => ({ status: 200 }));
    const id = await register('/strict', 'STRICT'); // http://127.0.0.1:<port>/strict, allowed at registration
    await strictDispatcher.dispatch(testAlert({ symbol: 'STRICT' }));
    const log = await untilOutcome(id, 'dead');
    expect(receiver.requests('/strict')).toHaveLength(0);
    expect(log.map((d) => [d.outcome, d.status_code, d.error])).toEqual([
      ['dead', null, 'refused to connect: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
      ['retrying', null, 'refused to connect: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
    ]);
  });

  it('ends an attempt the receiver does not answer within the timeout', async () => {
    const silent = createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      const res = await sendWebhookRequest(url, { 'content-type': 'application/json' }, '{}', { guard: new UrlGuard({ allowCidrs: ['127.0.0.1/32'] }), timeoutMs: 300 });
      expect(res).toMatchObject({ statusCode: null, error: 'timed out after 300 ms' });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('exposes webhook_deliveries_total by outcome on /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    for (const outcome of ['delivered', 'retrying', 'dead', 'disabled']) expect(res.body).toMatch(new RegExp(`webhook_deliveries_total\\{outcome="${outcome}"\\} [1-9]`));
  });
});
