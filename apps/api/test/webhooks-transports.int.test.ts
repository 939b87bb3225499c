// The two delivery transports side by side: the same alert to the same kind of receiver through
// bullmq (real Redis, RedisWebhookStore) and through the in-process queue (FileWebhookStore) must
// give the same requests, the same delivery log entry by entry, the same endpoint state and the
// same end state of the message — the embedded profile delivers "with the same policy".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileWebhookStore, InProcessWebhookQueue, newWebhookSecret, RedisWebhookStore, UrlGuard, WebhookDeliveryWorker, WebhookDispatcher, webhookJobId, type WebhookStore } from '../src/webhooks/index';
import { newWebhookId } from '../src/webhooks/webhook-endpoint';
import { testAlert } from '../src/webhooks/testing/test-alert';
import { TestWebhookReceiver, waitFor, type Responder } from '../src/webhooks/testing/test-webhook-receiver';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;
const prefix = `tickflow-test:webhooks-transports:${run}:`;
const bullPrefix = `tickflow-test-bull:transports-${run}`;
const ATTEMPTS = 3;
const policy = { backoffBaseMs: 30, backoffCapMs: 60, maxRetryAfterMs: 5_000, timeoutMs: 5_000 };

let redis: Redis;
let bullRedis: Redis;
let dir: string;
let receiver: TestWebhookReceiver;
let redisStore: RedisWebhookStore;
let fileStore: FileWebhookStore;
let dispatcher: WebhookDispatcher;
let worker: WebhookDeliveryWorker;
let inProcess: InProcessWebhookQueue;

/** What a transport needs to be driven and observed the same way. */
interface Transport {
  name: 'bullmq' | 'in-process';
  store: WebhookStore;
  dispatch: (alert: ReturnType<typeof testAlert>) => Promise<unknown>;
  state: (endpointId: string, alertId: string) => Promise<string | null>;
}
let transports: Transport[];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  bullRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  dir = await mkdtemp(join(tmpdir(), 'tickflow-webhooks-transports-'));
  receiver = await TestWebhookReceiver.start('127.0.0.1');
  // One dial-time policy for both: 127.0.0.1 allowed, every other loopback address (::1) refused.
  const guard = new UrlGuard({ allowCidrs: ['127.0.0.1/32'] });
  redisStore = new RedisWebhookStore(redis, { prefix });
  fileStore = await FileWebhookStore.open(join(dir, 'webhooks.json'), { flushDelayMs: 20 });
  dispatcher = new WebhookDispatcher({ connection: bullRedis, prefix: bullPrefix, store: redisStore, attempts: ATTEMPTS });
  worker = new WebhookDeliveryWorker({ connection: bullRedis, prefix: bullPrefix, store: redisStore, guard, metrics: new Registry(), concurrency: 4, ...policy });
  inProcess = new InProcessWebhookQueue({ store: fileStore, guard, metrics: new Registry(), attempts: ATTEMPTS, concurrency: 4, ...policy });
  await worker.waitUntilReady();
  transports = [
    { name: 'bullmq', store: redisStore, dispatch: (a) => dispatcher.dispatch(a), state: async (e, a) => (await (await dispatcher.queue.getJob(webhookJobId(e, a)))?.getState()) ?? null },
    { name: 'in-process', store: fileStore, dispatch: (a) => inProcess.dispatch(a), state: async (e, a) => inProcess.getState(e, a) },
  ];
});

afterAll(async () => {
  await Promise.allSettled([worker?.close(), inProcess?.close()]);
  await dispatcher?.queue.obliterate({ force: true }).catch(() => undefined);
  await dispatcher?.close();
  await fileStore?.close();
  await receiver?.close();
  for (const p of [prefix, bullPrefix]) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  bullRedis?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Scenario {
  name: string;
  responder: Responder;
  /** The URL to register, from the receiver's for this transport's path. */
  url?: (path: string) => string;
  expected: { statuses: number[]; log: Array<[number, string, number | null]>; state: string; endpointStatus: string };
}

const scenarios: Scenario[] = [
  {
    name: 'fails twice (Retry-After: 0 the second time), then accepts',
    responder: (_r, nth) => (nth === 1 ? { status: 500 } : nth === 2 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200 }),
    expected: { statuses: [500, 429, 200], log: [[3, 'delivered', 200], [2, 'retrying', 429], [1, 'retrying', 500]], state: 'completed', endpointStatus: 'active' },
  },
  {
    name: 'answers 410 Gone',
    responder: () => ({ status: 410 }),
    expected: { statuses: [410], log: [[1, 'disabled', 410]], state: 'failed', endpointStatus: 'disabled' },
  },
  {
    name: 'redirects every time',
    responder: () => ({ status: 307, headers: { location: 'https://elsewhere.example.com/' } }),
    expected: { statuses: [307, 307, 307], log: [[3, 'dead', 307], [2, 'retrying', 307], [1, 'retrying', 307]], state: 'failed', endpointStatus: 'active' },
  },
  {
    name: 'is down',
    responder: () => ({ status: 503 }),
    expected: { statuses: [503, 503, 503], log: [[3, 'dead', 503], [2, 'retrying', 503], [1, 'retrying', 503]], state: 'failed', endpointStatus: 'active' },
  },
  {
    name: 'is at a refused address (dial time)',
    responder: () => ({ status: 200 }),
    url: (path) => `http://[::1]:${receiver.port}${path}`,
    expected: { statuses: [], log: [[3, 'dead', null], [2, 'retrying', null], [1, 'retrying', null]], state: 'failed', endpointStatus: 'active' },
  },
];

describe('bullmq and in-process transports deliver alike', () => {
  it.each(scenarios)('a receiver that $name', async (scenario) => {
    const outcomes = await Promise.all(
      transports.map(async (t) => {
        const path = `/${t.name}/${scenario.name.replace(/\W+/g, '-')}`;
        receiver.route(path, scenario.responder);
        const secret = newWebhookSecret();
        receiver.setSecret(path, secret);
        const id = newWebhookId();
        const now = Date.now();
        // Created in the store directly: the dial-time guard, not registration, is under test.
        await t.store.create({ id, owner: 'parity', url: scenario.url?.(path) ?? receiver.url(path), description: '', symbols: ['PARITY'], minSeverity: 'MEDIUM', secret, status: 'active', disabledReason: null, createdAtMs: now, updatedAtMs: now });
        const alert = testAlert({ symbol: 'PARITY' });
        await t.dispatch(alert);
        const state = await waitFor(`${t.name}: the message to end`, async () => {
          const s = await t.state(id, alert.alert_id);
          return (s === 'completed' || s === 'failed') && s;
        });
        const log = await t.store.listAttempts(id, { limit: 100 });
        const reqs = receiver.requests(path);
        const endpointStatus = (await t.store.get(id))!.status;
        await t.store.delete(id); // the next scenario's alert must not reach it
        return {
          statuses: reqs.map((r) => r.status),
          signed: reqs.every((r) => r.signatureValid),
          webhookIds: new Set(reqs.map((r) => r.webhookId)).size,
          log: log.map((a) => [a.attempt, a.outcome, a.statusCode] as [number, string, number | null]),
          errors: log.map((a) => a.error?.replaceAll(t.name, '<transport>') ?? null),
          sameDeliveryId: log.every((a) => a.deliveryId === log[0]!.deliveryId && a.alertId === alert.alert_id),
          state,
          endpointStatus,
        };
      }),
    );
    const [bull, local] = outcomes;
    expect(local).toEqual(bull);
    expect(bull!.statuses).toEqual(scenario.expected.statuses);
    expect(bull!.log).toEqual(scenario.expected.log);
    expect(bull!.state).toBe(scenario.expected.state);
    expect(bull!.endpointStatus).toBe(scenario.expected.endpointStatus);
    expect(bull!.signed).toBe(true);
    expect(bull!.webhookIds).toBeLessThanOrEqual(1);
    expect(bull!.sameDeliveryId).toBe(true);
  });
});
