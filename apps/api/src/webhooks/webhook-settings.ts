import { ConfigError, intSetting, stringSetting } from '@tickflow/config';
import { parseCidrList } from './address-policy';
import { DEFAULT_WEBHOOKS_GROUP } from './alert-webhook-source';

/** The webhook settings of `tickflow api`, parsed and validated once at start (flag > environment > default). */
export interface WebhookSettings {
  /** CIDR blocks deliveries may reach although private/loopback/…; canonical text. */
  allowCidrs: string[];
  attempts: number;
  timeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  concurrency: number;
  /** Consumer group of the alert source, shared by every API instance. */
  groupId: string;
}

export const WEBHOOK_SETTINGS_HELP = `  --webhook-allow-cidrs L  comma-separated CIDR blocks webhooks may reach although private or loopback (env TICKFLOW_WEBHOOK_ALLOW_CIDRS, default none)
  --webhook-attempts N     delivery attempts per alert, the first included (env TICKFLOW_WEBHOOK_ATTEMPTS, default 8)
  --webhook-timeout-ms N   one attempt's time limit (env TICKFLOW_WEBHOOK_TIMEOUT_MS, default 10000)
  --webhook-backoff-ms N   first retry's maximum wait; doubles per retry, full jitter (env TICKFLOW_WEBHOOK_BACKOFF_MS, default 10000)
  --webhook-backoff-cap-ms N  longest wait between attempts (env TICKFLOW_WEBHOOK_BACKOFF_CAP_MS, default 1800000)
  --webhook-concurrency N  deliveries in flight per API instance (env TICKFLOW_WEBHOOK_CONCURRENCY, default 10)
  --webhook-group G        consumer group of the alert feed (env TICKFLOW_WEBHOOK_GROUP, default tickflow-webhooks)`;

/** Flag names for `parseArgs` (all strings). */
export const WEBHOOK_FLAGS = ['webhook-allow-cidrs', 'webhook-attempts', 'webhook-timeout-ms', 'webhook-backoff-ms', 'webhook-backoff-cap-ms', 'webhook-concurrency', 'webhook-group'] as const;

/** @throws ConfigError naming the flag / variable and what was expected. */
export function loadWebhookSettings(flags: Record<string, unknown>, env: Record<string, string | undefined>): Readonly<WebhookSettings> {
  const rawCidrs = stringSetting({ flag: 'webhook-allow-cidrs', env: 'TICKFLOW_WEBHOOK_ALLOW_CIDRS' }, flags, env, { default: '' })!;
  let allowCidrs: string[];
  try {
    allowCidrs = parseCidrList(rawCidrs);
  } catch (err) {
    throw new ConfigError('--webhook-allow-cidrs / TICKFLOW_WEBHOOK_ALLOW_CIDRS', `comma-separated CIDR blocks like 10.1.0.0/16,fd00::/8 (${(err as Error).message})`, rawCidrs);
  }
  return Object.freeze({
    allowCidrs,
    attempts: intSetting({ flag: 'webhook-attempts', env: 'TICKFLOW_WEBHOOK_ATTEMPTS' }, flags, env, { default: 8, min: 1, max: 100 }),
    timeoutMs: intSetting({ flag: 'webhook-timeout-ms', env: 'TICKFLOW_WEBHOOK_TIMEOUT_MS' }, flags, env, { default: 10_000, min: 100, max: 120_000 }),
    backoffBaseMs: intSetting({ flag: 'webhook-backoff-ms', env: 'TICKFLOW_WEBHOOK_BACKOFF_MS' }, flags, env, { default: 10_000, min: 1, max: 3_600_000 }),
    backoffCapMs: intSetting({ flag: 'webhook-backoff-cap-ms', env: 'TICKFLOW_WEBHOOK_BACKOFF_CAP_MS' }, flags, env, { default: 1_800_000, min: 1, max: 86_400_000 }),
    concurrency: intSetting({ flag: 'webhook-concurrency', env: 'TICKFLOW_WEBHOOK_CONCURRENCY' }, flags, env, { default: 10, min: 1, max: 1000 }),
    groupId: stringSetting({ flag: 'webhook-group', env: 'TICKFLOW_WEBHOOK_GROUP' }, flags, env, { default: DEFAULT_WEBHOOKS_GROUP, pattern: /^[\w.-]{1,100}$/, describe: 'letters, digits, . _ -' })!,
  });
}
