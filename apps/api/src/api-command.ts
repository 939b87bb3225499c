import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createClickHouse, describeClickHouse, loadClickHouseSettings, runMigrations } from '@tickflow/clickhouse';
import { API_SETTINGS_HELP, loadApiSettings } from './api-settings';
import { RedisApiKeyStore } from './auth/redis-api-key-store';
import { buildApp } from './build-app';
import { KafkaLiveSource, LiveHub, liveFeature } from './live/index';

export const API_USAGE = `Usage: tickflow api [options]

Serves REST /v1 (OpenAPI at /openapi.json, docs at /docs), GraphQL at /graphql, the live feed at
/v1/stream, and alert webhooks. Every /v1 route needs an API key (tickflow keys create).
SIGTERM stops accepting requests, finishes those in flight and exits.

${API_SETTINGS_HELP}
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
      'rate-limit': { type: 'string' },
      'cors-origins': { type: 'string' },
      'body-limit': { type: 'string' },
      'clickhouse-url': { type: 'string' },
      'clickhouse-user': { type: 'string' },
      'clickhouse-database': { type: 'string' },
      'clickhouse-path': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(API_USAGE);
    return 0;
  }
  const settings = loadApiSettings(values, process.env);
  const chSettings = loadClickHouseSettings(values);
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
  const ch = await createClickHouse(chSettings);
  await runMigrations(ch);
  const metrics = new Registry();
  const keys = new RedisApiKeyStore(redis);
  const hub = new LiveHub();
  const live = new KafkaLiveSource({ brokers: settings.brokers, topicPrefix: settings.topicPrefix, hub, metrics, log });
  await live.start();
  const app = await buildApp({
    keys,
    metrics,
    readiness: { redis: () => redis.ping(), clickhouse: () => ch.query('SELECT 1'), kafka: () => live.check() },
    rateLimit: { max: settings.rateLimitMax, timeWindowMs: settings.rateLimitWindowMs, redis },
    corsOrigins: settings.corsOrigins,
    bodyLimitBytes: settings.bodyLimitBytes,
    maxEventLoopDelayMs: settings.maxEventLoopDelayMs,
    // liveFeature registers @fastify/websocket once; GraphQL (mercurius) must come after it.
    features: [liveFeature({ hub, keys, metrics })],
  });
  const address = await app.listen({ host: settings.host, port: settings.port });
  log('info', 'api listening', { url: address, clickhouse: describeClickHouse(chSettings), redis: settings.redisUrl.replace(/\/\/[^@]*@/, '//***@') });

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('info', 'stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.close(); // WS clients get 1001 Going Away
  await live.stop();
  await ch.close();
  redis.disconnect();
  return 0;
}
