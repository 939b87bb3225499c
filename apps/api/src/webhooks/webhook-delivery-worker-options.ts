import type { WebhookDelivererOptions } from './webhook-deliverer-options';
import type { WebhookQueueOptions } from './webhook-queue-options';

/** The bullmq transport: where its queue is, how it delivers (`WebhookDelivererOptions`), how many at once. */
export interface WebhookDeliveryWorkerOptions extends WebhookQueueOptions, WebhookDelivererOptions {
  /** Deliveries in flight at once in this process. @defaultValue 10 */
  concurrency?: number;
}
