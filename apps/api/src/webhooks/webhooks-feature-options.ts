import type { UrlGuard } from './url-guard';
import type { WebhookStore } from './webhook-store';

export interface WebhooksFeatureOptions {
  store: WebhookStore;
  /** Checks URLs at registration and on every URL change. */
  guard: UrlGuard;
  /** Endpoints one owner may register; one more is a 409. @defaultValue 25 */
  maxEndpointsPerOwner?: number;
}
