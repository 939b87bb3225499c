import type { Registry } from 'prom-client';
import type { WebhookLog } from './delivery-attempt';
import type { UrlGuard } from './url-guard';
import type { WebhookStore } from './webhook-store';

/** How one message is attempted and retried: shared by every transport (bullmq, in-process). */
export interface WebhookDelivererOptions {
  store: WebhookStore;
  /** Checks every connection at dial time (the registration guard's policy, or a stricter one). */
  guard: UrlGuard;
  /** `webhook_deliveries_total{outcome}` is registered here (or reused when already there). */
  metrics: Registry;
  /** One attempt — DNS, connect, TLS, response headers and body — ends after this, ms. @defaultValue 10000 */
  timeoutMs?: number;
  /** The first retry waits a uniform random time up to this, ms; each further one up to twice as long. @defaultValue 10000 */
  backoffBaseMs?: number;
  /** No jittered wait exceeds this, ms. @defaultValue 1800000 (30 min) */
  backoffCapMs?: number;
  /** A receiver's Retry-After is honoured up to this, ms. @defaultValue 3600000 (1 h) */
  maxRetryAfterMs?: number;
  /** @defaultValue silent */
  log?: WebhookLog;
  /** The jitter's source of numbers in [0, 1). @defaultValue Math.random */
  random?: () => number;
}
