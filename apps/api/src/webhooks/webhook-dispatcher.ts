import { Queue } from 'bullmq';
import type { PriceAlert } from '@tickflow/schemas';
import { alertWebhookJobs, WEBHOOK_BACKOFF_TYPE, type WebhookJobData } from './webhook-job';
import type { WebhookDispatcherOptions } from './webhook-dispatcher-options';
import { DEFAULT_WEBHOOK_QUEUE_NAME, DEFAULT_WEBHOOK_QUEUE_PREFIX } from './webhook-queue-options';
import type { WebhookStore } from './webhook-store';

/** What `dispatch` needs of a dispatcher; the Kafka source depends on this, not on bullmq. */
export interface AlertDispatchTarget {
  dispatch(alert: PriceAlert): Promise<DispatchResult>;
}

export interface DispatchResult {
  /** Endpoints whose filters took the alert; a job was added for each unless one already existed. */
  endpointIds: string[];
}

/**
 * Turns an alert into one queued message per matching endpoint (active; symbols null or holding
 * the alert's symbol; severity at least `min_severity`). The job id is endpoint + alert id, so
 * dispatching an alert again within `dedupWindowSec` adds nothing. Resolves once the jobs are in
 * Redis: the caller may then commit the alert's offset.
 */
export class WebhookDispatcher implements AlertDispatchTarget {
  readonly queue: Queue<WebhookJobData>;
  private readonly store: WebhookStore;
  private readonly attempts: number;
  private readonly keepDoneSec: number;
  private readonly keepDeadSec: number;

  constructor(opts: WebhookDispatcherOptions) {
    this.store = opts.store;
    this.attempts = opts.attempts ?? 8;
    this.keepDoneSec = opts.dedupWindowSec ?? 86_400;
    this.keepDeadSec = opts.keepDeadSec ?? 7 * 86_400;
    if (!Number.isSafeInteger(this.attempts) || this.attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${this.attempts}`);
    this.queue = new Queue<WebhookJobData>(opts.queueName ?? DEFAULT_WEBHOOK_QUEUE_NAME, {
      connection: opts.connection,
      prefix: opts.prefix ?? DEFAULT_WEBHOOK_QUEUE_PREFIX,
    });
    const log = opts.log;
    this.queue.on('error', (err) => log?.('error', 'webhook queue error', { error: err.message }));
  }

  async dispatch(alert: PriceAlert): Promise<DispatchResult> {
    const jobs = alertWebhookJobs(alert, await this.store.listActive());
    if (jobs.length === 0) return { endpointIds: [] };
    await this.queue.addBulk(
      jobs.map(({ jobId, data }) => ({
        name: 'price-alert',
        data,
        opts: {
          jobId,
          attempts: this.attempts,
          backoff: { type: WEBHOOK_BACKOFF_TYPE },
          removeOnComplete: { age: this.keepDoneSec },
          removeOnFail: { age: this.keepDeadSec },
        },
      })),
    );
    return { endpointIds: jobs.map((j) => j.data.endpointId) };
  }

  /** Closes the queue's connections (not a connection instance passed in). */
  async close(): Promise<void> {
    await this.queue.close();
  }
}
