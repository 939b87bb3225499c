// What only the bullmq transport has, on real Redis: its job ids. Every delivery scenario it shares
// with the in-process queue (retries, Retry-After, one webhook-id per message, idempotent
// dispatch, filters, 410, redirects, dead, disabling and deleting, the SSRF guard at dial time,
// metrics) runs through both in webhooks-transports.int.test.ts. Also here: an attempt's timeout,
// which is sendWebhookRequest's, under either transport.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret, RedisWebhookStore, UrlGuard, WebhookDispatcher, webhookJobId, webhookMessageId } from '../src/webhooks/index';
import { newWebhookId } from '../src/webhooks/webhook-endpoint';
import { sendWebhookRequest } from '../src/webhooks/send-webhook-request';
import { testAlert } from '../src/webhooks/testing/test-alert';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;
const prefix = `tickflow-test:webhooks-delivery:${run}:`;
const bullPrefix = `tickflow-test-bull:delivery-${run}`;

let redis: Redis;
let bullRedis: Redis;
let store: RedisWebhookStore;
let dispatcher: WebhookDispatcher;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  bullRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  store = new RedisWebhookStore(redis, { prefix });
  // No worker: the jobs stay where the dispatcher put them.
  dispatcher = new WebhookDispatcher({ connection: bullRedis, prefix: bullPrefix, store, attempts: 4 });
});

afterAll(async () => {
  await dispatcher?.queue.obliterate({ force: true }).catch(() => undefined);
  await dispatcher?.close();
  for (const p of [prefix, bullPrefix]) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  bullRedis?.disconnect();
});

describe('webhook deliveries on bullmq (real Redis)', () => {
  it('queues one job per endpoint and alert, under webhookJobId: the same alert again adds none', async () => {
    const id = newWebhookId();
    const now = Date.now();
    await store.create({ id, owner: 'ops-team', url: 'https://hooks.example.com/jobs', description: '', symbols: ['JOBS'], minSeverity: 'MEDIUM', secret: newWebhookSecret(), status: 'active', disabledReason: null, createdAtMs: now, updatedAtMs: now });
    const alert = testAlert({ symbol: 'JOBS' });
    await Promise.all([dispatcher.dispatch(alert), dispatcher.dispatch(alert)]);
    expect(await dispatcher.dispatch(alert)).toEqual({ endpointIds: [id] });
    const job = await dispatcher.queue.getJob(webhookJobId(id, alert.alert_id));
    expect(job?.id).toBe(webhookJobId(id, alert.alert_id));
    expect(job?.data).toMatchObject({ endpointId: id, alertId: alert.alert_id, messageId: webhookMessageId(id, alert.alert_id) });
    expect(job?.opts.attempts).toBe(4);
    expect(await job?.getState()).toBe('waiting');
    expect((await dispatcher.queue.getJobCounts('waiting')).waiting).toBe(1);
    // Why the job id is not `${endpointId}:${alert_id}`: bullmq 5 refuses custom ids with one ':'.
    await expect(dispatcher.queue.add('price-alert', { endpointId: id, alertId: 'x', messageId: 'x', payload: '{}' }, { jobId: `${id}:x` })).rejects.toThrow(/cannot contain :/);
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
});
