// The WebhookStore contract (src/webhooks/testing/webhook-store-contract.ts) against real Redis:
// the suite the file store passes too (src/webhooks/file-webhook-store.test.ts), so the embedded
// and cluster profiles keep endpoints and delivery logs alike.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisWebhookStore } from '../src/webhooks/index';
import { webhookStoreContract } from '../src/webhooks/testing/webhook-store-contract';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const base = `tickflow-test:webhooks-store:${process.pid}-${Date.now()}:`;
let redis: Redis;
let n = 0;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`${base}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

// Each store gets a prefix of its own: a fresh, empty store on the shared Redis.
webhookStoreContract('RedisWebhookStore', async ({ maxLogEntries }) => new RedisWebhookStore(redis, { prefix: `${base}${++n}:`, maxLogEntries }));
