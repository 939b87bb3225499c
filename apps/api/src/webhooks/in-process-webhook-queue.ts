import type { PriceAlert } from '@tickflow/schemas';
import type { WebhookLog } from './delivery-attempt';
import type { InProcessWebhookQueueOptions } from './in-process-webhook-queue-options';
import { WebhookDeliverer, type WebhookAttemptResult } from './webhook-deliverer';
import type { AlertDispatchTarget, DispatchResult } from './webhook-dispatcher';
import { alertWebhookJobs, webhookJobId, type WebhookJobData } from './webhook-job';
import type { WebhookStore } from './webhook-store';

/** A message's state, named as bullmq names a job's. */
export type InProcessMessageState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

/** A dispatch refused because `maxPending` messages are pending already; nothing of it was queued. */
export class WebhookQueueFullError extends Error {
  readonly code = 'WEBHOOK_QUEUE_FULL';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookQueueFullError';
  }
}

interface Message {
  readonly jobId: string;
  readonly data: WebhookJobData;
  /** Attempts finished so far. */
  attemptsMade: number;
  state: 'waiting' | 'delayed' | 'active';
  /** The pending retry of a delayed message. */
  timer: NodeJS.Timeout | null;
}

/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Webhook delivery without Redis (the embedded profile): the `WebhookDispatcher` and
 * `WebhookDeliveryWorker` pair in one object, holding its messages in memory. The policy is theirs,
 * by construction: the same messages (`alertWebhookJobs`: filters, message id, body), the same
 * idempotency (an alert dispatched again for an endpoint within `dedupWindowSec` of its delivery —
 * `keepDeadSec` of its death — or while it is still pending adds nothing), and each attempt is
 * `WebhookDeliverer.attempt` — signing, the dial-time SSRF guard, outcomes and delivery log, 410
 * disables, redirects not followed, dead after `attempts` — retried after
 * `WebhookDeliverer.retryDelayMs` (full jitter or Retry-After) as bullmq's backoff strategy is.
 * A store failure before sending counts as a failed attempt without a log entry, as a throwing
 * bullmq processor does. At most `concurrency` attempts run at once; retries are timers.
 *
 * Unlike bullmq, nothing survives the process: `dispatch` resolves once the messages are queued in
 * memory, and `close()` (or a crash) drops every message waiting or waiting for a retry — an
 * embedded-profile restart loses pending retries, and the dedup memory; the cluster profile keeps
 * both in Redis. `close()` lets the attempts in flight finish (each within `timeoutMs`).
 */
export class InProcessWebhookQueue implements AlertDispatchTarget {
  private readonly deliverer: WebhookDeliverer;
  private readonly store: WebhookStore;
  private readonly log: WebhookLog;
  private readonly attempts: number;
  private readonly concurrency: number;
  private readonly dedupWindowMs: number;
  private readonly keepDeadMs: number;
  private readonly maxPending: number;
  /** Messages not finished yet, by job id (`webhookJobId`). */
  private readonly pending = new Map<string, Message>();
  /** Finished messages: job id → when it is forgotten (epoch ms), in the order they finished. */
  private readonly completed = new Map<string, number>();
  private readonly failed = new Map<string, number>();
  /** Messages due for an attempt, oldest first, from `readyHead` on. */
  private ready: Message[] = [];
  private readyHead = 0;
  private active = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private dropped = 0;

  /** @throws RangeError when a number is out of range. */
  constructor(opts: InProcessWebhookQueueOptions) {
    this.deliverer = new WebhookDeliverer(opts);
    this.store = opts.store;
    this.log = opts.log ?? (() => undefined);
    this.attempts = opts.attempts ?? 8;
    this.concurrency = opts.concurrency ?? 10;
    this.maxPending = opts.maxPending ?? 10_000;
    const dedupWindowSec = opts.dedupWindowSec ?? 86_400;
    const keepDeadSec = opts.keepDeadSec ?? 7 * 86_400;
    for (const [name, v] of Object.entries({ attempts: this.attempts, concurrency: this.concurrency, maxPending: this.maxPending })) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
    }
    for (const [name, v] of Object.entries({ dedupWindowSec, keepDeadSec })) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer (s), got ${v}`);
    }
    this.dedupWindowMs = dedupWindowSec * 1000;
    this.keepDeadMs = keepDeadSec * 1000;
  }

  /**
   * Queues one message per matching endpoint (none for one already pending or remembered) and
   * starts delivering. Resolves once they are queued in memory.
   * @throws WebhookQueueFullError when they would exceed `maxPending` (nothing is queued; try again later).
   * @throws Error after `close()`.
   */
  async dispatch(alert: PriceAlert): Promise<DispatchResult> {
    this.assertOpen();
    const jobs = alertWebhookJobs(alert, await this.store.listActive());
    if (jobs.length === 0) return { endpointIds: [] };
    this.assertOpen();
    const now = Date.now();
    this.forgetExpired(now);
    const fresh = jobs.filter((j) => !this.knows(j.jobId, now));
    if (this.pending.size + fresh.length > this.maxPending) {
      throw new WebhookQueueFullError(`${this.pending.size} webhook messages are pending (at most ${this.maxPending}); alert ${alert.alert_id} was not queued`);
    }
    for (const { jobId, data } of fresh) {
      const message: Message = { jobId, data, attemptsMade: 0, state: 'waiting', timer: null };
      this.pending.set(jobId, message);
      this.ready.push(message);
    }
    this.pump();
    return { endpointIds: jobs.map((j) => j.data.endpointId) };
  }

  /** Where the message of `alertId` to `endpointId` is, as bullmq's `job.getState()`; null when unknown or forgotten. */
  getState(endpointId: string, alertId: string): InProcessMessageState | null {
    const jobId = webhookJobId(endpointId, alertId);
    const message = this.pending.get(jobId);
    if (message) return message.state;
    const now = Date.now();
    if ((this.completed.get(jobId) ?? 0) > now) return 'completed';
    if ((this.failed.get(jobId) ?? 0) > now) return 'failed';
    return null;
  }

  /** Pending messages by state. */
  counts(): { waiting: number; delayed: number; active: number } {
    const counts = { waiting: 0, delayed: 0, active: 0 };
    for (const m of this.pending.values()) counts[m.state]++;
    return counts;
  }

  /**
   * Stops: refuses further dispatches, drops every message waiting or waiting for a retry (logged
   * with their number), and resolves once the attempts in flight have finished and been logged.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const m of this.pending.values()) {
        if (m.state === 'active') continue;
        if (m.timer) clearTimeout(m.timer);
        this.pending.delete(m.jobId);
        this.dropped++;
      }
      this.ready = [];
      this.readyHead = 0;
      await Promise.all([...this.inFlight]);
      if (this.dropped > 0) this.log('warn', 'webhook messages dropped at shutdown: the embedded profile holds pending deliveries in memory', { dropped: this.dropped });
    }
    await Promise.all([...this.inFlight]);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-process webhook queue is closed');
  }

  private knows(jobId: string, now: number): boolean {
    return this.pending.has(jobId) || (this.completed.get(jobId) ?? 0) > now || (this.failed.get(jobId) ?? 0) > now;
  }

  /** Forgets finished messages past their window (the maps are in finishing order, so from the front). */
  private forgetExpired(now: number): void {
    for (const finished of [this.completed, this.failed]) {
      for (const [jobId, until] of finished) {
        if (until > now) break;
        finished.delete(jobId);
      }
    }
  }

  private pump(): void {
    while (!this.closed && this.active < this.concurrency && this.readyHead < this.ready.length) {
      const message = this.ready[this.readyHead++]!;
      if (this.readyHead === this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      } else if (this.readyHead >= 1024 && this.readyHead * 2 >= this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      this.start(message);
    }
  }

  private start(message: Message): void {
    message.state = 'active';
    this.active++;
    const run: Promise<void> = this.runAttempt(message)
      .catch((err: unknown) => this.log('error', 'webhook queue error', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.active--;
        this.inFlight.delete(run);
        this.pump();
      });
    this.inFlight.add(run);
  }

  private async runAttempt(message: Message): Promise<void> {
    const attempt = message.attemptsMade + 1;
    let result: WebhookAttemptResult;
    try {
      result = await this.deliverer.attempt(message.data, attempt, this.attempts);
    } catch (err) {
      // The store failed before anything was sent: bullmq retries a throwing processor with the
      // backoff (no Retry-After) and fails it after the last attempt; so does this queue.
      const error = err instanceof Error ? err.message : String(err);
      this.log('error', 'webhook delivery attempt failed before sending', { endpointId: message.data.endpointId, alertId: message.data.alertId, attempt, error });
      result = attempt < this.attempts ? { kind: 'retry', error, retryAfterMs: null } : { kind: 'failed', error };
    }
    message.attemptsMade = attempt;
    if (result.kind !== 'retry') {
      this.finish(message, result.kind === 'done' ? this.completed : this.failed, result.kind === 'done' ? this.dedupWindowMs : this.keepDeadMs);
      return;
    }
    if (this.closed) {
      this.pending.delete(message.jobId);
      this.dropped++;
      return;
    }
    const delayMs = this.deliverer.retryDelayMs(attempt, result.retryAfterMs);
    if (delayMs <= 0) {
      message.state = 'waiting';
      this.ready.push(message); // `start` pumps when this attempt's promise settles
      return;
    }
    message.state = 'delayed';
    message.timer = setTimeout(
      () => {
        message.timer = null;
        if (this.closed) return;
        message.state = 'waiting';
        this.ready.push(message);
        this.pump();
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
  }

  private finish(message: Message, into: Map<string, number>, keepMs: number): void {
    this.pending.delete(message.jobId);
    this.completed.delete(message.jobId);
    this.failed.delete(message.jobId);
    into.set(message.jobId, Date.now() + keepMs); // at the end: the maps stay in finishing order
  }
}
