/**
 * Standard Webhooks verification for the integration tests, written from the specification's text
 * with node:crypto — not with tickflow's signer (`webhook-signature.ts`), which is what the tests
 * check. Test support only; not exported from the package.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of a received request a signature covers. */
export interface SignedRequest {
  webhookId: string | undefined;
  webhookTimestamp: string | undefined;
  webhookSignature: string | undefined;
  body: string;
}

/**
 * Standard Webhooks, verified from the specification: the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the key is the base64 after `whsec_`, the MAC is
 * HMAC-SHA256 in base64, and `webhook-signature` is a space-separated list of `v1,<mac>`; the
 * timestamp must be within 5 minutes of now.
 */
export function verifyStandardWebhook(secret: string, r: SignedRequest, nowMs = Date.now()): boolean {
  if (!r.webhookId || !r.webhookTimestamp || !r.webhookSignature || !/^\d+$/.test(r.webhookTimestamp)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(r.webhookTimestamp)) > 300) return false;
  if (!secret.startsWith('whsec_')) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${r.webhookId}.${r.webhookTimestamp}.${r.body}`, 'utf8').digest();
  return r.webhookSignature.split(' ').some((entry) => {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') return false;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
