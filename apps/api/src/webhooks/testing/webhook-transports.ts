/**
 * The two webhook delivery transports, each behind one small factory, so that an integration suite
 * can run the same scenario through both (`describe.each(webhookTransports)`):
 * - `bullmq` (cluster profile): `RedisWebhookStore` and `RedisApiKeyStore` on real Redis under a
 *   prefix of its own, `WebhookDispatcher` + `WebhookDeliveryWorker` on a queue of its own per
 *   `deliver`; `close` removes its keys and queues (never a flush: the Redis is shared);
 * - `in-process` (embedded profile): `FileWebhookStore` and `FileApiKeyStore` in a temporary
 *   directory, an `InProcessWebhookQueue` per `deliver`; `close` removes the directory.
 * Test support only; not exported from the package.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { PriceAlert } from '@tickflow/schemas';
import type { ApiKeyStore } from '../../auth/api-keys';
import { FileApiKeyStore } from '../../auth/file-api-key-store';
import { RedisApiKeyStore } from '../../auth/redis-api-key-store';
import { FileWebhookStore } from '../file-webhook-store';
import { InProcessWebhookQueue } from '../in-process-webhook-queue';
import { RedisWebhookStore } from '../redis-webhook-store';
import type { WebhookDelivererOptions } from '../webhook-deliverer-options';
import { WebhookDeliveryWorker } from '../webhook-delivery-worker';
import { WebhookDispatcher, type DispatchResult } from '../webhook-dispatcher';
import { webhookJobId } from '../webhook-job';
import type { WebhookStore } from '../webhook-store';

export type WebhookTransportName = 'bullmq' | 'in-process';

/** How a delivery under test attempts and retries; the store is the fixture's unless given. */
export type TestDeliveryOptions = Omit<WebhookDelivererOptions, 'store'> & { store?: WebhookStore; attempts?: number; concurrency?: number };

/** One dispatch side and one delivering side of a transport, driven and observed the same way. */
export interface DeliveryUnderTest {
  dispatch(alert: PriceAlert): Promise<DispatchResult>;
  /** Where the message of `alertId` to `endpointId` is, as bullmq's `job.getState()` names it; null when unknown. */
  state(endpointId: string, alertId: string): Promise<string | null>;
  /** Stops delivering and releases what `deliver` opened (also done by the fixture's `close`). */
  close(): Promise<void>;
}

export interface WebhookTransportFixture {
  readonly name: WebhookTransportName;
  /** Where the endpoints and their delivery logs are (what the REST routes and the deliveries use). */
  readonly store: WebhookStore;
  /** The API keys of the transport's profile, for an app on `store`. */
  readonly keys: ApiKeyStore;
  /** How long to wait before asserting that nothing more was sent. */
  readonly settleMs: number;
  /** Starts delivering with `opts`: ready to take dispatches when it resolves. */
  deliver(opts: TestDeliveryOptions): Promise<DeliveryUnderTest>;
  /** Closes every delivery, then the stores, and removes what the fixture wrote. */
  close(): Promise<void>;
}

export interface WebhookTransport {
  readonly name: WebhookTransportName;
  /** `label` names the suite in the fixture's Redis prefixes or directory (unique per run anyway). */
  start(label: string): Promise<WebhookTransportFixture>;
}

let runs = 0;
const runId = (): string => `${process.pid}-${Date.now()}-${++runs}`;

async function closeAll(deliveries: DeliveryUnderTest[]): Promise<void> {
  await Promise.allSettled(deliveries.map((d) => d.close()));
}

export const bullmqTransport: WebhookTransport = {
  name: 'bullmq',
  async start(label) {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const run = runId();
    const prefix = `tickflow-test:${label}:${run}:`;
    const bullPrefix = `tickflow-test-bull:${label}-${run}`;
    const redis = new Redis(url);
    const bullRedis = new Redis(url, { maxRetriesPerRequest: null });
    const store = new RedisWebhookStore(redis, { prefix });
    const keys = new RedisApiKeyStore(redis, prefix);
    const opened: DeliveryUnderTest[] = [];
    let queues = 0;
    return {
      name: 'bullmq',
      store,
      keys,
      settleMs: 800,
      async deliver({ store: own, attempts, concurrency, ...policy }) {
        const queue = { connection: bullRedis, prefix: bullPrefix, queueName: `deliveries-${++queues}` };
        const dispatcher = new WebhookDispatcher({ ...queue, store: own ?? store, attempts });
        const worker = new WebhookDeliveryWorker({ ...queue, ...policy, store: own ?? store, concurrency });
        await worker.waitUntilReady();
        let closing: Promise<void> | null = null;
        const delivery: DeliveryUnderTest = {
          dispatch: (alert) => dispatcher.dispatch(alert),
          state: async (endpointId, alertId) => (await (await dispatcher.queue.getJob(webhookJobId(endpointId, alertId)))?.getState()) ?? null,
          close: () =>
            (closing ??= (async () => {
              await worker.close();
              await dispatcher.queue.obliterate({ force: true }).catch(() => undefined);
              await dispatcher.close();
            })()),
        };
        opened.push(delivery);
        return delivery;
      },
      async close() {
        await closeAll(opened);
        for (const p of [prefix, bullPrefix]) {
          const left = await redis.keys(`${p}*`);
          if (left.length > 0) await redis.del(...left);
        }
        redis.disconnect();
        bullRedis.disconnect();
      },
    };
  },
};

export const inProcessTransport: WebhookTransport = {
  name: 'in-process',
  async start(label) {
    const dir = await mkdtemp(join(tmpdir(), `tickflow-${label}-`));
    const store = await FileWebhookStore.open(join(dir, 'webhooks.json'), { flushDelayMs: 50 });
    const keys = await FileApiKeyStore.open(join(dir, 'api-keys.json'));
    const opened: DeliveryUnderTest[] = [];
    return {
      name: 'in-process',
      store,
      keys,
      settleMs: 600,
      async deliver({ store: own, ...opts }) {
        const queue = new InProcessWebhookQueue({ ...opts, store: own ?? store });
        const delivery: DeliveryUnderTest = {
          dispatch: (alert) => queue.dispatch(alert),
          state: async (endpointId, alertId) => queue.getState(endpointId, alertId),
          close: () => queue.close(),
        };
        opened.push(delivery);
        return delivery;
      },
      async close() {
        await closeAll(opened);
        await store.close();
        await keys.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const webhookTransports: readonly WebhookTransport[] = [bullmqTransport, inProcessTransport];
