import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

describe('Standard Webhooks signatures', () => {
  // The example of the Standard Webhooks specification (and of its reference libraries' tests).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const ts = 1614265330;
  const body = '{"test": 2432232314}';

  it('matches the specification example', () => {
    expect(signWebhook(secret, id, ts, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('builds the four headers', () => {
    expect(webhookHeaders(secret, id, ts, body)).toEqual({
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('verifies within the tolerance, and only the exact message', () => {
    const signature = signWebhook(secret, id, ts, body);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature }, body, ts + 10)).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature: `v1,bm9wZQ== ${signature}` }, body, ts)).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature }, body + ' ', ts)).toBe(false);
    expect(verifyWebhook(secret, { id: 'msg_other', timestamp: String(ts), signature }, body, ts)).toBe(false);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature }, body, ts + 301)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), { id, timestamp: String(ts), signature }, body, ts)).toBe(false);
  });

  it('new secrets are whsec_ + base64 of 32 random bytes', () => {
    const s = newWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(s);
  });
});
