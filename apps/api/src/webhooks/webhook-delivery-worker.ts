import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Counter, type Registry } from 'prom-client';
import { DELIVERY_OUTCOMES, type DeliveryAttempt, type WebhookLog } from './delivery-attempt';
import { parseRetryAfterMs, retryDelayMs } from './delivery-backoff';
import { sendWebhookRequest, type WebhookHttpResult } from './send-webhook-request';
import type { UrlGuard } from './url-guard';
import type { WebhookDeliveryWorkerOptions } from './webhook-delivery-worker-options';
import type { WebhookEndpoint } from './webhook-endpoint';
import { WEBHOOK_BACKOFF_TYPE, type WebhookJobData } from './webhook-job';
import { DEFAULT_WEBHOOK_QUEUE_NAME, DEFAULT_WEBHOOK_QUEUE_PREFIX } from './webhook-queue-options';
import { webhookHeaders } from './webhook-signature';
import type { WebhookStore } from './webhook-store';

/** A failed attempt that will be retried; carries the receiver's Retry-After for the backoff strategy. */
export class DeliveryAttemptError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'DeliveryAttemptError';
  }
}

const METRIC = 'webhook_deliveries_total';

/**
 * Delivers queued webhook messages (bullmq worker): reads the endpoint as it is now (a deleted one
 * gets nothing, a disabled one has its message dropped), signs the payload for this attempt, POSTs
 * it once through the dial-time SSRF guard, and logs the attempt. A 2xx is delivered; a 410 Gone
 * disables the endpoint and ends the message; anything else (another status, a 3xx — redirects
 * are not followed —, a timeout, a refused address) is retried with full-jitter exponential
 * backoff, or the receiver's Retry-After, until the last attempt, which marks it dead.
 * `close()` lets attempts in flight finish (SIGTERM).
 */
export class WebhookDeliveryWorker {
  readonly worker: Worker<WebhookJobData>;
  private readonly store: WebhookStore;
  private readonly guard: UrlGuard;
  private readonly timeoutMs: number;
  private readonly log: WebhookLog;
  private readonly deliveries: Counter<'outcome'>;

  constructor(opts: WebhookDeliveryWorkerOptions) {
    this.store = opts.store;
    this.guard = opts.guard;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.log = opts.log ?? (() => undefined);
    this.deliveries = deliveriesCounter(opts.metrics);
    const baseMs = opts.backoffBaseMs ?? 10_000;
    const capMs = opts.backoffCapMs ?? 30 * 60_000;
    const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60 * 60_000;
    const random = opts.random ?? Math.random;
    for (const [name, v] of Object.entries({ timeoutMs: this.timeoutMs, backoffBaseMs: baseMs, backoffCapMs: capMs, maxRetryAfterMs })) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer (ms), got ${v}`);
    }
    this.worker = new Worker<WebhookJobData>(opts.queueName ?? DEFAULT_WEBHOOK_QUEUE_NAME, (job) => this.deliver(job), {
      connection: opts.connection,
      prefix: opts.prefix ?? DEFAULT_WEBHOOK_QUEUE_PREFIX,
      concurrency: opts.concurrency ?? 10,
      // The lock must outlive the slowest attempt, or a second worker would start the same one.
      lockDuration: Math.max(30_000, 2 * this.timeoutMs + 5_000),
      settings: {
        backoffStrategy: (attemptsMade, type, err) => {
          if (type !== WEBHOOK_BACKOFF_TYPE) return 0;
          const retryAfterMs = err instanceof DeliveryAttemptError ? err.retryAfterMs : null;
          return retryDelayMs({ attempt: attemptsMade, baseMs, capMs, retryAfterMs, maxRetryAfterMs, random });
        },
      },
    });
    this.worker.on('error', (err) => this.log('error', 'webhook worker error', { error: err.message }));
  }

  /** Resolves when the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs and waits for the attempts in flight (each ends within `timeoutMs`). */
  async close(): Promise<void> {
    await this.worker.close();
  }

  private async deliver(job: Job<WebhookJobData>): Promise<string> {
    const { endpointId, alertId, messageId, payload } = job.data;
    const attempt = job.attemptsMade + 1;
    const isLast = attempt >= (job.opts.attempts ?? 1);
    const base = { deliveryId: messageId, alertId, attempt };
    const endpoint = await this.store.get(endpointId);
    if (!endpoint) return 'endpoint deleted';
    if (endpoint.status !== 'active') {
      await this.record(endpoint, { ...base, atMs: Date.now(), statusCode: null, error: 'not sent: the endpoint is disabled', durationMs: 0, outcome: 'disabled' });
      throw new UnrecoverableError('the endpoint is disabled');
    }

    const atMs = Date.now();
    const headers = webhookHeaders(endpoint.secret, messageId, Math.floor(atMs / 1000), payload);
    const res = await sendWebhookRequest(endpoint.url, headers, payload, { guard: this.guard, timeoutMs: this.timeoutMs });
    const entry = { ...base, atMs, statusCode: res.statusCode, durationMs: res.durationMs };

    if (res.statusCode !== null && res.statusCode >= 200 && res.statusCode < 300) {
      await this.record(endpoint, { ...entry, error: null, outcome: 'delivered' });
      return 'delivered';
    }
    if (res.statusCode === 410) {
      const reason = `the receiver answered 410 Gone on ${new Date(atMs).toISOString()}`;
      const disabled = await this.store.update(endpoint.id, { status: 'disabled', disabledReason: reason }, { ifUrl: endpoint.url });
      if (!disabled) {
        // Its owner pointed it elsewhere meanwhile: the old URL's 410 ends this message, not the endpoint.
        await this.record(endpoint, { ...entry, error: 'HTTP 410 from a URL the endpoint no longer has; not retried', outcome: 'dead' });
        throw new UnrecoverableError('410 Gone from a replaced URL');
      }
      await this.record(endpoint, { ...entry, error: 'HTTP 410 Gone: endpoint disabled', outcome: 'disabled' });
      this.log('warn', 'webhook endpoint disabled by a 410 Gone', { endpointId, owner: endpoint.owner });
      throw new UnrecoverableError(reason);
    }
    const error = describeFailure(res);
    await this.record(endpoint, { ...entry, error, outcome: isLast ? 'dead' : 'retrying' });
    if (isLast) throw new UnrecoverableError(error);
    throw new DeliveryAttemptError(error, parseRetryAfterMs(res.headers['retry-after'], Date.now()));
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

function deliveriesCounter(registry: Registry): Counter<'outcome'> {
  const existing = registry.getSingleMetric(METRIC);
  if (existing) return existing as Counter<'outcome'>;
  const counter = new Counter({ name: METRIC, help: 'Webhook delivery attempts by outcome (delivered, retrying, dead, disabled)', labelNames: ['outcome'] as const, registers: [registry] });
  for (const outcome of DELIVERY_OUTCOMES) counter.inc({ outcome }, 0);
  return counter;
}

