import type { DeliveryAttempt, LoggedDeliveryAttempt } from './delivery-attempt';
import type { WebhookEndpoint, WebhookEndpointPatch } from './webhook-endpoint';

/**
 * Where webhook endpoints and their delivery logs live, shared by the CRUD routes and delivery.
 * One implementation per backend: `RedisWebhookStore` (cluster: every API instance and worker) and
 * `FileWebhookStore` (embedded: one process). Both pass `testing/webhook-store-contract.ts`.
 */
export interface WebhookStore {
  create(endpoint: WebhookEndpoint): Promise<void>;
  /** Any owner's endpoint: callers serving an owner check `owner` themselves. */
  get(id: string): Promise<WebhookEndpoint | null>;
  /** The owner's endpoints, oldest first. */
  listByOwner(owner: string): Promise<WebhookEndpoint[]>;
  /** Every active endpoint (the dispatcher filters them per alert). */
  listActive(): Promise<WebhookEndpoint[]>;
  /**
   * Applies `patch` atomically if the endpoint exists and, with `ifUrl`, still has that URL (so a
   * 410 from an old URL cannot disable an endpoint its owner just pointed elsewhere).
   * @returns the endpoint after the change, or null when it is gone or its URL differs.
   */
  update(id: string, patch: WebhookEndpointPatch, opts?: { ifUrl?: string; nowMs?: number }): Promise<WebhookEndpoint | null>;
  /** Deletes the endpoint and its delivery log. @returns false when there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * Appends to the endpoint's delivery log (capped: the oldest entries go). Nothing is written for
   * an endpoint that no longer exists. @returns false in that case.
   */
  appendAttempt(endpointId: string, attempt: DeliveryAttempt): Promise<boolean>;
  /** Newest first; `beforeSeq` continues a previous page (entries with a lower `seq`). */
  listAttempts(endpointId: string, opts: { limit: number; beforeSeq?: number }): Promise<LoggedDeliveryAttempt[]>;
}
