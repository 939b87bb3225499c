import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { WebhookLog } from './delivery-attempt';
import { WebhookDeliverer } from './webhook-deliverer';
import type { WebhookDeliveryWorkerOptions } from './webhook-delivery-worker-options';
import { WEBHOOK_BACKOFF_TYPE, type WebhookJobData } from './webhook-job';
import { DEFAULT_WEBHOOK_QUEUE_NAME, DEFAULT_WEBHOOK_QUEUE_PREFIX } from './webhook-queue-options';

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

/**
 * Delivers queued webhook messages (bullmq worker, the cluster profile): each job attempt is one
 * `WebhookDeliverer.attempt` — read the endpoint as it is now, sign, POST once through the dial-time
 * SSRF guard, log — whose result maps onto bullmq: `done` completes the job, `retry` throws a
 * `DeliveryAttemptError` (the backoff strategy reads its Retry-After), `failed` throws an
 * `UnrecoverableError` (the job fails at once: dead, or disabled by a 410). Pending retries live
 * in Redis, so they survive a restart. `close()` lets attempts in flight finish (SIGTERM).
 */
export class WebhookDeliveryWorker {
  readonly worker: Worker<WebhookJobData>;
  private readonly deliverer: WebhookDeliverer;
  private readonly log: WebhookLog;

  constructor(opts: WebhookDeliveryWorkerOptions) {
    this.deliverer = new WebhookDeliverer(opts);
    this.log = opts.log ?? (() => undefined);
    const deliverer = this.deliverer;
    this.worker = new Worker<WebhookJobData>(opts.queueName ?? DEFAULT_WEBHOOK_QUEUE_NAME, (job) => this.deliver(job), {
      connection: opts.connection,
      prefix: opts.prefix ?? DEFAULT_WEBHOOK_QUEUE_PREFIX,
      concurrency: opts.concurrency ?? 10,
      // The lock must outlive the slowest attempt, or a second worker would start the same one.
      lockDuration: Math.max(30_000, 2 * deliverer.timeoutMs + 5_000),
      settings: {
        backoffStrategy: (attemptsMade, type, err) => {
          if (type !== WEBHOOK_BACKOFF_TYPE) return 0;
          const retryAfterMs = err instanceof DeliveryAttemptError ? err.retryAfterMs : null;
          return deliverer.retryDelayMs(attemptsMade, retryAfterMs);
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
    const result = await this.deliverer.attempt(job.data, job.attemptsMade + 1, job.opts.attempts ?? 1);
    switch (result.kind) {
      case 'done':
        return result.detail;
      case 'retry':
        throw new DeliveryAttemptError(result.error, result.retryAfterMs);
      case 'failed':
        throw new UnrecoverableError(result.error);
    }
  }
}
