import type { WebhookDelivererOptions } from './webhook-deliverer-options';

/**
 * The in-process transport (embedded profile): how it delivers (`WebhookDelivererOptions`, as the
 * bullmq worker) and what `WebhookDispatcher` + `WebhookDeliveryWorker` would otherwise decide.
 */
export interface InProcessWebhookQueueOptions extends WebhookDelivererOptions {
  /** Attempts per message, the first included; after the last failed one the delivery is dead. @defaultValue 8 */
  attempts?: number;
  /** Deliveries in flight at once. @defaultValue 10 */
  concurrency?: number;
  /**
   * How long a delivered message is remembered, seconds: the window in which the same alert
   * dispatched again is recognised by endpoint + alert id and dropped.
   * @defaultValue 86400 (a day)
   */
  dedupWindowSec?: number;
  /** How long a dead (failed) message is remembered, seconds (its alert is not re-sent meanwhile either). @defaultValue 604800 (7 days) */
  keepDeadSec?: number;
  /**
   * Messages waiting, waiting for a retry or in flight, at most. A dispatch that would exceed it
   * throws (`WebhookQueueFullError`) and queues nothing, as a dispatch to an unreachable Redis
   * does: the alert source retries it, so memory stays bounded while receivers are down.
   * @defaultValue 10000
   */
  maxPending?: number;
}
