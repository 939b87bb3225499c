// The contract and the app agree: every operation of openapi/openapi.yaml is routed (by the REST
// feature, the core or the webhooks feature), every /v1 operation documents its errors as problem+json, the document and its docs are public, the loader
// refuses a document and handlers that disagree, and the error statuses the document promises
// (401, 429, 500, 503) come out as documented.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestClickHouse } from '@tickflow/clickhouse';
import { Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { API_ERRORS, problem } from '../src/errors';
import { buildApp } from '../src/build-app';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { newApiKey } from '../src/auth/api-keys';
import { DEFAULT_OPENAPI_PATH, readOpenApiDocument } from '../src/rest/openapi-document';
import { specOperations } from '../src/rest/openapi-operations';
import { registerOperations } from '../src/rest/openapi-routes';
import { restFeature } from '../src/rest/rest-feature';
import { RedisWebhookStore, UrlGuard, webhooksFeature } from '../src/webhooks/index';
import { startRestApp, type RestHarness } from './rest-harness';

const raw = parse(readFileSync(DEFAULT_OPENAPI_PATH, 'utf8')) as {
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; responses: Record<string, { $ref?: string }>; 'x-tickflow-routed-by'?: string }>>;
  components: { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>; schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
};
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']); // not path-level `parameters`
const operations = Object.entries(raw.paths).flatMap(([path, item]) => Object.entries(item).filter(([method]) => METHODS.has(method)).map(([method, op]) => ({ path, method, op })));
const v1 = operations.filter((o) => o.path.startsWith('/v1/'));

let h: RestHarness;
beforeAll(async () => {
  h = await startRestApp();
});
afterAll(async () => {
  await h?.close();
});

describe('the document', () => {
  it('has the expected operations, each routed by the app as `tickflow api` builds it', async () => {
    expect(v1.map((o) => o.op.operationId).sort()).toEqual(
      [
        ...['getAggregates', 'getBars', 'getLatestSignal', 'getLatestSignals', 'getOrderBookMetrics', 'getPortfolio', 'getSectorPerformance', 'getSignals', 'getTopSymbols', 'getVolumeVsHistory', 'listAlerts', 'listSymbols'],
        ...['createWebhook', 'listWebhooks', 'getWebhook', 'updateWebhook', 'deleteWebhook', 'listWebhookDeliveries'],
      ].sort(),
    );
    const routers = Object.fromEntries(operations.map((o) => [o.op.operationId, o.op['x-tickflow-routed-by'] ?? 'rest']));
    expect(Object.entries(routers).filter(([, by]) => by === 'webhooks').map(([id]) => id).sort()).toEqual(['createWebhook', 'deleteWebhook', 'getWebhook', 'listWebhookDeliveries', 'listWebhooks', 'updateWebhook']);
    // Nothing connects: routes are only looked up.
    const redis = new Redis({ lazyConnect: true });
    const app = await buildApp({
      keys: new RedisApiKeyStore(redis, 'unused:'),
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 1, timeWindowMs: 1000 },
      corsOrigins: [],
      features: [restFeature({ ch: h.ch }), webhooksFeature({ store: new RedisWebhookStore(redis, { prefix: 'unused:' }), guard: new UrlGuard() })],
    });
    try {
      for (const { path, method } of operations) {
        expect(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{([^}]+)\}/g, ':$1') }), `${method} ${path}`).toBe(true);
      }
    } finally {
      await app.close();
      redis.disconnect();
    }
    // The REST feature alone routes its own operations and the core's, and none of the webhooks'.
    for (const { path, method, op } of operations) {
      const routed = h.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{([^}]+)\}/g, ':$1') });
      expect(routed, `${method} ${path}`).toBe(routers[op.operationId] !== 'webhooks');
    }
  });

  it('every /v1 operation needs a key and documents 400, 401, 403, 404, 429 and 500 as problem+json', () => {
    const wanted = { '400': 'BadRequest', '401': 'Unauthorized', '403': 'Forbidden', '404': 'NotFound', '429': 'TooManyRequests', '500': 'InternalError' };
    for (const { path, op } of v1) {
      expect(op.security, path).toBeUndefined(); // the global bearer / X-API-Key requirement
      for (const [status, name] of Object.entries(wanted)) expect(op.responses[status], `${path} ${status}`).toEqual({ $ref: `#/components/responses/${name}` });
    }
    for (const name of Object.values(wanted)) {
      expect(raw.components.responses[name]!.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    }
  });

  it('public operations say so with security: []', () => {
    const pub = operations.filter((o) => !o.path.startsWith('/v1/'));
    expect(pub.map((o) => o.path).sort()).toEqual(['/healthz', '/metrics', '/openapi.json', '/readyz']);
    for (const o of pub) expect(o.op.security, o.path).toEqual([]);
  });

  it('its Problem schema is errors.ts’ Problem: every code, every field', () => {
    const schema = raw.components.schemas.Problem!;
    expect([...schema.properties.code!.enum!].sort()).toEqual(Object.keys(API_ERRORS).sort());
    const full = problem('VALIDATION_FAILED', 'detail', '/v1/x', [{ location: 'querystring/x', message: 'bad' }]);
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(full).sort());
  });

  it('becomes route schemas whose response objects and request bodies are all closed', () => {
    const open: string[] = [];
    const walk = (s: unknown, where: string): void => {
      if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}/${i}`));
      if (typeof s !== 'object' || s === null) return;
      const o = s as Record<string, unknown>;
      if (o.properties && o.additionalProperties !== false) open.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
    };
    const ops = specOperations(readOpenApiDocument());
    for (const op of ops) walk(op.schema.response, `${op.operationId}`);
    for (const op of ops) walk(op.schema.body, `${op.operationId}/body`);
    expect(open).toEqual([]);
    expect(ops.filter((op) => op.schema.body !== undefined).map((op) => op.operationId).sort()).toEqual(['createWebhook', 'updateWebhook']);
    expect(ops.length).toBe(operations.length);
  });
});

describe('the loader', () => {
  const doc = readOpenApiDocument();
  const ops = specOperations(doc);
  const noop = async (): Promise<unknown> => ({});
  const allHandlers = Object.fromEntries(ops.filter((o) => o.routedBy === 'rest').map((o) => [o.operationId, noop]));

  it('refuses to start when an operation has no handler, naming it', () => {
    const app = Fastify();
    const { getBars: _dropped, ...handlers } = allHandlers;
    expect(() => registerOperations(app, ops, handlers)).toThrow(/operations without a handler: getBars \(GET \/v1\/bars\/\{symbol\}\)/);
    expect(app.hasRoute({ method: 'GET', url: '/v1/symbols' })).toBe(false); // nothing half-registered
  });

  it('refuses to start when a handler has no operation, naming it', () => {
    expect(() => registerOperations(Fastify(), ops, { ...allHandlers, getBarz: noop })).toThrow(/handlers without an operation in the document: getBarz/);
    expect(() => registerOperations(Fastify(), ops, { ...allHandlers, getHealth: noop })).toThrow(/getHealth/); // routed by core, not by us
    expect(() => registerOperations(Fastify(), ops, { ...allHandlers, createWebhook: noop })).toThrow(/handlers without an operation in the document: createWebhook/); // the webhooks feature's
  });

  it('fails buildApp with the reason when the feature cannot start', async () => {
    const redis = new Redis({ lazyConnect: true });
    const bad = buildApp({ keys: new RedisApiKeyStore(redis, 'unused:'), metrics: new Registry(), readiness: {}, rateLimit: { max: 1, timeWindowMs: 1000 }, corsOrigins: [], features: [restFeature({ ch: h.ch, lakeDir: '/no/such/*/lake' })] });
    await expect(bad).rejects.toThrow(/glob/i);
    redis.disconnect();
  });
});

describe('the document and the docs are public', () => {
  it('GET /openapi.json serves the document, without a key', async () => {
    const res = await h.get('/openapi.json', null);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual(raw);
  });

  it('GET /docs serves Swagger UI from local assets, without a key', async () => {
    const page = await h.get('/docs', null);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/swagger-ui/i);
    expect(page.body).not.toMatch(/(src|href)="https?:/); // no CDN
    for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/static/swagger-ui.css']) {
      const res = await h.get(asset, null);
      expect(res.statusCode, asset).toBe(200);
    }
    const json = await h.get('/docs/json', null);
    expect(json.json()).toEqual(raw);
  });
});

describe('documented error statuses', () => {
  it('a REST error carries exactly the Problem fields (serialised through the route schema)', async () => {
    const res = await h.get('/v1/bars/AAPL?limit=0&interval=2m');
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json()).sort()).toEqual(['code', 'detail', 'errors', 'instance', 'status', 'title', 'type']);
    expect(res.json().errors).toHaveLength(2);
  });

  it('429 with Retry-After once the key’s budget is spent', async () => {
    const limited = await startRestApp({ rateLimitMax: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.get('/v1/symbols')).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
      const res = await limited.get('/v1/symbols');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    } finally {
      await limited.close();
    }
  });

  it('503 from the analytics when the API runs without a lake', async () => {
    const res = await h.get('/v1/analytics/top-symbols');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'UNAVAILABLE', detail: expect.stringMatching(/Parquet lake/) });
  });

  it('500 without internals when the history store fails', async () => {
    const gone = await openTestClickHouse();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const prefix = `tickflow-test:rest-500:${process.pid}:`;
    const store = new RedisApiKeyStore(redis, prefix);
    const k = newApiKey('quant', ['read']);
    await store.put(k.record);
    const app = await buildApp({ keys: store, metrics: new Registry(), readiness: {}, rateLimit: { max: 100, timeWindowMs: 60_000 }, corsOrigins: [], maxEventLoopDelayMs: 60_000, features: [restFeature({ ch: gone.ch })] });
    try {
      await gone.dispose(); // database dropped, connection closed
      const res = await app.inject({ method: 'GET', url: '/v1/bars/AAPL', headers: { 'x-api-key': k.key } });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ code: 'INTERNAL', detail: 'an unexpected error occurred; it has been logged' });
      expect(res.body).not.toMatch(/CH_|clickhouse|micro_bars/i);
    } finally {
      await app.close();
      await redis.del(`${prefix}apikeys`);
      redis.disconnect();
    }
  });
});
