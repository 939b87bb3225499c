/**
 * Signed alert webhooks (design §5, issue 5 item 6): registration with an SSRF guard, a store with
 * a delivery log (Redis, or a JSON file in the embedded profile), delivery (Standard Webhooks
 * signatures, backoff, dead state) through a bullmq queue and worker or an in-process queue, and
 * the Kafka source that feeds it. See README.md for the wiring.
 */
export { AddressPolicy, BLOCKED_IPV4_RANGES, BLOCKED_IPV6_RANGES, blockedRangeOf, parseCidrList } from './address-policy';
export type { AddressVerdict, BlockedRange } from './address-policy';
export { AlertWebhookSource, DEFAULT_WEBHOOKS_GROUP } from './alert-webhook-source';
export type { AlertWebhookSourceOptions } from './alert-webhook-source-options';
export { DELIVERY_OUTCOMES } from './delivery-attempt';
export type { DeliveryAttempt, DeliveryOutcome, LoggedDeliveryAttempt, WebhookLog } from './delivery-attempt';
export { parseRetryAfterMs, retryDelayMs } from './delivery-backoff';
export { DEFAULT_WEBHOOKS_FILE, FileWebhookStore } from './file-webhook-store';
export type { FileWebhookStoreOptions } from './file-webhook-store-options';
export { InProcessWebhookQueue, WebhookQueueFullError } from './in-process-webhook-queue';
export type { InProcessMessageState } from './in-process-webhook-queue';
export type { InProcessWebhookQueueOptions } from './in-process-webhook-queue-options';
export { RedisWebhookStore } from './redis-webhook-store';
export type { RedisWebhookStoreOptions } from './redis-webhook-store-options';
export { UnsafeAddressError, UrlGuard } from './url-guard';
export type { UrlCheck } from './url-guard';
export type { HostResolver, ResolvedAddress, UrlGuardOptions } from './url-guard-options';
export { WebhookDeliverer, webhookDeliveriesCounter } from './webhook-deliverer';
export type { WebhookAttemptResult } from './webhook-deliverer';
export type { WebhookDelivererOptions } from './webhook-deliverer-options';
export { DeliveryAttemptError, WebhookDeliveryWorker } from './webhook-delivery-worker';
export type { WebhookDeliveryWorkerOptions } from './webhook-delivery-worker-options';
export { WebhookDispatcher } from './webhook-dispatcher';
export type { AlertDispatchTarget, DispatchResult } from './webhook-dispatcher';
export type { WebhookDispatcherOptions } from './webhook-dispatcher-options';
export { ALERT_SEVERITIES, matchesAlert, SEVERITY_RANK } from './webhook-endpoint';
export type { WebhookEndpoint, WebhookEndpointPatch, WebhookStatus } from './webhook-endpoint';
export { alertWebhookJobs, PRICE_ALERT_EVENT_TYPE, priceAlertPayload, webhookJobId, webhookMessageId } from './webhook-job';
export type { WebhookJob, WebhookJobData } from './webhook-job';
export { DEFAULT_WEBHOOK_QUEUE_NAME, DEFAULT_WEBHOOK_QUEUE_PREFIX } from './webhook-queue-options';
export type { WebhookQueueOptions } from './webhook-queue-options';
export { loadWebhookSettings, WEBHOOK_FLAGS, WEBHOOK_SETTINGS_HELP } from './webhook-settings';
export type { WebhookSettings } from './webhook-settings';
export { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';
export type { WebhookStore } from './webhook-store';
export { webhooksFeature } from './webhooks-feature';
export type { DeliveryAttemptView, WebhookEndpointView } from './webhooks-feature';
export type { WebhooksFeatureOptions } from './webhooks-feature-options';
