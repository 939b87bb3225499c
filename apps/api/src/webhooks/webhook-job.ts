import { createHash } from 'node:crypto';
import type { PriceAlert } from '@tickflow/schemas';
import { matchesAlert, type WebhookEndpoint } from './webhook-endpoint';

/** One message to one endpoint, as queued. The body is fixed at dispatch: every attempt sends the same bytes. */
export interface WebhookJobData {
  endpointId: string;
  alertId: string;
  /** The `webhook-id` header, the same on every attempt (see `webhookMessageId`). */
  messageId: string;
  /** The JSON body. */
  payload: string;
}

/** The job's backoff type; the worker's `settings.backoffStrategy` computes its delays. */
export const WEBHOOK_BACKOFF_TYPE = 'tickflow-webhook';

/** The event type in every payload. */
export const PRICE_ALERT_EVENT_TYPE = 'alert.price_movement';

/**
 * The bullmq job id of an alert for an endpoint: the alert id is the idempotency key, so an alert
 * dispatched twice (a Kafka redelivery, two API instances) is queued once. bullmq refuses ids
 * holding a single `:` and alert ids contain several (`pa:AAPL:…`), so the alert id is
 * percent-encoded after a `.` (`wh_….pa%3AAAPL%3A…`), which keeps the id readable and one-to-one.
 */
export function webhookJobId(endpointId: string, alertId: string): string {
  return `${endpointId}.${encodeURIComponent(alertId)}`;
}

/**
 * The `webhook-id` of an alert's message to an endpoint: derived, not random, so even a delivery
 * repeated after the queue forgot the first (past its retention) carries the id the receiver saw.
 */
export function webhookMessageId(endpointId: string, alertId: string): string {
  return `msg_${createHash('sha256').update(`${endpointId}\n${alertId}`).digest('base64url').slice(0, 27)}`;
}

/**
 * The body of a price alert webhook, in the Standard Webhooks shape: `type`, `timestamp` (when
 * the alert was detected, ISO-8601 UTC) and `data` (the PriceAlert event as on
 * `alerts.price-movement`: Avro field names, epoch-ms times).
 */
export function priceAlertPayload(alert: PriceAlert): string {
  const detected = new Date(alert.detected_at_ms);
  const timestamp = Number.isNaN(detected.getTime()) ? null : detected.toISOString();
  return JSON.stringify({ type: PRICE_ALERT_EVENT_TYPE, timestamp, data: alert });
}

/** One message to queue: its id (the idempotency key) and its data. */
export interface WebhookJob {
  /** `webhookJobId(endpointId, alertId)`: a second job with this id within the dedup window is dropped. */
  jobId: string;
  data: WebhookJobData;
}

/**
 * The messages an alert makes: one per endpoint whose filters take it (`matchesAlert`: active;
 * symbols null or holding the alert's symbol; severity at least its minimum), in `endpoints`'
 * order, all with the same body. Every transport queues exactly these.
 */
export function alertWebhookJobs(alert: PriceAlert, endpoints: readonly WebhookEndpoint[]): WebhookJob[] {
  const matching = endpoints.filter((e) => matchesAlert(e, alert));
  if (matching.length === 0) return [];
  const payload = priceAlertPayload(alert);
  return matching.map((e) => ({
    jobId: webhookJobId(e.id, alert.alert_id),
    data: { endpointId: e.id, alertId: alert.alert_id, messageId: webhookMessageId(e.id, alert.alert_id), payload },
  }));
}
