import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { Redis } from 'ioredis';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { hasScope, verifyApiKey, type ApiKeyStore, type Principal, type Scope } from './auth/api-keys';
import { ApiError, problem, type ApiErrorCode } from './errors';

/** Who may call a route: `public` (health, docs, metrics) or an API key with the scope. */
export type RouteAccess = Scope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @defaultValue 'read' */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The verified API key's identity; null on public routes. */
    principal: Principal | null;
  }
}

export interface BuildAppOptions {
  keys: ApiKeyStore;
  /** Readiness checks by dependency name (ClickHouse, Redis, Kafka…): `/readyz` runs them all. */
  readiness: Record<string, () => Promise<unknown>>;
  /** Where `/metrics` comes from; features register their metrics here too. */
  metrics: Registry;
  /** Per-key request budget. With `redis` the budget is shared by every API instance. */
  rateLimit: { max: number; timeWindowMs: number; redis?: Redis };
  /** Origins a browser may call from (exact matches); empty = no cross-origin access. */
  corsOrigins: readonly string[];
  /** @defaultValue 1 MiB */
  bodyLimitBytes?: number;
  /** Shed load (503) when the event loop lags more than this, ms. @defaultValue 1000 */
  maxEventLoopDelayMs?: number;
  /** Fastify's logger; false in tests. @defaultValue false */
  logger?: boolean;
  /** Feature plugins (REST history, webhooks, live feeds, GraphQL), registered after the core. */
  features?: readonly FastifyPluginAsync[];
}

/**
 * The API as a Fastify instance, not listening (tests use `app.inject()`): security headers, CORS
 * allow-list, body limit, load shedding, API-key auth with scopes, per-key rate limits, RFC 9457
 * problem+json for every error, `/healthz`, `/readyz`, `/metrics`, then the features.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    // Query strings are short: reject the absurd before parsing.
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });
  app.decorateRequest('principal', null);

  const duration = new Histogram({
    name: 'api_request_duration_seconds',
    help: 'REST request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [opts.metrics],
  });
  if (!opts.metrics.getSingleMetric('process_cpu_seconds_total')) collectDefaultMetrics({ register: opts.metrics });
  app.addHook('onResponse', async (req, reply) => {
    duration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 'NOT_FOUND', `no route for ${req.method} ${req.url.split('?')[0]}`, req.url));

  await app.register(helmet, {
    // /docs serves its own scripts and styles; everything else is JSON.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } },
  });
  await app.register(cors, { origin: opts.corsOrigins.length > 0 ? [...opts.corsOrigins] : false, credentials: false });
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs ?? 1000,
    exposeStatusRoute: false,
    pressureHandler: (req, reply, type, value) => {
      sendProblem(reply.header('retry-after', '1'), 'UNAVAILABLE', `the server is overloaded (${type}: ${value}); retry shortly`, req.url);
    },
  });

  // Auth first (onRequest), then the rate limit keyed by the authenticated key (preHandler).
  app.addHook('onRequest', async (req) => {
    const access: RouteAccess = req.routeOptions.config?.access ?? 'read';
    if (access === 'public' || !req.routeOptions.url) return; // unmatched routes get their 404
    req.principal = await authenticate(opts.keys, req);
    if (!hasScope(req.principal, access)) throw new ApiError('FORBIDDEN', `this route needs the '${access}' scope; the key has ${req.principal.scopes.join(', ')}`);
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: opts.rateLimit.max,
    timeWindow: opts.rateLimit.timeWindowMs,
    ...(opts.rateLimit.redis ? { redis: opts.rateLimit.redis, nameSpace: 'tickflow:ratelimit:' } : {}),
    keyGenerator: (req) => req.principal?.keyId ?? `ip:${req.ip}`,
    allowList: (req) => req.principal === null,
    errorResponseBuilder: (_req, ctx) => {
      const err = new ApiError('RATE_LIMITED', `rate limit of ${ctx.max} requests per ${ctx.after} exceeded for this API key; retry in ${Math.ceil(ctx.ttl / 1000)} s`);
      return Object.assign(err, { statusCode: 429 });
    },
  });

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' } }, async (_req, reply) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000, `${name} did not answer within 2 s`);
          checks[name] = { ok: true };
        } catch (err) {
          checks[name] = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', { config: { access: 'public' } }, async (_req, reply) => reply.type(opts.metrics.contentType).send(await opts.metrics.metrics()));

  for (const feature of opts.features ?? []) await app.register(feature);
  return app;
}

async function authenticate(keys: ApiKeyStore, req: FastifyRequest): Promise<Principal> {
  const header = req.headers.authorization;
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined;
  if (!key) throw new ApiError('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"', { headers: { 'www-authenticate': 'Bearer' } });
  const principal = await verifyApiKey(keys, key);
  if (!principal) throw new ApiError('UNAUTHENTICATED', 'the API key is unknown, revoked or malformed', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  return principal;
}

function sendProblem(reply: FastifyReply, code: ApiErrorCode, detail: string, instance?: string, errors?: Array<{ location: string; message: string }>): FastifyReply {
  const body = problem(code, detail, instance?.split('?')[0], errors);
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Every error leaves as problem+json; unexpected ones are logged and told apart from client errors. */
function sendError(err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    for (const [k, v] of Object.entries(err.extra.headers ?? {})) reply.header(k, v);
    return sendProblem(reply, err.code, err.detail, req.url, err.extra.errors);
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const where = fe.validationContext ?? 'request';
    const errors = fe.validation.map((v) => ({ location: `${where}${v.instancePath || ''}`, message: `${v.instancePath ? v.instancePath.slice(1) + ' ' : ''}${v.message ?? 'is invalid'}${v.params && 'allowedValues' in v.params ? ` (${(v.params.allowedValues as unknown[]).join(', ')})` : ''}` }));
    return sendProblem(reply, 'VALIDATION_FAILED', `invalid ${where}: ${errors.map((e) => e.message).join('; ')}`, req.url, errors);
  }
  if (fe.statusCode === 429) return sendProblem(reply, 'RATE_LIMITED', fe.message, req.url);
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, 'PAYLOAD_TOO_LARGE', fe.message, req.url);
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(reply, 'UNSUPPORTED_MEDIA_TYPE', fe.message, req.url);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return sendProblem(reply, 'VALIDATION_FAILED', fe.message, req.url);
  req.log.error({ err }, 'unhandled error');
  return sendProblem(reply, 'INTERNAL', 'an unexpected error occurred; it has been logged', req.url);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
