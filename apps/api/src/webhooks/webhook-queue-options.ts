import type { ConnectionOptions } from 'bullmq';

export const DEFAULT_WEBHOOK_QUEUE_NAME = 'webhook-deliveries';
export const DEFAULT_WEBHOOK_QUEUE_PREFIX = 'tickflow';

/** Where the delivery queue lives; the dispatcher and the worker must agree on all three. */
export interface WebhookQueueOptions {
  /**
   * bullmq's Redis. An ioredis instance must be created with `maxRetriesPerRequest: null` (workers
   * block on it); bullmq duplicates it for its blocking calls and leaves the instance itself open.
   */
  connection: ConnectionOptions;
  /** @defaultValue 'webhook-deliveries' */
  queueName?: string;
  /** bullmq's key prefix (`<prefix>:<queueName>:…`); tests use one of their own. @defaultValue 'tickflow' */
  prefix?: string;
}
