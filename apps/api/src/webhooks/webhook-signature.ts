import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks secrets: `whsec_` + base64 of the key bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A fresh endpoint secret: `whsec_` + base64 of 32 random bytes. Shown to its owner once. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new RangeError('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}

/**
 * The `webhook-signature` value of the Standard Webhooks scheme: `v1,` + base64 of
 * HMAC-SHA256(key = base64-decoded secret after `whsec_`, `<id>.<timestamp>.<body>`).
 * `timestampSec` is unix seconds (the attempt's, not the event's); `body` is the exact bytes sent.
 */
export function signWebhook(secret: string, messageId: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${messageId}.${timestampSec}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery attempt. The same message id is sent on every retry of a message. */
export function webhookHeaders(secret: string, messageId: string, timestampSec: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signWebhook(secret, messageId, timestampSec, body),
  };
}

/**
 * A receiver's check, for tickflow's own tools and as a reference for users: true when one of the
 * space-separated `v1,` signatures matches and the timestamp is within `toleranceSec` of `nowSec`.
 */
export function verifyWebhook(secret: string, headers: { id: string; timestamp: string; signature: string }, body: string, nowSec = Math.floor(Date.now() / 1000), toleranceSec = 300): boolean {
  const ts = Number(headers.timestamp);
  if (!/^\d{1,12}$/.test(headers.timestamp) || Math.abs(nowSec - ts) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, ts, body).slice(3), 'base64');
  return headers.signature.split(' ').some((s) => {
    if (!s.startsWith('v1,')) return false;
    const given = Buffer.from(s.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
