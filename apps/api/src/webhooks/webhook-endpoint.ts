import { randomBytes } from 'node:crypto';
import type { AlertSeverity, PriceAlert } from '@tickflow/schemas';

export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['MEDIUM', 'HIGH', 'CRITICAL'];

/** MEDIUM < HIGH < CRITICAL. */
export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { MEDIUM: 0, HIGH: 1, CRITICAL: 2 };

export type WebhookStatus = 'active' | 'disabled';

/** A registered webhook endpoint as stored. Times are epoch ms (processing time). */
export interface WebhookEndpoint {
  /** `wh_` + 20 hex digits. */
  id: string;
  /** The API key owner who registered it; only that owner sees or changes it. */
  owner: string;
  url: string;
  description: string;
  /** Only alerts for these symbols; null = every symbol. */
  symbols: string[] | null;
  /** Only alerts at least this severe. */
  minSeverity: AlertSeverity;
  /** `whsec_…`: signs every delivery; shown to the owner once, at creation. */
  secret: string;
  /** A disabled endpoint receives nothing until its owner sets it active again. */
  status: WebhookStatus;
  /** Why it was disabled (a 410 from the receiver, or its owner); null while active. */
  disabledReason: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

/** What an owner may change (PATCH). */
export type WebhookEndpointPatch = Partial<Pick<WebhookEndpoint, 'url' | 'description' | 'symbols' | 'minSeverity' | 'status' | 'disabledReason'>>;

export const WEBHOOK_ID_PATTERN = /^wh_[0-9a-f]{20}$/;

export function newWebhookId(): string {
  return `wh_${randomBytes(10).toString('hex')}`;
}

/** True when the endpoint is active and its filters take the alert. */
export function matchesAlert(endpoint: WebhookEndpoint, alert: Pick<PriceAlert, 'symbol' | 'severity'>): boolean {
  if (endpoint.status !== 'active') return false;
  if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[endpoint.minSeverity]) return false;
  return endpoint.symbols === null || endpoint.symbols.includes(alert.symbol);
}
