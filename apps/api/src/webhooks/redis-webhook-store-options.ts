export interface RedisWebhookStoreOptions {
  /**
   * Prepended to every key (`<prefix>webhooks:…`); tests use one of their own.
   * @defaultValue 'tickflow:'
   */
  prefix?: string;
  /**
   * Entries kept per endpoint's delivery log; older ones are dropped as new attempts arrive.
   * @defaultValue 1000
   */
  maxLogEntries?: number;
}
