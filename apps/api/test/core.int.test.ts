// The API's core against real Redis: API keys (hashed, scoped, revocable), per-key rate limits
// shared through Redis, RFC 9457 problem+json for every error, health and readiness.
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/build-app';
import { hashKey, newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('API core: keys, scopes, rate limits, problem+json', () => {
  const prefix = `tickflow-test:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let app: FastifyInstance;
  let store: RedisApiKeyStore;
  let readKey: string;
  let adminKey: string;
  let redisHealthy = true;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new RedisApiKeyStore(redis, prefix);
    const reader = newApiKey('alice', ['read'], 'dashboards');
    const admin = newApiKey('ops', ['read', 'admin']);
    await store.put(reader.record);
    await store.put(admin.record);
    readKey = reader.key;
    adminKey = admin.key;
    app = await buildApp({
      keys: store,
      metrics: new Registry(),
      readiness: {
        redis: () => redis.ping(),
        flaky: async () => {
          if (!redisHealthy) throw new Error('flaky dependency is down');
        },
      },
      rateLimit: { max: 5, timeWindowMs: 2000, redis },
      corsOrigins: ['https://dash.example.com'],
      bodyLimitBytes: 2048,
      features: [
        async (f) => {
          f.get('/v1/ping', async (req) => ({ owner: req.principal?.owner }));
          f.post('/v1/echo', { schema: { body: { type: 'object', required: ['n'], additionalProperties: false, properties: { n: { type: 'integer', minimum: 1 } } } } }, async (req) => req.body);
          f.get('/v1/admin-only', { config: { access: 'admin' } }, async () => ({ ok: true }));
          f.get('/v1/boom', async () => {
            throw new Error('secret internal detail');
          });
        },
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('stores keys hashed: the secret is nowhere in Redis', async () => {
    const raw = await redis.hgetall(`${prefix}apikeys`);
    const dump = JSON.stringify(raw);
    expect(dump).not.toContain(readKey);
    // The secret is everything after `tf_<12 hex id>_` (base64url: it may itself contain '_').
    const secret = readKey.slice('tf_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(dump).not.toContain(secret);
    expect(dump).toContain(hashKey(readKey));
  });

  it.each([
    ['no key', {}],
    ['a malformed key', { authorization: 'Bearer hello' }],
    ['an unknown key', { authorization: `Bearer tf_000000000000_${'A'.repeat(43)}` }],
  ])('refuses %s with 401 problem+json', async (_what, headers) => {
    const res = await app.inject({ method: 'GET', url: '/v1/ping', headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const body = res.json();
    expect(body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String), instance: '/v1/ping' });
  });

  it('accepts a key as Bearer or X-API-Key and tells the route who it is', async () => {
    const a = await app.inject({ method: 'GET', url: '/v1/ping', headers: { authorization: `Bearer ${readKey}` } });
    const b = await app.inject({ method: 'GET', url: '/v1/ping', headers: { 'x-api-key': adminKey } });
    expect([a.statusCode, a.json()]).toEqual([200, { owner: 'alice' }]);
    expect([b.statusCode, b.json()]).toEqual([200, { owner: 'ops' }]);
  });

  it('a read key gets 403 on an admin route; an admin key passes', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/admin-only', headers: { 'x-api-key': readKey } });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'FORBIDDEN' });
    const a = await app.inject({ method: 'GET', url: '/v1/admin-only', headers: { 'x-api-key': adminKey } });
    expect(a.statusCode).toBe(200);
  });

  it('a revoked key stops working at once', async () => {
    const k = newApiKey('bob', ['read']);
    await store.put(k.record);
    expect((await app.inject({ method: 'GET', url: '/v1/ping', headers: { 'x-api-key': k.key } })).statusCode).toBe(200);
    await store.put({ ...k.record, revokedAtMs: Date.now() });
    expect((await app.inject({ method: 'GET', url: '/v1/ping', headers: { 'x-api-key': k.key } })).statusCode).toBe(401);
  });

  it('validation failures say what is wrong where', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/echo', headers: { 'x-api-key': adminKey }, payload: { n: 0, extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.detail).toMatch(/n must be >= 1/);
    expect(body.detail).toMatch(/additional properties/);
    expect(body.errors.length).toBe(2);
  });

  it('a body over the limit is 413; an unknown route 404; an internal error 500 without its details', async () => {
    const big = await app.inject({ method: 'POST', url: '/v1/echo', headers: { 'x-api-key': adminKey, 'content-type': 'application/json' }, payload: JSON.stringify({ n: 1, pad: 'x'.repeat(4096) }) });
    expect([big.statusCode, big.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const missing = await app.inject({ method: 'GET', url: '/v1/nope?x=1', headers: { 'x-api-key': adminKey } });
    expect([missing.statusCode, missing.json().code, missing.json().instance]).toEqual([404, 'NOT_FOUND', '/v1/nope']);
    const boom = await app.inject({ method: 'GET', url: '/v1/boom', headers: { 'x-api-key': adminKey } });
    expect([boom.statusCode, boom.json().code]).toEqual([500, 'INTERNAL']);
    expect(boom.body).not.toContain('secret internal detail');
  });

  it('rate-limits per key through Redis: 429 with the standard headers, then recovers', async () => {
    const k = newApiKey('carol', ['read']);
    const other = newApiKey('dave', ['read']);
    await store.put(k.record);
    await store.put(other.record);
    const hit = () => app.inject({ method: 'GET', url: '/v1/ping', headers: { 'x-api-key': k.key } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await hit()).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await hit();
    expect(limited.headers['x-ratelimit-limit']).toBe('5');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Another key has its own budget, and the counter lives in Redis (shared by API instances).
    expect((await app.inject({ method: 'GET', url: '/v1/ping', headers: { 'x-api-key': other.key } })).statusCode).toBe(200);
    expect((await redis.keys(`tickflow:ratelimit:*${k.record.id}*`)).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2200));
    expect((await hit()).statusCode).toBe(200);
  });

  it('CORS answers only the allow-listed origin; security headers are set', async () => {
    const ok = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://dash.example.com' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://dash.example.com');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    const evil = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('/healthz is public; /readyz reports each dependency and turns 503 when one fails', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json().status]).toEqual([200, 'ready']);
    redisHealthy = false;
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    redisHealthy = true;
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().checks).toEqual({ redis: { ok: true }, flaky: { ok: false, error: 'flaky dependency is down' } });
  });

  it('/metrics exposes request durations by route', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/api_request_duration_seconds_count\{method="GET",route="\/v1\/ping",status="200"\} \d+/);
  });
});
