import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createClickHouse, describeClickHouse, loadClickHouseSettings, runMigrations } from '@tickflow/clickhouse';
import { API_SETTINGS_HELP, loadApiSettings } from './api-settings';
import { RedisApiKeyStore } from './auth/redis-api-key-store';
import { apiFeatures } from './api-features';
import { buildApp } from './build-app';
import { KafkaLiveSource, LiveHub } from './live/index';
import { AlertWebhookSource, RedisWebhookStore, UrlGuard, WEBHOOK_FLAGS, WEBHOOK_SETTINGS_HELP, WebhookDeliveryWorker, WebhookDispatcher, loadWebhookSettings } from './webhooks/index';
import { createKafka } from '@tickflow/kafka';

export const API_USAGE = `Usage: tickflow api [options]

Serves REST /v1 (OpenAPI at /openapi.json, docs at /docs), GraphQL at /graphql, the live feed at
/v1/stream, and alert webhooks. Every /v1 route needs an API key (tickflow keys create).
SIGTERM stops accepting requests, finishes those in flight and exits.

${API_SETTINGS_HELP}
${WEBHOOK_SETTINGS_HELP}
  --clickhouse-url URL     ClickHouse server (env CLICKHOUSE_URL; default embedded chDB)
  --clickhouse-database D  database (env CLICKHOUSE_DATABASE, default tickflow)
  --clickhouse-path DIR    chDB data directory when no URL is set (env TICKFLOW_CLICKHOUSE_PATH)`;

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(JSON.stringify({ level, time: new Date().toISOString(), app: 'api', msg, ...fields }) + '\n');
}

export async function apiCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'redis-url': { type: 'string' },
      brokers: { type: 'string' },
      'topic-prefix': { type: 'string' },
      lake: { type: 'string' },
      reference: { type: 'string' },
      'rate-limit': { type: 'string' },
      'cors-origins': { type: 'string' },
      'body-limit': { type: 'string' },
      'clickhouse-url': { type: 'string' },
      'clickhouse-user': { type: 'string' },
      'clickhouse-database': { type: 'string' },
      'clickhouse-path': { type: 'string' },
      ...Object.fromEntries(WEBHOOK_FLAGS.map((f) => [f, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(API_USAGE);
    return 0;
  }
  const settings = loadApiSettings(values, process.env);
  const webhookSettings = loadWebhookSettings(values, process.env);
  const chSettings = loadClickHouseSettings(values);
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
  if (settings.lakeDir) mkdirSync(settings.lakeDir, { recursive: true }); // the lake writer may not have run yet
  const ch = await createClickHouse(chSettings);
  await runMigrations(ch);
  const metrics = new Registry();
  const keys = new RedisApiKeyStore(redis);
  const hub = new LiveHub();
  const live = new KafkaLiveSource({ brokers: settings.brokers, topicPrefix: settings.topicPrefix, hub, metrics, log });
  await live.start();
  // Alert webhooks: one consumer group for all instances feeds a bullmq queue every instance works.
  const bullRedis = new Redis(settings.redisUrl, { maxRetriesPerRequest: null }); // bullmq requires null
  const webhookStore = new RedisWebhookStore(redis);
  const guard = new UrlGuard({ allowCidrs: webhookSettings.allowCidrs });
  const dispatcher = new WebhookDispatcher({ connection: bullRedis, store: webhookStore, attempts: webhookSettings.attempts, log });
  const worker = new WebhookDeliveryWorker({
    connection: bullRedis,
    store: webhookStore,
    guard,
    metrics,
    concurrency: webhookSettings.concurrency,
    timeoutMs: webhookSettings.timeoutMs,
    backoffBaseMs: webhookSettings.backoffBaseMs,
    backoffCapMs: webhookSettings.backoffCapMs,
    log,
  });
  const alertSource = new AlertWebhookSource({ kafka: createKafka({ brokers: settings.brokers, clientId: 'tickflow-api-webhooks' }), dispatcher, topicPrefix: settings.topicPrefix, groupId: webhookSettings.groupId, log });
  const app = await buildApp({
    keys,
    metrics,
    readiness: { redis: () => redis.ping(), clickhouse: () => ch.query('SELECT 1'), kafka: () => live.check() },
    rateLimit: { max: settings.rateLimitMax, timeWindowMs: settings.rateLimitWindowMs, redis },
    corsOrigins: settings.corsOrigins,
    bodyLimitBytes: settings.bodyLimitBytes,
    maxEventLoopDelayMs: settings.maxEventLoopDelayMs,
    features: apiFeatures({
      ch,
      keys,
      hub,
      metrics,
      webhookStore,
      guard,
      ...(settings.lakeDir ? { lakeDir: settings.lakeDir } : {}),
      ...(settings.referencePath ? { referencePath: settings.referencePath } : {}),
    }),
  });
  const address = await app.listen({ host: settings.host, port: settings.port });
  await alertSource.start();
  log('info', 'api listening', { url: address, clickhouse: describeClickHouse(chSettings), redis: settings.redisUrl.replace(/\/\/[^@]*@/, '//***@') });

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('info', 'stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await alertSource.stop(); // commits what it queued, leaves the group
  await app.close(); // WS clients get 1001 Going Away
  await worker.close(); // in-flight deliveries finish (each within the attempt timeout)
  await dispatcher.close();
  bullRedis.disconnect();
  await live.stop();
  await ch.close();
  redis.disconnect();
  return 0;
}
