import type { WebhookLog } from './delivery-attempt';

/** How a `FileWebhookStore` keeps its file (the path itself is `open`'s first argument). */
export interface FileWebhookStoreOptions {
  /**
   * Entries kept per endpoint's delivery log; older ones are dropped as new attempts arrive.
   * @defaultValue 1000
   */
  maxLogEntries?: number;
  /**
   * Delivery-log appends are written at most this long after they happen, ms: a burst of attempts
   * costs one rewrite of the file, not one each. Endpoint changes are written before they resolve.
   * @defaultValue 200
   */
  flushDelayMs?: number;
  /** Where a background write that failed is reported (it is tried again). @defaultValue silent */
  log?: WebhookLog;
}
