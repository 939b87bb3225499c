import type { EachBatchPayload } from 'kafkajs';
import type { BusConsumer } from '@tickflow/kafka';
import { TOPICS } from '@tickflow/operators';
import { decode, type PriceAlert } from '@tickflow/schemas';
import type { WebhookLog } from './delivery-attempt';
import type { AlertWebhookSourceOptions } from './alert-webhook-source-options';

export const DEFAULT_WEBHOOKS_GROUP = 'tickflow-webhooks';

/**
 * Feeds webhooks from Kafka: consumes `<prefix>alerts.price-movement` read_committed in one group
 * shared by every API instance, decodes each record (an undecodable one is logged and skipped,
 * never fatal), dispatches it, and commits a partition's offsets only after every alert before
 * them is in the queue. While the queue's Redis is down it retries the same alert, so none is
 * skipped; after a crash the uncommitted alerts are dispatched again and the job ids drop them.
 */
export class AlertWebhookSource {
  readonly topic: string;
  private consumer: BusConsumer | null = null;
  private stopping = false;
  private readonly log: WebhookLog;

  constructor(private readonly opts: AlertWebhookSourceOptions) {
    this.topic = (opts.topicPrefix ?? '') + TOPICS.priceAlerts;
    this.log = opts.log ?? (() => undefined);
  }

  /**
   * Joins the group and starts consuming; resolves once the consumer runs.
   * @throws Error when the topic does not exist (the broker does not create it here).
   */
  async start(): Promise<void> {
    const consumer = this.opts.kafka.consumer({ groupId: this.opts.groupId ?? DEFAULT_WEBHOOKS_GROUP, readUncommitted: false, maxWaitTimeInMs: 500, sessionTimeout: 30_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => this.log('error', 'alert webhook consumer crashed', { error: payload.error.message, restart: payload.restart }));
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [this.topic], fromBeginning: this.opts.fromBeginning ?? false });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      const missing = (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION';
      throw new Error(missing ? `the topic ${this.topic} does not exist; create the topics first (tickflow topics --create)` : `could not subscribe to ${this.topic}: ${(err as Error).message}`, { cause: err });
    }
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p) });
  }

  /** Finishes the alert in hand, commits what is queued and leaves the group (SIGTERM). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    this.consumer = null;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const running = (): boolean => isRunning() && !isStale() && !this.stopping;
    let next: number | null = null;
    let complete = true;
    for (const m of batch.messages) {
      if (!running()) {
        complete = false;
        break;
      }
      const decoded = m.value ? decode('PriceAlert', m.value) : null;
      if (decoded?.ok) {
        if (!(await this.dispatchUntilQueued(decoded.value, running, heartbeat))) {
          complete = false;
          break;
        }
      } else {
        this.log('warn', 'undecodable price alert skipped', { topic: batch.topic, partition: batch.partition, offset: m.offset, error: decoded ? decoded.error.message : 'the record has no value' });
      }
      resolveOffset(m.offset);
      next = Number(m.offset) + 1;
      await heartbeat();
    }
    // Transaction markers after the last record carry nothing: commit past them too, or the lag never reaches 0.
    if (complete) next = Math.max(next ?? 0, Number(batch.lastOffset()) + 1);
    if (next !== null && next > 0) await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]);
  }

  /** True once the alert is queued; false when the consumer stopped first (the alert stays uncommitted). */
  private async dispatchUntilQueued(alert: PriceAlert, running: () => boolean, heartbeat: () => Promise<void>): Promise<boolean> {
    for (;;) {
      try {
        await this.opts.dispatcher.dispatch(alert);
        return true;
      } catch (err) {
        this.log('error', 'could not queue webhooks for an alert; retrying', { alertId: alert.alert_id, error: err instanceof Error ? err.message : String(err) });
      }
      const until = Date.now() + (this.opts.retryDelayMs ?? 1000);
      while (Date.now() < until) {
        if (!running()) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
      await heartbeat().catch(() => undefined);
    }
  }
}
