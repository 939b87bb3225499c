import { Counter, type Registry } from 'prom-client';
import { DELIVERY_OUTCOMES, type DeliveryAttempt, type WebhookLog } from './delivery-attempt';
import { parseRetryAfterMs, retryDelayMs } from './delivery-backoff';
import { sendWebhookRequest, type WebhookHttpResult } from './send-webhook-request';
import type { UrlGuard } from './url-guard';
import type { WebhookDelivererOptions } from './webhook-deliverer-options';
import type { WebhookEndpoint } from './webhook-endpoint';
import type { WebhookJobData } from './webhook-job';
import { webhookHeaders } from './webhook-signature';
import type { WebhookStore } from './webhook-store';

/**
 * What one attempt came to, for the transport to act on:
 * - `done`: nothing more to do — `delivered` (2xx), or `endpoint deleted` (nothing sent, nothing logged);
 * - `retry`: the attempt failed and was not the last; try again after `retryDelayMs(attempt, retryAfterMs)`;
 * - `failed`: the message ends undelivered — the last attempt failed (`dead`), a 410 disabled the
 *   endpoint, the endpoint was already disabled, or a 410 came from a URL the endpoint no longer has.
 * Every outcome but `endpoint deleted` has been logged and counted already.
 */
export type WebhookAttemptResult =
  | { kind: 'done'; detail: 'delivered' | 'endpoint deleted' }
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  | { kind: 'failed'; error: string };

const METRIC = 'webhook_deliveries_total';

/**
 * One delivery attempt and the retry policy, independent of the queue that schedules them — so
 * the bullmq worker (cluster profile) and the in-process queue (embedded profile) deliver alike.
 * `attempt` reads the endpoint as it is now (a deleted one gets nothing, a disabled one has its
 * message dropped), signs the payload for this attempt (Standard Webhooks), POSTs it once through
 * the dial-time SSRF guard, logs the attempt and counts it in `webhook_deliveries_total{outcome}`.
 * A 2xx is delivered; a 410 Gone disables the endpoint (only if it still has the URL that answered)
 * and ends the message; anything else (another status, a 3xx — redirects are not followed —, a
 * timeout, a refused address) is retried until the last attempt, which is dead. `retryDelayMs` is
 * full-jitter exponential backoff, or the receiver's Retry-After (capped).
 */
export class WebhookDeliverer {
  /** One attempt's time limit, ms (transports size their locks and shutdown waits by it). */
  readonly timeoutMs: number;
  private readonly store: WebhookStore;
  private readonly guard: UrlGuard;
  private readonly log: WebhookLog;
  private readonly deliveries: Counter<'outcome'>;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  /** @throws RangeError when a time is not a non-negative integer. */
  constructor(opts: WebhookDelivererOptions) {
    this.store = opts.store;
    this.guard = opts.guard;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.log = opts.log ?? (() => undefined);
    this.deliveries = webhookDeliveriesCounter(opts.metrics);
    this.baseMs = opts.backoffBaseMs ?? 10_000;
    this.capMs = opts.backoffCapMs ?? 30 * 60_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60 * 60_000;
    this.random = opts.random ?? Math.random;
    for (const [name, v] of Object.entries({ timeoutMs: this.timeoutMs, backoffBaseMs: this.baseMs, backoffCapMs: this.capMs, maxRetryAfterMs: this.maxRetryAfterMs })) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer (ms), got ${v}`);
    }
  }

  /** The wait before the attempt after `attempt` (1-based, the one that just failed), ms. */
  retryDelayMs(attempt: number, retryAfterMs: number | null): number {
    return retryDelayMs({ attempt, baseMs: this.baseMs, capMs: this.capMs, retryAfterMs, maxRetryAfterMs: this.maxRetryAfterMs, random: this.random });
  }

  /**
   * Makes attempt number `attempt` (1-based) of `maxAttempts` at `job`.
   * @throws only what the store throws when reading the endpoint; transports treat that as a
   *   failed attempt without a log entry (retried with backoff, the message failed after the last).
   */
  async attempt(job: WebhookJobData, attempt: number, maxAttempts: number): Promise<WebhookAttemptResult> {
    const { endpointId, alertId, messageId, payload } = job;
    const isLast = attempt >= maxAttempts;
    const base = { deliveryId: messageId, alertId, attempt };
    const endpoint = await this.store.get(endpointId);
    if (!endpoint) return { kind: 'done', detail: 'endpoint deleted' };
    if (endpoint.status !== 'active') {
      await this.record(endpoint, { ...base, atMs: Date.now(), statusCode: null, error: 'not sent: the endpoint is disabled', durationMs: 0, outcome: 'disabled' });
      return { kind: 'failed', error: 'the endpoint is disabled' };
    }

    const atMs = Date.now();
    const headers = webhookHeaders(endpoint.secret, messageId, Math.floor(atMs / 1000), payload);
    const res = await sendWebhookRequest(endpoint.url, headers, payload, { guard: this.guard, timeoutMs: this.timeoutMs });
    const entry = { ...base, atMs, statusCode: res.statusCode, durationMs: res.durationMs };

    if (res.statusCode !== null && res.statusCode >= 200 && res.statusCode < 300) {
      await this.record(endpoint, { ...entry, error: null, outcome: 'delivered' });
      return { kind: 'done', detail: 'delivered' };
    }
    if (res.statusCode === 410) {
      const reason = `the receiver answered 410 Gone on ${new Date(atMs).toISOString()}`;
      const disabled = await this.store.update(endpoint.id, { status: 'disabled', disabledReason: reason }, { ifUrl: endpoint.url });
      if (!disabled) {
        // Its owner pointed it elsewhere meanwhile: the old URL's 410 ends this message, not the endpoint.
        await this.record(endpoint, { ...entry, error: 'HTTP 410 from a URL the endpoint no longer has; not retried', outcome: 'dead' });
        return { kind: 'failed', error: '410 Gone from a replaced URL' };
      }
      await this.record(endpoint, { ...entry, error: 'HTTP 410 Gone: endpoint disabled', outcome: 'disabled' });
      this.log('warn', 'webhook endpoint disabled by a 410 Gone', { endpointId, owner: endpoint.owner });
      return { kind: 'failed', error: reason };
    }
    const error = describeFailure(res);
    await this.record(endpoint, { ...entry, error, outcome: isLast ? 'dead' : 'retrying' });
    if (isLast) return { kind: 'failed', error };
    return { kind: 'retry', error, retryAfterMs: parseRetryAfterMs(res.headers['retry-after'], Date.now()) };
  }

  /** Logs the attempt and counts it; a log write that fails must not turn a delivery into a retry. */
  private async record(endpoint: WebhookEndpoint, attempt: DeliveryAttempt): Promise<void> {
    this.deliveries.inc({ outcome: attempt.outcome });
    try {
      await this.store.appendAttempt(endpoint.id, attempt);
    } catch (err) {
      this.log('error', 'could not write the webhook delivery log', { endpointId: endpoint.id, attempt: attempt.attempt, outcome: attempt.outcome, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function describeFailure(res: WebhookHttpResult): string {
  if (res.statusCode === null) return res.error ?? 'no response';
  if (res.statusCode >= 300 && res.statusCode < 400) {
    const location = res.headers.location;
    return `HTTP ${res.statusCode}: redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed`;
  }
  return `HTTP ${res.statusCode}`;
}

/** `webhook_deliveries_total{outcome}` in `registry`: created with every outcome at 0, or the one already there. */
export function webhookDeliveriesCounter(registry: Registry): Counter<'outcome'> {
  const existing = registry.getSingleMetric(METRIC);
  if (existing) return existing as Counter<'outcome'>;
  const counter = new Counter({ name: METRIC, help: 'Webhook delivery attempts by outcome (delivered, retrying, dead, disabled)', labelNames: ['outcome'] as const, registers: [registry] });
  for (const outcome of DELIVERY_OUTCOMES) counter.inc({ outcome }, 0);
  return counter;
}
