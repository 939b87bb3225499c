/**
 * What one attempt led to: `delivered` (2xx), `retrying` (failed, another attempt is scheduled),
 * `dead` (failed, and it was the last attempt), `disabled` (the receiver answered 410 Gone and the
 * endpoint was disabled, or the endpoint was already disabled and the message was dropped).
 */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'dead' | 'disabled';

export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'retrying', 'dead', 'disabled'];

/** One entry of an endpoint's delivery log: every attempt is logged. */
export interface DeliveryAttempt {
  /** The message id (`webhook-id` header): the same for every attempt at one alert. */
  deliveryId: string;
  alertId: string;
  /** 1-based. */
  attempt: number;
  /** When the attempt started, epoch ms (processing time). */
  atMs: number;
  /** The receiver's HTTP status; null when no response arrived (refused, timed out, connection error). */
  statusCode: number | null;
  /** What went wrong, for a person; null when delivered. */
  error: string | null;
  durationMs: number;
  outcome: DeliveryOutcome;
}

/** A logged attempt with its place in the log (newest = highest). */
export interface LoggedDeliveryAttempt extends DeliveryAttempt {
  seq: number;
}

/** A JSON log line, the shape every tickflow app logs in (`AppLog` of the Kafka apps). */
export type WebhookLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
