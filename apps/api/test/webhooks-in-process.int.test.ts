// What only the in-process webhook queue (the embedded profile: file stores, no Redis) has, to real
// HTTP receivers on 127.0.0.1 (allow-listed here): a store failure before sending retried without a
// log entry, bounded concurrency in one process, close() finishing attempts in flight and dropping
// pending retries, the bounded number of pending messages, and the delivery log kept in its file.
// Every delivery scenario it shares with bullmq (retries, Retry-After, one webhook-id per message,
// idempotent dispatch, filters, 410, redirects, dead, disabling and deleting, the SSRF guard at
// dial time, metrics) runs through both in webhooks-transports.int.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileApiKeyStore } from '../src/auth/file-api-key-store';
import { FileWebhookStore, InProcessWebhookQueue, UrlGuard, WebhookQueueFullError, type WebhookLog, type WebhookStore } from '../src/webhooks/index';
import { testAlert } from '../src/webhooks/testing/test-alert';
import { TestWebhookReceiver, waitFor } from '../src/webhooks/testing/test-webhook-receiver';
import { settle, WebhooksTestApp } from '../src/webhooks/testing/webhooks-test-app';

let dir: string;
let receiver: TestWebhookReceiver;
let holding: HoldingReceiver;
let keys: FileApiKeyStore;
let store: FileWebhookStore;
let guard: UrlGuard;
const extraQueues: InProcessWebhookQueue[] = [];
let api: WebhooksTestApp;

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
  keys = await FileApiKeyStore.open(join(dir, 'api-keys.json'));
  guard = new UrlGuard({ allowCidrs: ['127.0.0.1/32'] });
  api = await WebhooksTestApp.start({ store, keys, guard, metrics: new Registry(), receiver, maxEndpointsPerOwner: 100 });
});

afterAll(async () => {
  await Promise.allSettled(extraQueues.map((q) => q.close()));
  await api?.close();
  await store?.close();
  await keys?.close();
  await receiver?.close();
  await holding?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('webhook deliveries in process (file stores, no Redis)', () => {
  it('retries an attempt the store failed before sending, without a log entry for it (as bullmq retries a throwing job)', async () => {
    receiver.route('/store-hiccup', () => ({ status: 200 }));
    const id = await api.register('/store-hiccup', 'HICCUP');
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
    const entries = await api.untilOutcome(id, 'delivered');
    expect(entries.map((d) => [d.attempt, d.outcome])).toEqual([[2, 'delivered']]);
    expect(receiver.requests('/store-hiccup')).toHaveLength(1);
    expect(logs).toContainEqual(['error', 'webhook delivery attempt failed before sending', expect.objectContaining({ attempt: 1, error: 'disk on fire' })]);
  });

  it('runs at most `concurrency` attempts at once', async () => {
    holding.holdMs = 150;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await api.register(`/hold-${i}`, 'CONC', holding.url(`/hold-${i}`)));
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), concurrency: 2 });
    extraQueues.push(q);
    holding.max = 0;
    expect((await q.dispatch(testAlert({ symbol: 'CONC' }))).endpointIds).toHaveLength(6);
    expect(q.counts()).toEqual({ waiting: 4, delayed: 0, active: 2 });
    for (const id of ids) await api.untilOutcome(id, 'delivered');
    expect(holding.max).toBe(2);
    expect(holding.received.filter((r) => r.path.startsWith('/hold-'))).toHaveLength(6);
    expect(q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
  });

  it('close() lets the attempt in flight finish and log, drops the pending retry, and refuses dispatches', async () => {
    holding.holdMs = 400;
    receiver.route('/later', () => ({ status: 503, headers: { 'retry-after': '1' } }));
    const slow = await api.register('/slow', 'CLOSE', holding.url('/slow'));
    const later = await api.register('/later', 'CLOSE');
    const logs: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), log: (level, msg, fields) => logs.push([level, msg, fields]) });
    const alert = testAlert({ symbol: 'CLOSE' });
    await q.dispatch(alert);
    await api.untilOutcome(later, 'retrying');
    expect(q.counts()).toEqual({ waiting: 0, delayed: 1, active: 1 });
    expect(await api.deliveries(slow)).toEqual([]);

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
    const a = await api.register('/full-a', 'FULL');
    await api.register('/full-b', 'FULL');
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), maxPending: 1 });
    extraQueues.push(q);
    const alert = testAlert({ symbol: 'FULL' });
    const err = await q.dispatch(alert).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookQueueFullError);
    expect((err as Error).message).toBe(`0 webhook messages are pending (at most 1); alert ${alert.alert_id} was not queued`);
    expect(q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
    await settle(200);
    expect(receiver.requests('/full-a')).toHaveLength(0);
    await api.patch(a, { status: 'disabled' });
    expect((await q.dispatch(alert)).endpointIds).toHaveLength(1);
    await waitFor('the one left to be delivered', () => receiver.requests('/full-b').length === 1);
  });

  it('keeps the delivery log in its file: a restarted store lists every attempt', async () => {
    const alert = testAlert({ symbol: 'KEPT' });
    // Fails this alert's first three attempts; accepts any other alert at once.
    receiver.route('/kept', (req, nth) => (JSON.parse(req.body).data.alert_id !== alert.alert_id || nth > 3 ? { status: 204 } : { status: 500 }));
    const id = await api.register('/kept', 'KEPT');
    const q = new InProcessWebhookQueue({ store, guard, metrics: new Registry(), attempts: 4, backoffBaseMs: 20, backoffCapMs: 50 });
    extraQueues.push(q);
    await q.dispatch(alert);
    await api.untilOutcome(id, 'delivered');
    await q.dispatch(testAlert({ symbol: 'KEPT' }));
    await api.untilOutcome(id, 'delivered', 2);

    await store.flush();
    const reopened = await FileWebhookStore.open(join(dir, 'webhooks.json'));
    try {
      expect((await store.listByOwner('ops-team')).find((e) => e.url === receiver.url('/kept'))?.id).toBe(id);
      expect(await reopened.listAttempts(id, { limit: 100 })).toEqual(await store.listAttempts(id, { limit: 100 }));
      expect((await reopened.listAttempts(id, { limit: 100 })).map((a) => a.outcome)).toEqual(['delivered', 'delivered', 'retrying', 'retrying', 'retrying']);
    } finally {
      await reopened.close();
    }
  });
});
