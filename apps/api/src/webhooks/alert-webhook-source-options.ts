import type { BusClient } from '@tickflow/kafka';
import type { WebhookLog } from './delivery-attempt';
import type { AlertDispatchTarget } from './webhook-dispatcher';

export interface AlertWebhookSourceOptions {
  /** The bus: a Kafka client, or the embedded profile's `InProcessKafka`. */
  kafka: BusClient;
  /** Usually a `WebhookDispatcher`. */
  dispatcher: AlertDispatchTarget;
  /** Prepended to `alerts.price-movement` (`TICKFLOW_TOPIC_PREFIX`). @defaultValue '' */
  topicPrefix?: string;
  /**
   * The consumer group. One fixed group for every API instance, so each alert is dispatched by
   * one of them (the job id absorbs the rare repeat after a rebalance).
   * @defaultValue 'tickflow-webhooks'
   */
  groupId?: string;
  /**
   * Where the group starts when it has no committed offset yet: false = alerts from now on (a new
   * deployment does not replay a week of alerts to today's endpoints).
   * @defaultValue false
   */
  fromBeginning?: boolean;
  /** While the queue (Redis) refuses an enqueue, wait this long before trying again, ms. @defaultValue 1000 */
  retryDelayMs?: number;
  /** @defaultValue silent */
  log?: WebhookLog;
}
