// Webhook deliveries with no Redis (the embedded profile): the in-process queue, the file stores
// and the REST routes, to real HTTP receivers on 127.0.0.1 (allow-listed here). Every signature is
// checked in this file, from the Standard Webhooks text, not with tickflow's signer. The same
// cases as webhooks-delivery.int.test.ts (bullmq), plus what only this transport has: bounded
// concurrency in one process, close() finishing attempts in flight and dropping pending retries,
// and the bounded number of pending messages.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { FileApiKeyStore } from '../src/auth/file-api-key-store';
import { FileWebhookStore, InProcessWebhookQueue, UrlGuard, WebhookQueueFullError, webhooksFeature, type DeliveryAttemptView, type HostResolver, type WebhookLog, type WebhookStore } from '../src/webhooks/index';
import { testAlert } from '../src/webhooks/testing/test-alert';
import { TestWebhookReceiver, waitFor, type ReceivedRequest } from '../src/webhooks/testing/test-webhook-receiver';

let dir: string;
let receiver: TestWebhookReceiver;
let holding: HoldingReceiver;
let store: FileWebhookStore;
let metrics: Registry;
let guard: UrlGuard;
let queue: InProcessWebhookQueue;
let strictQueue: InProcessWebhookQueue;
const extraQueues: InProcessWebhookQueue[] = [];
let app: FastifyInstance;
let apiKey: string;
/** The secret of each registered path, as the creation response gave it. */
const secrets = new Map<string, string>();
/** What `hook.test` resolves to right now (a DNS answer that changes after registration). */
let hookTestAnswer = '127.0.0.1';

const resolve: HostResolver = async (host) => {
  if (host === 'hook.test') return [{ address: hookTestAnswer, family: 4 }];
  return (await lookup(host, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * Standard Webhooks, verified from the specification: the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the key is the base64 after `whsec_`, the MAC is
 * HMAC-SHA256 in base64, and `webhook-signature` is a space-separated list of `v1,<mac>`; the
 * timestamp must be within 5 minutes of now.
 */
function verifyStandardWebhook(secret: string, r: Pick<ReceivedRequest, 'webhookId' | 'webhookTimestamp' | 'webhookSignature' | 'body'>): boolean {
  if (!r.webhookId || !r.webhookTimestamp || !r.webhookSignature || !/^\d+$/.test(r.webhookTimestamp)) return false;
  if (Math.abs(Math.floor(Date.now() / 1000) - Number(r.webhookTimestamp)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${r.webhookId}.${r.webhookTimestamp}.${r.body}`).digest();
  return r.webhookSignature.split(' ').some((entry) => {
    const comma = entry.indexOf(',');
    if (entry.slice(0, comma) !== 'v1') return false;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A receiver that holds every request `holdMs` before answering 200, and counts how many it holds at once. */
class HoldingReceiver {
  current = 0;
  max = 0;
  readonly received: Array<{ path: string; webhookId: string | undefined; atMs: number; answeredAtMs: number | null }> = [];
  holdMs = 200;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<HoldingReceiver> {
    let self: HoldingReceiver | null = null;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const r = { path: req.url ?? '/', webhookId: req.headers['webhook-id'] as string | undefined, atMs: Date.now(), answeredAtMs: null as number | null };
        self!.received.push(r);
        self!.current++;
        self!.max = Math.max(self!.max, self!.current);
        setTimeout(() => {
          self!.current--;
          r.answeredAtMs = Date.now();
          res.writeHead(200).end('{}');
        }, self!.holdMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new HoldingReceiver(server);
    return self;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-webhooks-in-process-'));
  receiver = await TestWebhookReceiver.start('127.0.0.1');
  holding = await HoldingReceiver.start();
  store = await FileWebhookStore.open(join(dir, 'webhooks.json'), { flushDelayMs: 50 });
  metrics = new Registry();
  guard = new UrlGuard({ allowCidrs: ['127.0.0.1/32'], resolve });
  queue = new InProcessWebhookQueue({ store, guard, metrics, attempts: 4, backoffBaseMs: 50, backoffCapMs: 200, maxRetryAfterMs: 5_000, timeoutMs: 5_000, concurrency: 4 });
  // A second queue that dials with no allow-list: the address was allowed at registration, not at dial time.
  strictQueue = new InProcessWebhookQueue({ store, guard: new UrlGuard({ resolve }), metrics: new Registry(), attempts: 2, backoffBaseMs: 50, backoffCapMs: 100 });

  const keys = await FileApiKeyStore.open(join(dir, 'api-keys.json'));
  const k = newApiKey('ops-team', ['read']);
  await keys.put(k.record);
  apiKey = k.key;
  app = await buildApp({ keys, metrics, readiness: {}, rateLimit: { max: 100_000, timeWindowMs: 60_000 }, corsOrigins: [], features: [webhooksFeature({ store, guard, maxEndpointsPerOwner: 100 })] });
});

afterAll(async () => {
  await Promise.allSettled([queue?.close(), strictQueue?.close(), ...extraQueues.map((q) => q.close())]);
  await app?.close();
  await store?.close();
  await receiver?.close();
  await holding?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${apiKey}` });

/** Registers `url` through the API for alerts on `symbol`; the receivers learn the secret of `path`. */
async function register(path: string, symbol: string, url = receiver.url(path)): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(), payload: { url, symbols: [symbol] } });
  expect(res.statusCode, res.body).toBe(201);
  secrets.set(path, res.json().secret);
  receiver.setSecret(path, res.json().secret);
  return res.json().id;
}

async function deliveries(id: string): Promise<DeliveryAttemptView[]> {
  return (await app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries?limit=100`, headers: auth() })).json().data;
}

async function endpoint(id: string): Promise<Record<string, unknown>> {
  return (await app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: auth() })).json();
}

const untilOutcome = (id: string, outcome: string, count = 1) =>
  waitFor(`${count} '${outcome}' in the log of ${id}`, async () => {
    const log = await deliveries(id);
    return log.filter((d) => d.outcome === outcome).length >= count && log;
  });

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

async function metricValue(outcome: string): Promise<number> {
  const m = (await metrics.getSingleMetric('webhook_deliveries_total')!.get()).values.find((v) => v.labels.outcome === outcome);
  return m?.value ?? 0;
}

describe('webhook deliveries in process (file stores, no Redis)', () => {
  it('the test verifier accepts a Standard Webhooks signature and refuses any change', () => {
    // The specification's example message (standard-webhooks/spec, "Signature scheme").
    const example = {
      webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      webhookTimestamp: String(Math.floor(Date.now() / 1000)),
      body: '{"test": 2432232314}',
      webhookSignature: '',
    };
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const mac = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')).update(`${example.webhookId}.${example.webhookTimestamp}.${example.body}`).digest('base64');
    expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v0,xyz v1,${mac}` })).toBe(true);
    expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v1,${mac}`, body: '{"test": 2432232315}' })).toBe(false);
    expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v1,${mac}`, webhookId: 'msg_other' })).toBe(false);
    expect(verifyStandardWebhook('whsec_' + Buffer.alloc(24, 1).toString('base64'), { ...example, webhookSignature: `v1,${mac}` })).toBe(false);
    expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v2,${mac}` })).toBe(false);
  });

  it('retries a receiver failing 3 times (once with Retry-After) until it accepts: the alert arrives exactly once by webhook-id, every attempt signed and logged', async () => {
    const alert = testAlert({ symbol: 'FLAKY', severity: 'CRITICAL' });
    // Fails this alert's first three attempts; accepts any other alert at once.
    receiver.route('/flaky', (req, nth) =>
      JSON.parse(req.body).data.alert_id !== alert.alert_id ? { status: 204 } : nth === 1 ? { status: 500 } : nth === 2 ? { status: 503, headers: { 'retry-after': '1' } } : nth === 3 ? { status: 502 } : { status: 204 },
    );
    const id = await register('/flaky', 'FLAKY');
    expect(await queue.dispatch(alert)).toEqual({ endpointIds: [id] });

    const log = await untilOutcome(id, 'delivered');
    // Dispatched again, concurrently and after delivery (a redelivered alert): nothing more is sent.
    await Promise.all([queue.dispatch(alert), queue.dispatch(alert)]);
    await settle();
    const reqs = receiver.requests('/flaky');
    expect(reqs.map((r) => r.status)).toEqual([500, 503, 502, 204]);
    for (const r of reqs) {
      expect(verifyStandardWebhook(secrets.get('/flaky')!, r), `attempt at ${r.atMs}`).toBe(true);
      expect(verifyStandardWebhook(secrets.get('/flaky')!, { ...r, body: r.body.replace('FLAKY', 'FLAKX') })).toBe(false);
    }
    expect(reqs.every((r) => r.method === 'POST' && r.contentType === 'application/json')).toBe(true);
    // Exactly once by webhook-id: one id for the message, accepted once.
    const accepted = reqs.filter((r) => r.status < 300);
    expect(accepted).toHaveLength(1);
    expect(new Set(reqs.map((r) => r.webhookId))).toEqual(new Set([accepted[0]!.webhookId]));
    expect(accepted[0]!.webhookId).toMatch(/^msg_/);
    expect(new Set(reqs.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(accepted[0]!.body)).toEqual({ type: 'alert.price_movement', timestamp: new Date(alert.detected_at_ms).toISOString(), data: alert });
    // The attempt after "Retry-After: 1" waited for it (jittered backoff here is at most 200 ms).
    expect(reqs[2]!.atMs - reqs[1]!.atMs).toBeGreaterThanOrEqual(950);
    expect(reqs[1]!.atMs - reqs[0]!.atMs).toBeLessThan(900);

    expect(log.map((d) => [d.attempt, d.outcome, d.status_code, d.error])).toEqual([
      [4, 'delivered', 204, null],
      [3, 'retrying', 502, 'HTTP 502'],
      [2, 'retrying', 503, 'HTTP 503'],
      [1, 'retrying', 500, 'HTTP 500'],
    ]);
    expect(log.every((d) => d.delivery_id === accepted[0]!.webhookId && d.alert_id === alert.alert_id)).toBe(true);
    expect(await deliveries(id)).toHaveLength(4);
    expect(queue.getState(id, alert.alert_id)).toBe('completed');
    expect(await metricValue('delivered')).toBeGreaterThanOrEqual(1);
    expect(await metricValue('retrying')).toBeGreaterThanOrEqual(3);

    // Another alert is another message, with its own webhook-id.
    const other = testAlert({ symbol: 'FLAKY', severity: 'CRITICAL' });
    await queue.dispatch(other);
    await untilOutcome(id, 'delivered', 2);
    const ids = receiver.requests('/flaky').map((r) => r.webhookId);
    expect(ids).toHaveLength(5);
    expect(ids[4]).not.toBe(ids[0]);
  });

  it('sends only what the filters take: symbols and minimum severity', async () => {
    receiver.route('/filtered', () => ({ status: 200 }));
    const id = await register('/filtered', 'FILT');
    await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: auth(), payload: { min_severity: 'CRITICAL' } });
    expect(await queue.dispatch(testAlert({ symbol: 'FILT', severity: 'HIGH' }))).toEqual({ endpointIds: [] });
    expect(await queue.dispatch(testAlert({ symbol: 'OTHER', severity: 'CRITICAL' }))).toEqual({ endpointIds: [] });
    const critical = testAlert({ symbol: 'FILT', severity: 'CRITICAL' });
    expect(await queue.dispatch(critical)).toEqual({ endpointIds: [id] });
    await untilOutcome(id, 'delivered');
    expect(receiver.requests('/filtered').map((r) => JSON.parse(r.body).data.alert_id)).toEqual([critical.alert_id]);
  });

  it('a 410 Gone disables the endpoint and stops retrying; its owner can re-enable it', async () => {
    receiver.route('/gone', () => ({ status: 410 }));
    const id = await register('/gone', 'GONE');
    const alert = testAlert({ symbol: 'GONE' });
    await queue.dispatch(alert);
    const log = await untilOutcome(id, 'disabled');
    await settle();
    expect(receiver.requests('/gone')).toHaveLength(1);
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code, d.error])).toEqual([[1, 'disabled', 410, 'HTTP 410 Gone: endpoint disabled']]);
    expect(await endpoint(id)).toMatchObject({ status: 'disabled', disabled_reason: expect.stringMatching(/^the receiver answered 410 Gone on \d{4}-/) });
    expect(queue.getState(id, alert.alert_id)).toBe('failed');
    expect(await queue.dispatch(testAlert({ symbol: 'GONE' }))).toEqual({ endpointIds: [] });
    expect(await metricValue('disabled')).toBeGreaterThanOrEqual(1);

    const res = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: auth(), payload: { status: 'active' } });
    expect(res.json()).toMatchObject({ status: 'active', disabled_reason: null });
    expect(await queue.dispatch(testAlert({ symbol: 'GONE' }))).toEqual({ endpointIds: [id] });
  });

  it('does not follow a redirect: a 302 is a failed attempt, and the last one marks the delivery dead', async () => {
    receiver.route('/moved', () => ({ status: 302, headers: { location: receiver.url('/moved-here') } }));
    receiver.route('/moved-here', () => ({ status: 200 }));
    const id = await register('/moved', 'REDIR');
    await queue.dispatch(testAlert({ symbol: 'REDIR' }));
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

  it('marks a delivery dead after the last failed attempt, and does not send it again within the retention', async () => {
    receiver.route('/down', () => ({ status: 500 }));
    const id = await register('/down', 'DOWN');
    const alert = testAlert({ symbol: 'DOWN' });
    const deadBefore = await metricValue('dead');
    await queue.dispatch(alert);
    const log = await untilOutcome(id, 'dead');
    await settle();
    expect(log.map((d) => d.outcome)).toEqual(['dead', 'retrying', 'retrying', 'retrying']);
    expect(receiver.requests('/down')).toHaveLength(4);
    expect(receiver.requests('/down').every((r) => verifyStandardWebhook(secrets.get('/down')!, r))).toBe(true);
    expect(queue.getState(id, alert.alert_id)).toBe('failed');
    expect(await metricValue('dead')).toBe(deadBefore + 1);
    expect(await queue.dispatch(alert)).toEqual({ endpointIds: [id] });
    await settle();
    expect(receiver.requests('/down')).toHaveLength(4);
  });

  it('drops a pending retry once the owner disables the endpoint', async () => {
    receiver.route('/paused', () => ({ status: 503, headers: { 'retry-after': '1' } }));
    const id = await register('/paused', 'PAUSE');
    await queue.dispatch(testAlert({ symbol: 'PAUSE' }));
    await untilOutcome(id, 'retrying');
    await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: auth(), payload: { status: 'disabled' } });
    const log = await untilOutcome(id, 'disabled');
    await settle();
    const sent = log.filter((d) => d.outcome === 'retrying');
    expect(log[0]).toMatchObject({ attempt: sent.length + 1, outcome: 'disabled', status_code: null, error: 'not sent: the endpoint is disabled' });
    expect(receiver.requests('/paused')).toHaveLength(sent.length);
    expect(await deliveries(id)).toHaveLength(sent.length + 1);
  });

  it('sends nothing more once the endpoint is deleted, and logs nothing for it', async () => {
    receiver.route('/deleted', () => ({ status: 503, headers: { 'retry-after': '1' } }));
    const id = await register('/deleted', 'DELETED');
    const alert = testAlert({ symbol: 'DELETED' });
    await queue.dispatch(alert);
    await untilOutcome(id, 'retrying');
    expect((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: auth() })).statusCode).toBe(204);
    await waitFor('the message to end', () => queue.getState(id, alert.alert_id) === 'completed');
    expect(receiver.requests('/deleted')).toHaveLength(1);
    expect(await store.listAttempts(id, { limit: 10 })).toEqual([]);
  });

  it('refuses at dial time a host whose DNS answer changed to a private address after registration (rebinding)', async () => {
    receiver.route('/rebind', () => ({ status: 200 }));
    hookTestAnswer = '127.0.0.1';
    const id = await register('/rebind', 'REBIND', `http://hook.test:${receiver.port}/rebind`);
    hookTestAnswer = '10.0.0.1';
    await queue.dispatch(testAlert({ symbol: 'REBIND' }));
    const log = await untilOutcome(id, 'dead');
    expect(receiver.requests('/rebind')).toHaveLength(0);
    expect(log.map((d) => d.outcome)).toEqual(['dead', 'retrying', 'retrying', 'retrying']);
    for (const d of log) {
      expect(d.status_code).toBeNull();
      expect(d.error).toBe('refused to connect: hook.test resolves to a refused address: 10.0.0.1 is a private address (10.0.0.0/8)');
    }
    hookTestAnswer = '127.0.0.1';
    await queue.dispatch(testAlert({ symbol: 'REBIND' }));
    await untilOutcome(id, 'delivered');
    expect(receiver.requests('/rebind')).toHaveLength(1);
    expect(verifyStandardWebhook(secrets.get('/rebind')!, receiver.requests('/rebind')[0]!)).toBe(true);
  });

  it('refuses at dial time an address the allow-list no longer admits', async () => {
    receiver.route('/strict', () => ({ status: 200 }));
    const id = await register('/strict', 'STRICT'); // http://127.0.0.1:<port>/strict, allowed at registration
    await strictQueue.dispatch(testAlert({ symbol: 'STRICT' }));
    const log = await untilOutcome(id, 'dead');
    expect(receiver.requests('/strict')).toHaveLength(0);
    expect(log.map((d) => [d.outcome, d.status_code, d.error])).toEqual([
      ['dead', null, 'refused to connect: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
      ['retrying', null, 'refused to connect: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
    ]);
  });

  it('retries an attempt the store failed before sending, without a log entry for it (as bullmq retries a throwing job)', async () => {
    receiver.route('/store-hiccup', () => ({ status: 200 }));
    const id = await register('/store-hiccup', 'HICCUP');
    let failures = 1;
    // The file store, whose first read of an endpoint fails.
    const hiccup: WebhookStore = {
      create: (e) => store.create(e),
      get: async (endpointId) => {
        if (failures-- > 0) throw new Error('disk on fire');
        return store.get(endpointId);
      },
      listByOwner: (owner) => store.listByOwner(owner),
      listActive: () => store.listActive(),
      update: (endpointId, patch, opts) => store.update(endpointId, patch, opts),
      delete: (endpointId) => store.delete(endpointId),
      appendAttempt: (endpointId, attempt) => store.appendAttempt(endpointId, attempt),
      listAttempts: (endpointId, opts) => store.listAttempts(endpointId, opts),
    };
    const logs: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const log: WebhookLog = (level, msg, fields) => logs.push([level, msg, fields]);
    const q = new InProcessWebhookQueue({ store: hiccup, guard, metrics: new Registry(), attempts: 3, backoffBaseMs: 20, backoffCapMs: 50, log });
    extraQueues.push(q);
    await q.dispatch(testAlert({ symbol: 'HICCUP' }));
    const entries = await untilOutcome(id, 'delivered');
    expect(entries.map((d) => [d.attempt, d.outcome])).toEqual([[2, 'delivered']]);
    expect(receiver.requests('/store-hiccup')).toHaveLength(1);
    expect(logs).toContainEqual(['error', 'webhook delivery attempt failed before sending', expect.objectContaining({ attempt: 1, error: 'disk on fire' })]);
  });

  it('runs at most `concurrency` attempts at once', async () => {
    holding.holdMs = 150;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await register(`/hold-${i}`, 'CONC', holding.url(`/hold-${i}`)));
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), concurrency: 2 });
    extraQueues.push(q);
    holding.max = 0;
    expect((await q.dispatch(testAlert({ symbol: 'CONC' }))).endpointIds).toHaveLength(6);
    expect(q.counts()).toEqual({ waiting: 4, delayed: 0, active: 2 });
    for (const id of ids) await untilOutcome(id, 'delivered');
    expect(holding.max).toBe(2);
    expect(holding.received.filter((r) => r.path.startsWith('/hold-'))).toHaveLength(6);
    expect(q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
  });

  it('close() lets the attempt in flight finish and log, drops the pending retry, and refuses dispatches', async () => {
    holding.holdMs = 400;
    receiver.route('/later', () => ({ status: 503, headers: { 'retry-after': '1' } }));
    const slow = await register('/slow', 'CLOSE', holding.url('/slow'));
    const later = await register('/later', 'CLOSE');
    const logs: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), log: (level, msg, fields) => logs.push([level, msg, fields]) });
    const alert = testAlert({ symbol: 'CLOSE' });
    await q.dispatch(alert);
    await untilOutcome(later, 'retrying');
    expect(q.counts()).toEqual({ waiting: 0, delayed: 1, active: 1 });
    expect(await deliveries(slow)).toEqual([]);

    await q.close();
    // The held request was answered and logged before close() resolved.
    const answered = holding.received.find((r) => r.path === '/slow')!.answeredAtMs;
    expect(answered).not.toBeNull();
    expect((await store.listAttempts(slow, { limit: 10 })).map((a) => a.outcome)).toEqual(['delivered']);
    expect(q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
    expect(q.getState(later, alert.alert_id)).toBeNull();
    expect(logs).toContainEqual(['warn', 'webhook messages dropped at shutdown: the embedded profile holds pending deliveries in memory', { dropped: 1 }]);
    await expect(q.dispatch(testAlert({ symbol: 'CLOSE' }))).rejects.toThrow('the in-process webhook queue is closed');
    await settle(1500); // past the Retry-After: nothing is sent
    expect(receiver.requests('/later')).toHaveLength(1);
  });

  it('refuses a dispatch that would exceed maxPending, queueing none of it, as a queue whose Redis is down would', async () => {
    receiver.route('/full-a', () => ({ status: 200 }));
    receiver.route('/full-b', () => ({ status: 200 }));
    const a = await register('/full-a', 'FULL');
    await register('/full-b', 'FULL');
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), maxPending: 1 });
    extraQueues.push(q);
    const alert = testAlert({ symbol: 'FULL' });
    const err = await q.dispatch(alert).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookQueueFullError);
    expect((err as Error).message).toBe(`0 webhook messages are pending (at most 1); alert ${alert.alert_id} was not queued`);
    expect(q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
    await settle(200);
    expect(receiver.requests('/full-a')).toHaveLength(0);
    await app.inject({ method: 'PATCH', url: `/v1/webhooks/${a}`, headers: auth(), payload: { status: 'disabled' } });
    expect((await q.dispatch(alert)).endpointIds).toHaveLength(1);
    await waitFor('the one left to be delivered', () => receiver.requests('/full-b').length === 1);
  });

  it('keeps the delivery log in its file: a restarted store lists every attempt', async () => {
    await store.flush();
    const reopened = await FileWebhookStore.open(join(dir, 'webhooks.json'));
    const id = (await store.listByOwner('ops-team')).find((e) => e.url === receiver.url('/flaky'))!.id;
    expect(await reopened.listAttempts(id, { limit: 100 })).toEqual(await store.listAttempts(id, { limit: 100 }));
    expect((await reopened.listAttempts(id, { limit: 100 })).map((a) => a.outcome)).toEqual(['delivered', 'delivered', 'retrying', 'retrying', 'retrying']);
  });

  it('exposes webhook_deliveries_total by outcome on /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    for (const outcome of ['delivered', 'retrying', 'dead', 'disabled']) expect(res.body).toMatch(new RegExp(`webhook_deliveries_total\\{outcome="${outcome}"\\} [1-9]`));
  });
});
