import { ConfigError, brokersSetting, intSetting, stringSetting, topicPrefixSetting } from '@tickflow/config';

/** The API's settings, parsed and validated once at start (flag > environment > default). */
export interface ApiSettings {
  host: string;
  port: number;
  redisUrl: string;
  /** Kafka bootstrap servers: the live fan-out and the webhook source read the output topics. */
  brokers: string[];
  /** Prefix of every topic name; must match the processor's. */
  topicPrefix: string;
  /** Root of the Parquet lake for /v1/analytics (unset: those routes answer 503). */
  lakeDir: string | undefined;
  /** Reference symbols (.csv/.parquet) giving lake analytics their sectors; unset: sectors as the trades were enriched. */
  referencePath: string | undefined;
  /** Requests per key per `rateLimitWindowMs`. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  corsOrigins: string[];
  bodyLimitBytes: number;
  maxEventLoopDelayMs: number;
}

export const API_SETTINGS_HELP = `  --host H                 listen address (env TICKFLOW_API_HOST, default 127.0.0.1)
  --port N                 listen port (env PORT, default 8080)
  --redis-url URL          Redis for API keys, rate limits and webhooks (env REDIS_URL, default redis://127.0.0.1:6379)
  --brokers LIST           Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)
  --topic-prefix P         prefix of every topic name (env TICKFLOW_TOPIC_PREFIX, default none)
  --lake DIR               Parquet lake for /v1/analytics (env TICKFLOW_LAKE_DIR, default ./data/lake)
  --reference FILE         reference symbols for the analytics' sectors (env TICKFLOW_REFERENCE, default: as enriched)
  --rate-limit N           requests per API key per minute (env TICKFLOW_RATE_LIMIT, default 1200)
  --cors-origins LIST      comma-separated browser origins allowed to call the API (env TICKFLOW_CORS_ORIGINS, default none)
  --body-limit N           largest request body, bytes (env TICKFLOW_BODY_LIMIT, default 1048576)`;

export function loadApiSettings(flags: Record<string, unknown>, env: Record<string, string | undefined>): Readonly<ApiSettings> {
  const origins = stringSetting({ flag: 'cors-origins', env: 'TICKFLOW_CORS_ORIGINS' }, flags, env, { default: '' })!;
  const corsOrigins = origins.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of corsOrigins) {
    if (!/^https?:\/\/[\w.-]+(:\d+)?$/.test(o)) throw new ConfigError('--cors-origins / TICKFLOW_CORS_ORIGINS', 'comma-separated origins like https://dash.example.com', origins);
  }
  return Object.freeze({
    host: stringSetting({ flag: 'host', env: 'TICKFLOW_API_HOST' }, flags, env, { default: '127.0.0.1', pattern: /^[\w.:-]+$/, describe: 'a host name or IP address' })!,
    port: intSetting({ flag: 'port', env: 'PORT' }, flags, env, { default: 8080, min: 0, max: 65_535 }),
    redisUrl: stringSetting({ flag: 'redis-url', env: 'REDIS_URL' }, flags, env, { default: 'redis://127.0.0.1:6379', pattern: /^rediss?:\/\/\S+$/, describe: 'redis://host:port[/db]' })!,
    brokers: brokersSetting(flags, env),
    topicPrefix: topicPrefixSetting(flags, env),
    lakeDir: stringSetting({ flag: 'lake', env: 'TICKFLOW_LAKE_DIR' }, flags, env, { default: './data/lake' }),
    referencePath: stringSetting({ flag: 'reference', env: 'TICKFLOW_REFERENCE' }, flags, env, {}),
    rateLimitMax: intSetting({ flag: 'rate-limit', env: 'TICKFLOW_RATE_LIMIT' }, flags, env, { default: 1200, min: 1, max: 10_000_000 }),
    rateLimitWindowMs: 60_000,
    corsOrigins,
    bodyLimitBytes: intSetting({ flag: 'body-limit', env: 'TICKFLOW_BODY_LIMIT' }, flags, env, { default: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 }),
    maxEventLoopDelayMs: intSetting({ env: 'TICKFLOW_MAX_EVENT_LOOP_DELAY_MS' }, flags, env, { default: 1000, min: 10, max: 60_000 }),
  });
}
