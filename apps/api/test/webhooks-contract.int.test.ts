// The webhook routes and openapi/openapi.yaml agree: the six operations are the webhooks feature's,
// their schemas come from the document (nothing inline), and what the handlers really return —
// captured before serialisation, through app.inject against real Redis — validates against the
// document's response schemas with Fastify's own Ajv (closed objects: an extra field fails), and
// leaves the serialiser unchanged.
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYMBOL_PATTERN } from '@tickflow/operators';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { readOpenApiDocument } from '../src/rest/openapi-document';
import { specOperations, type SpecOperation } from '../src/rest/openapi-operations';
import { registerOperations } from '../src/rest/openapi-routes';
import { ALERT_SEVERITIES, DELIVERY_OUTCOMES, RedisWebhookStore, UrlGuard, webhooksFeature, type HostResolver, type WebhookEndpoint } from '../src/webhooks/index';
import { endpointView, webhookHandlers } from '../src/webhooks/webhooks-feature';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
interface Captured {
  operationId: string;
  status: number;
  payload: unknown;
}
const doc = readOpenApiDocument();
const ops = specOperations(doc);
const webhookOps = ops.filter((o) => o.routedBy === 'webhooks');
const schemas = (doc.components as { schemas: Record<string, { properties?: Record<string, { enum?: string[] }>; pattern?: string; enum?: string[] }> }).schemas;

const resolve: HostResolver = async (host) => {
  if (host === 'hooks.example.com') return [{ address: '93.184.215.14', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};
const noGuard = new UrlGuard({ resolve });

/** The JSON response schema `op` documents for `status`. */
function responseSchema(op: SpecOperation, status: number, mediaType = 'application/json'): unknown {
  const byStatus = op.schema.response as Record<string, { content: Record<string, { schema: unknown }> }>;
  return byStatus[String(status)]?.content[mediaType]?.schema;
}

/**
 * Validates values against schemas with Fastify's own Ajv 8 and formats (the validator of every
 * request), as a throwaway route per schema — without coercion, defaults or removal, so what is
 * checked is exactly the value given. Resolves to the error message, or null when valid.
 */
async function schemaValidator(byName: Record<string, unknown>): Promise<{ validate(name: string, value: unknown): Promise<string | null>; close(): Promise<void> }> {
  const v = Fastify({ ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } } });
  for (const [name, schema] of Object.entries(byName)) v.post(`/${name}`, { schema: { body: schema as object } }, async () => ({ ok: true }));
  await v.ready();
  return {
    async validate(name, value) {
      if (!(name in byName)) throw new Error(`no schema ${name}`);
      const res = await v.inject({ method: 'POST', url: `/${name}`, payload: value as object });
      return res.statusCode === 200 ? null : (res.json() as { message: string }).message;
    },
    close: () => v.close(),
  };
}

describe('the webhook operations of openapi.yaml', () => {
  it('are the six webhook routes, routed by the webhooks feature with the read scope', () => {
    expect(webhookOps.map((o) => `${o.operationId} ${o.method} ${o.url}`).sort()).toEqual(
      [
        'createWebhook POST /v1/webhooks',
        'listWebhooks GET /v1/webhooks',
        'getWebhook GET /v1/webhooks/:id',
        'updateWebhook PATCH /v1/webhooks/:id',
        'deleteWebhook DELETE /v1/webhooks/:id',
        'listWebhookDeliveries GET /v1/webhooks/:id/deliveries',
      ].sort(),
    );
    for (const op of webhookOps) expect(op.access, op.operationId).toBe('read');
    expect(Object.keys(webhookHandlers({ store: {} as never, guard: noGuard })).sort()).toEqual(webhookOps.map((o) => o.operationId).sort());
  });

  it('say what the code says: symbol pattern, severities, outcomes, the fields of an endpoint', () => {
    expect(schemas.SymbolName!.pattern).toBe(SYMBOL_PATTERN.source);
    expect(schemas.Severity!.enum).toEqual(ALERT_SEVERITIES);
    expect(schemas.WebhookDeliveryAttempt!.properties!.outcome!.enum).toEqual(DELIVERY_OUTCOMES);
    const endpoint: WebhookEndpoint = { id: 'wh_0123456789abcdef0123', owner: 'o', url: 'https://hooks.example.com/', description: '', symbols: null, minSeverity: 'MEDIUM', secret: 'whsec_x', status: 'active', disabledReason: null, createdAtMs: 0, updatedAtMs: 0 };
    const fields = Object.keys(endpointView(endpoint)).sort();
    expect(Object.keys(schemas.WebhookEndpoint!.properties!).sort()).toEqual(fields);
    expect(Object.keys(schemas.CreatedWebhookEndpoint!.properties!).sort()).toEqual([...fields, 'secret'].sort());
  });

  it('carry the secret in the creation response only', () => {
    const withSecret: string[] = [];
    const walk = (s: unknown, where: string): void => {
      if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}/${i}`));
      if (typeof s !== 'object' || s === null) return;
      const o = s as Record<string, unknown>;
      if (typeof o.properties === 'object' && o.properties !== null && 'secret' in o.properties) withSecret.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
    };
    for (const op of ops) walk(op.schema.response, op.operationId);
    expect(withSecret).toEqual(['createWebhook/201/content/application/json/schema']);
  });

  it('refuse to start the feature when the document and the handlers disagree', () => {
    const { deleteWebhook: _dropped, ...handlers } = webhookHandlers({ store: {} as never, guard: noGuard });
    const app = Fastify();
    expect(() => registerOperations(app, ops, handlers, 'webhooks')).toThrow(/webhooks handlers disagree — operations without a handler: deleteWebhook \(DELETE \/v1\/webhooks\/\{id\}\)/);
    expect(app.hasRoute({ method: 'GET', url: '/v1/webhooks' })).toBe(false);
  });
});

describe('webhook responses through app.inject validate against the document', () => {
  const prefix = `tickflow-test:webhooks-contract:${process.pid}:${Date.now()}:`;
  /** What the last webhook handler returned, before serialisation (set by the hook below). */
  let returned: Captured | undefined;
  const lastReturned = (): Captured | undefined => returned;
  const byRoute = new Map(webhookOps.map((o) => [`${o.method} ${o.url}`, o]));
  let redis: Redis;
  let app: FastifyInstance;
  let store: RedisWebhookStore;
  let key: string;
  let validator: Awaited<ReturnType<typeof schemaValidator>>;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    const keys = new RedisApiKeyStore(redis, prefix);
    const k = newApiKey('dana', ['read']);
    await keys.put(k.record);
    key = k.key;
    store = new RedisWebhookStore(redis, { prefix });
    // Registered before the webhooks feature and not encapsulated, so its hook sees their replies.
    const capture = fp(async (root) => {
      root.addHook('preSerialization', async (req, reply, payload) => {
        const op = byRoute.get(`${req.method} ${req.routeOptions.url}`);
        if (op) returned = { operationId: op.operationId, status: reply.statusCode, payload };
        return payload;
      });
    });
    app = await buildApp({
      keys,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 100_000, timeWindowMs: 60_000 },
      corsOrigins: [],
      features: [capture, webhooksFeature({ store, guard: noGuard })],
    });
    validator = await schemaValidator(
      Object.fromEntries(
        webhookOps.flatMap((op) =>
          Object.keys(op.schema.response as object).flatMap((status) => {
            const json = responseSchema(op, Number(status));
            const problem = responseSchema(op, Number(status), 'application/problem+json');
            return [...(json ? [[`${op.operationId}-${status}`, json]] : []), ...(problem ? [[`${op.operationId}-${status}-problem`, problem]] : [])];
          }),
        ),
      ),
    );
  });

  afterAll(async () => {
    await validator?.close();
    await app?.close();
    const left = await redis.keys(`${prefix}*`);
    if (left.length > 0) await redis.del(...left);
    redis.disconnect();
  });

  /** Calls the API; expects `status`; checks the handler's value against the document and the body against that value. */
  async function conforming(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, status: number, payload?: object): Promise<Record<string, unknown>> {
    returned = undefined;
    const res = await app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    const seen = lastReturned();
    if (status === 204) {
      expect(res.body).toBe('');
      expect(seen).toBeUndefined();
      return {};
    }
    expect(seen, `${method} ${url} went through no webhook handler`).toBeDefined();
    expect(seen!.status).toBe(status);
    const name = `${seen!.operationId}-${status}${status >= 400 ? '-problem' : ''}`;
    expect(await validator.validate(name, seen!.payload), `${name}: ${JSON.stringify(seen!.payload)}`).toBeNull();
    expect(res.json()).toEqual(seen!.payload); // the closed schema dropped nothing: the handler returned only documented fields
    return res.json() as Record<string, unknown>;
  }

  it('the validator is real: it refuses an undocumented field and a malformed time', async () => {
    const endpoint = { id: 'wh_0123456789abcdef0123', url: 'https://hooks.example.com/', description: '', symbols: null, min_severity: 'MEDIUM', status: 'active', disabled_reason: null, created_at: '2024-08-08T09:30:00.000Z', updated_at: '2024-08-08T09:30:00.000Z' };
    expect(await validator.validate('getWebhook-200', endpoint)).toBeNull();
    expect(await validator.validate('getWebhook-200', { ...endpoint, secret: 'whsec_x' })).toMatch(/must NOT have additional properties/);
    expect(await validator.validate('getWebhook-200', { ...endpoint, created_at: 'yesterday' })).toMatch(/created_at must match format "date-time"/);
    expect(await validator.validate('createWebhook-201', endpoint)).toMatch(/must have required property 'secret'/);
  });

  it('create, list, get, update, deliveries and delete', async () => {
    const created = await conforming('POST', '/v1/webhooks', 201, { url: 'https://hooks.example.com/contract', symbols: ['AAPL'], min_severity: 'HIGH' });
    expect(created.secret).toMatch(/^whsec_/);
    const id = created.id as string;

    const defaults = await conforming('POST', '/v1/webhooks', 201, { url: 'https://hooks.example.com/defaults' });
    expect(defaults).toMatchObject({ description: '', symbols: null, min_severity: 'MEDIUM' });

    expect((await conforming('GET', '/v1/webhooks', 200)).data).toHaveLength(2);
    expect(await conforming('GET', `/v1/webhooks/${id}`, 200)).not.toHaveProperty('secret');
    expect(await conforming('PATCH', `/v1/webhooks/${id}`, 200, { status: 'disabled', symbols: null })).toMatchObject({ status: 'disabled', disabled_reason: 'disabled by its owner', symbols: null });

    const t0 = Date.parse('2024-08-08T12:00:00Z');
    await store.appendAttempt(id, { deliveryId: 'msg_1', alertId: 'pa:AAPL:1', attempt: 1, atMs: t0, statusCode: null, error: 'refused to connect: 10.0.0.1 is a private address', durationMs: 0, outcome: 'retrying' });
    await store.appendAttempt(id, { deliveryId: 'msg_1', alertId: 'pa:AAPL:1', attempt: 2, atMs: t0 + 1000, statusCode: 200, error: null, durationMs: 12, outcome: 'delivered' });
    const page = await conforming('GET', `/v1/webhooks/${id}/deliveries?limit=1`, 200);
    expect(page.next_cursor).toEqual(expect.any(String));
    const last = await conforming('GET', `/v1/webhooks/${id}/deliveries?limit=1&cursor=${page.next_cursor as string}`, 200);
    expect(last).toMatchObject({ data: [{ attempt: 1, status_code: null }], next_cursor: null });

    await conforming('DELETE', `/v1/webhooks/${id}`, 204);
    await conforming('DELETE', `/v1/webhooks/${defaults.id as string}`, 204);
  });

  it('its errors too: 404, 409 and 422 are problem+json as documented', async () => {
    const notFound = await app.inject({ method: 'GET', url: '/v1/webhooks/wh_00000000000000000000', headers: { 'x-api-key': key } });
    expect(notFound.statusCode).toBe(404);
    expect(await validator.validate('getWebhook-404-problem', notFound.json())).toBeNull();
    const unsafe = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'x-api-key': key }, payload: { url: 'http://127.0.0.1/' } });
    expect([unsafe.statusCode, unsafe.json().code]).toEqual([422, 'UNSAFE_URL']);
    expect(await validator.validate('createWebhook-422-problem', unsafe.json())).toBeNull();
  });

  it('the document validates requests: unknown query parameters and body fields are refused by name', async () => {
    const e = await conforming('POST', '/v1/webhooks', 201, { url: 'https://hooks.example.com/q' });
    const typo = await app.inject({ method: 'GET', url: `/v1/webhooks/${e.id as string}/deliveries?limt=5`, headers: { 'x-api-key': key } });
    expect([typo.statusCode, typo.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(typo.json().detail).toMatch(/unknown query parameter "limt" for GET \/v1\/webhooks\/\{id\}\/deliveries: it takes limit, cursor/);
    const field = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${e.id as string}`, headers: { 'x-api-key': key }, payload: { min_severty: 'HIGH' } });
    expect([field.statusCode, field.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(field.json().errors).toEqual([{ location: 'body', message: 'must NOT have additional properties' }]);
    await conforming('DELETE', `/v1/webhooks/${e.id as string}`, 204);
  });
});
