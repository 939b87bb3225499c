// /v1/webhooks against real Redis (the API key store and the webhook store): CRUD, owner
// isolation, validation, the SSRF guard at registration (422 problem+json) and the delivery log's
// pages. Deliveries themselves: webhooks-delivery.int.test.ts.
import { lookup } from 'node:dns/promises';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { RedisWebhookStore, UrlGuard, webhooksFeature, type HostResolver } from '../src/webhooks/index';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Test names resolve as in DNS; everything else through the system resolver (localhost → loopback). */
const resolve: HostResolver = async (host) => {
  const fixed: Record<string, Array<{ address: string; family: 4 | 6 }>> = {
    'hooks.example.com': [{ address: '93.184.215.14', family: 4 }],
    'v6.example.com': [{ address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }],
    'internal.example.com': [{ address: '192.168.1.10', family: 4 }],
    'mixed.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ],
    'metadata.example.com': [{ address: '169.254.169.254', family: 4 }],
  };
  if (fixed[host]) return fixed[host];
  if (host.endsWith('.invalid')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return (await lookup(host, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

describe('/v1/webhooks: CRUD, owners, validation, SSRF at registration', () => {
  const prefix = `tickflow-test:webhooks-api:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let app: FastifyInstance;
  let store: RedisWebhookStore;
  let alice: string;
  let bob: string;
  let carol: string;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    const keys = new RedisApiKeyStore(redis, prefix);
    const a = newApiKey('alice', ['read']);
    const b = newApiKey('bob', ['read']);
    const c = newApiKey('carol', ['read']);
    for (const k of [a, b, c]) await keys.put(k.record);
    [alice, bob, carol] = [a.key, b.key, c.key];
    store = new RedisWebhookStore(redis, { prefix, maxLogEntries: 50 });
    app = await buildApp({
      keys,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 100_000, timeWindowMs: 60_000 },
      corsOrigins: [],
      features: [webhooksFeature({ store, guard: new UrlGuard({ allowCidrs: ['10.20.0.0/16'], resolve }), maxEndpointsPerOwner: 4 })],
    });
  });

  afterAll(async () => {
    await app?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const call = (key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('creates an endpoint: 201, Location, the secret once, ISO times; then reads and lists it without the secret', async () => {
    const before = Date.now();
    const res = await call(alice, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/tickflow', description: 'desk alerts', symbols: ['AAPL', 'BTCUSDT'], min_severity: 'HIGH' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^wh_[0-9a-f]{20}$/),
      url: 'https://hooks.example.com/tickflow',
      description: 'desk alerts',
      symbols: ['AAPL', 'BTCUSDT'],
      min_severity: 'HIGH',
      status: 'active',
      disabled_reason: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: created.created_at,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    expect(Date.parse(created.created_at)).toBeGreaterThanOrEqual(before - 1);
    expect(res.headers.location).toBe(`/v1/webhooks/${created.id}`);

    const got = await call(alice, 'GET', `/v1/webhooks/${created.id}`);
    expect(got.statusCode).toBe(200);
    const { secret: _secret, ...withoutSecret } = created;
    expect(got.json()).toEqual(withoutSecret);
    expect(got.body).not.toContain('whsec_');

    const list = await call(alice, 'GET', '/v1/webhooks');
    expect(list.json().data.map((e: { id: string }) => e.id)).toContain(created.id);
    expect(list.body).not.toContain('whsec_');
  });

  it('defaults: every symbol, MEDIUM and up, empty description', async () => {
    const res = await call(alice, 'POST', '/v1/webhooks', { url: 'https://v6.example.com/hook' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ symbols: null, min_severity: 'MEDIUM', description: '' });
    await call(alice, 'DELETE', `/v1/webhooks/${res.json().id}`);
  });

  it("isolates owners: another owner's endpoint is a 404 for every verb, and absent from its list", async () => {
    const mine = (await call(alice, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/private' })).json();
    for (const [method, url, payload] of [
      ['GET', `/v1/webhooks/${mine.id}`, undefined],
      ['PATCH', `/v1/webhooks/${mine.id}`, { description: 'mine now' }],
      ['DELETE', `/v1/webhooks/${mine.id}`, undefined],
      ['GET', `/v1/webhooks/${mine.id}/deliveries`, undefined],
    ] as const) {
      const res = await call(bob, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    }
    expect((await call(bob, 'GET', '/v1/webhooks')).json()).toEqual({ data: [] });
    // Untouched by bob's attempts.
    expect((await call(alice, 'GET', `/v1/webhooks/${mine.id}`)).json()).toMatchObject({ description: '', status: 'active' });
    // Unknown and malformed ids are 404 too, not 400: nothing to learn from the difference.
    expect((await call(alice, 'GET', '/v1/webhooks/wh_00000000000000000000')).statusCode).toBe(404);
    expect((await call(alice, 'GET', '/v1/webhooks/not-an-id')).statusCode).toBe(404);
  });

  it('needs an API key', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/webhooks' });
    expect([res.statusCode, res.json().code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it.each([
    ['no url', { description: 'x' }, /must have required property 'url'/],
    ['an unknown property', { url: 'https://hooks.example.com/', secret: 'mine' }, /must NOT have additional properties/],
    ['an unknown severity', { url: 'https://hooks.example.com/', min_severity: 'LOW' }, /min_severity must be equal to one of the allowed values \(MEDIUM, HIGH, CRITICAL\)/],
    ['a lowercase symbol', { url: 'https://hooks.example.com/', symbols: ['aapl'] }, /symbols\/0 must match pattern/],
    ['an empty symbol list', { url: 'https://hooks.example.com/', symbols: [] }, /symbols must NOT have fewer than 1 items/],
    ['an empty symbol', { url: 'https://hooks.example.com/', symbols: [''] }, /symbols\/0 must match pattern/],
    ['a repeated symbol', { url: 'https://hooks.example.com/', symbols: ['AAPL', 'AAPL'] }, /symbols must NOT have duplicate items/],
    ['a list as url', { url: ['https://hooks.example.com/a', 'https://hooks.example.com/b'] }, /url must be string/],
    ['a long description', { url: 'https://hooks.example.com/', description: 'x'.repeat(501) }, /description must NOT have more than 500 characters/],
    ['a relative url', { url: '/hooks' }, /url: "\/hooks" is not an absolute URL/],
  ])('refuses a body with %s: 400 VALIDATION_FAILED', async (_what, payload, detail) => {
    const res = await call(alice, 'POST', '/v1/webhooks', payload);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().detail).toMatch(detail);
  });

  it.each([
    ['http://127.0.0.1:8080/hook', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
    ['http://127.9.9.9/', 'loopback address (127.0.0.0/8)'],
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://10.0.0.1/', '10.0.0.1 is a private address (10.0.0.0/8)'],
    ['http://10.21.0.1/', '10.21.0.1 is a private address (10.0.0.0/8)'], // just outside the allow-list
    ['http://172.16.5.4/', 'private address (172.16.0.0/12)'],
    ['http://172.31.255.255/', 'private address (172.16.0.0/12)'],
    ['http://192.168.0.1/', 'private address (192.168.0.0/16)'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local address (169.254.0.0/16)'],
    ['http://100.64.0.1/', 'carrier-grade NAT (shared) address (100.64.0.0/10)'],
    ['http://0.0.0.0:8080/', '(0.0.0.0/8)'],
    ['http://224.0.0.251/', 'multicast address (224.0.0.0/4)'],
    ['http://255.255.255.255/', 'broadcast address'],
    ['http://[::1]:8080/', '::1 is a loopback address (::1/128)'],
    ['http://[::]/', 'unspecified'],
    ['http://[fe80::1]/', 'link-local address (fe80::/10)'],
    ['http://[fd00:ec2::254]/', 'unique-local address (fc00::/7)'],
    ['http://[fc00::1]/', 'unique-local address (fc00::/7)'],
    ['http://[ff02::1]/', 'multicast address (ff00::/8)'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1, a loopback address'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped form of 127.0.0.1'],
    ['http://[::ffff:a9fe:a9fe]/', 'IPv4-mapped form of 169.254.169.254, a link-local address'],
    ['http://[::ffff:192.168.0.1]/', 'IPv4-mapped form of 192.168.0.1, a private address'],
    ['http://[::ffff:100.64.1.1]/', 'IPv4-mapped form of 100.64.1.1, a carrier-grade NAT'],
    ['http://[::127.0.0.1]/', 'IPv4-compatible form of 127.0.0.1'],
    ['http://[64:ff9b::10.0.0.1]/', 'NAT64 form of 10.0.0.1'],
    ['http://localhost:8080/hook', 'localhost resolves to a refused address'],
    ['http://internal.example.com/', 'internal.example.com resolves to a refused address: 192.168.1.10 is a private address'],
    ['http://metadata.example.com/', '169.254.169.254 is a link-local address'],
    ['https://mixed.example.com/', 'mixed.example.com resolves to a refused address: 10.0.0.7 is a private address'],
    ['https://nowhere.invalid/', 'the host nowhere.invalid does not resolve (ENOTFOUND)'],
    ['ftp://hooks.example.com/', 'only http and https URLs are allowed, not ftp'],
    ['file:///etc/passwd', 'only http and https URLs are allowed, not file'],
    ['https://admin:hunter2@hooks.example.com/', 'must not carry credentials'],
  ])('refuses %s with 422 UNSAFE_URL: %s', async (url, reason) => {
    const res = await call(alice, 'POST', '/v1/webhooks', { url });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ code: 'UNSAFE_URL', status: 422, type: 'https://tickflow.dev/problems/unsafe-url', title: 'URL refused', instance: '/v1/webhooks' });
    expect(body.detail).toContain('webhook URL refused: ');
    expect(body.detail).toContain(reason);
  });

  it('accepts an allow-listed private address and public IPv4/IPv6 literals', async () => {
    for (const url of ['http://10.20.1.1:8080/hook', 'http://[2606:4700::1111]/hook', 'https://8.8.8.8/']) {
      const res = await call(carol, 'POST', '/v1/webhooks', { url });
      expect(res.statusCode, url).toBe(201);
      await call(carol, 'DELETE', `/v1/webhooks/${res.json().id}`);
    }
  });

  it('PATCH changes url, description, filters and status; an unsafe url is refused and changes nothing', async () => {
    const e = (await call(alice, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/a' })).json();
    const patched = await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, { url: 'https://v6.example.com/b', description: 'moved', symbols: ['MSFT'], min_severity: 'CRITICAL' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: e.id, url: 'https://v6.example.com/b', description: 'moved', symbols: ['MSFT'], min_severity: 'CRITICAL', status: 'active', created_at: e.created_at });
    expect(patched.json().secret).toBeUndefined();

    const unsafe = await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, { url: 'http://[::ffff:10.1.1.1]/', description: 'sneaky' });
    expect([unsafe.statusCode, unsafe.json().code]).toEqual([422, 'UNSAFE_URL']);
    expect((await call(alice, 'GET', `/v1/webhooks/${e.id}`)).json()).toMatchObject({ url: 'https://v6.example.com/b', description: 'moved' });

    const all = await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, { symbols: null });
    expect(all.json().symbols).toBeNull();

    const off = await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, { status: 'disabled' });
    expect(off.json()).toMatchObject({ status: 'disabled', disabled_reason: 'disabled by its owner' });
    const on = await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, { status: 'active' });
    expect(on.json()).toMatchObject({ status: 'active', disabled_reason: null });

    // A 410 from the receiver disables it (as the worker does); the owner re-enables it.
    await store.update(e.id, { status: 'disabled', disabledReason: 'the receiver answered 410 Gone' });
    expect((await call(alice, 'GET', `/v1/webhooks/${e.id}`)).json()).toMatchObject({ status: 'disabled', disabled_reason: 'the receiver answered 410 Gone' });
    expect((await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, { status: 'active' })).json()).toMatchObject({ status: 'active', disabled_reason: null });

    for (const payload of [{}, { status: 'gone' }, { owner: 'bob' }, { secret: 'whsec_x' }]) {
      const bad = await call(alice, 'PATCH', `/v1/webhooks/${e.id}`, payload);
      expect([bad.statusCode, bad.json().code], JSON.stringify(payload)).toEqual([400, 'VALIDATION_FAILED']);
    }
    await call(alice, 'DELETE', `/v1/webhooks/${e.id}`);
  });

  it('DELETE is 204, then the endpoint and its log are gone', async () => {
    const e = (await call(alice, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/bye' })).json();
    await store.appendAttempt(e.id, { deliveryId: 'msg_1', alertId: 'pa:1', attempt: 1, atMs: Date.now(), statusCode: 200, error: null, durationMs: 3, outcome: 'delivered' });
    const del = await call(alice, 'DELETE', `/v1/webhooks/${e.id}`);
    expect([del.statusCode, del.body]).toEqual([204, '']);
    expect((await call(alice, 'GET', `/v1/webhooks/${e.id}`)).statusCode).toBe(404);
    expect((await call(alice, 'DELETE', `/v1/webhooks/${e.id}`)).statusCode).toBe(404);
    expect((await call(alice, 'GET', '/v1/webhooks')).json().data.map((x: { id: string }) => x.id)).not.toContain(e.id);
    expect(await redis.keys(`${prefix}webhooks:*${e.id}*`)).toEqual([]);
    // A worker finishing late writes nothing for a deleted endpoint.
    expect(await store.appendAttempt(e.id, { deliveryId: 'msg_1', alertId: 'pa:1', attempt: 2, atMs: Date.now(), statusCode: 500, error: 'HTTP 500', durationMs: 3, outcome: 'retrying' })).toBe(false);
    expect(await store.update(e.id, { status: 'disabled' })).toBeNull();
    expect(await redis.keys(`${prefix}webhooks:*${e.id}*`)).toEqual([]);
  });

  it('the delivery log pages newest first with a cursor, capped, times in ISO-8601', async () => {
    const e = (await call(alice, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/log' })).json();
    const t0 = Date.parse('2024-08-08T12:00:00Z');
    for (let i = 1; i <= 60; i++) {
      await store.appendAttempt(e.id, { deliveryId: `msg_${i}`, alertId: `pa:X:${i}`, attempt: 1, atMs: t0 + i * 1000, statusCode: i % 2 ? 500 : 200, error: i % 2 ? 'HTTP 500' : null, durationMs: i, outcome: i % 2 ? 'retrying' : 'delivered' });
    }
    const first = await call(alice, 'GET', `/v1/webhooks/${e.id}/deliveries?limit=20`);
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.data).toHaveLength(20);
    expect(page1.data[0]).toEqual({ delivery_id: 'msg_60', alert_id: 'pa:X:60', attempt: 1, at: '2024-08-08T12:01:00.000Z', status_code: 200, error: null, duration_ms: 60, outcome: 'delivered' });
    expect(page1.data[1]).toMatchObject({ delivery_id: 'msg_59', status_code: 500, error: 'HTTP 500', outcome: 'retrying' });
    const seen = [...page1.data];
    let cursor = page1.next_cursor;
    while (cursor) {
      const page = (await call(alice, 'GET', `/v1/webhooks/${e.id}/deliveries?limit=20&cursor=${cursor}`)).json();
      seen.push(...page.data);
      cursor = page.next_cursor;
    }
    // maxLogEntries is 50: the oldest 10 are gone; no entry twice, newest first throughout.
    expect(seen.map((d) => d.delivery_id)).toEqual(Array.from({ length: 50 }, (_, i) => `msg_${60 - i}`));

    const bad = await call(alice, 'GET', `/v1/webhooks/${e.id}/deliveries?cursor=bm9wZQ`);
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'BAD_CURSOR']);
    const badLimit = await call(alice, 'GET', `/v1/webhooks/${e.id}/deliveries?limit=0`);
    expect([badLimit.statusCode, badLimit.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const empty = (await call(carol, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/quiet' })).json();
    expect((await call(carol, 'GET', `/v1/webhooks/${empty.id}/deliveries`)).json()).toEqual({ data: [], next_cursor: null });
    await call(carol, 'DELETE', `/v1/webhooks/${empty.id}`);
  });

  it('limits endpoints per owner: one too many is 409', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await call(bob, 'POST', '/v1/webhooks', { url: `https://hooks.example.com/${i}` })).json().id);
    const over = await call(bob, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/5' });
    expect([over.statusCode, over.json().code]).toEqual([409, 'CONFLICT']);
    expect(over.json().detail).toMatch(/at most 4 webhook endpoints/);
    for (const id of ids) await call(bob, 'DELETE', `/v1/webhooks/${id}`);
  });
});
