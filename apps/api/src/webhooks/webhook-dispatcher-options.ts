import type { WebhookLog } from './delivery-attempt';
import type { WebhookQueueOptions } from './webhook-queue-options';
import type { WebhookStore } from './webhook-store';

export interface WebhookDispatcherOptions extends WebhookQueueOptions {
  store: WebhookStore;
  /** Attempts per message, the first included; after the last failed one the delivery is dead. @defaultValue 8 */
  attempts?: number;
  /**
   * How long a delivered message's job is kept, seconds: the window in which the same alert
   * dispatched again (a Kafka redelivery after a crash) is recognised by its job id and dropped.
   * @defaultValue 86400 (a day)
   */
  dedupWindowSec?: number;
  /** How long a dead message's job is kept, seconds (its alert is not re-sent meanwhile either). @defaultValue 604800 (7 days) */
  keepDeadSec?: number;
  /** @defaultValue silent */
  log?: WebhookLog;
}
