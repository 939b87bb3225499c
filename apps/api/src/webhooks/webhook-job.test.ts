import { describe, expect, it } from 'vitest';
import { endpointFixture } from './testing/webhook-store-contract';
import { testAlert } from './testing/test-alert';
import { alertWebhookJobs, priceAlertPayload, webhookJobId, webhookMessageId } from './webhook-job';

describe('webhook job ids', () => {
  // That bullmq accepts them (no single ':', not an integer) is shown by test/webhooks-delivery.int.test.ts.
  it('are one-to-one with (endpoint, alert)', () => {
    const ids = ['pa:AAPL:1722:abc', 'pa:AAPL:1722:abc:', 'pa%3AAAPL', 'a.b', '12345'];
    const jobIds = ids.map((a) => webhookJobId('wh_0123456789abcdef0123', a));
    expect(new Set(jobIds).size).toBe(ids.length);
    expect(jobIds[0]).toBe('wh_0123456789abcdef0123.pa%3AAAPL%3A1722%3Aabc');
    for (const jobId of jobIds) expect(jobId.split(':')).toHaveLength(1);
  });

  it('message ids are stable per (endpoint, alert) and differ otherwise', () => {
    const a = webhookMessageId('wh_a', 'pa:AAPL:1');
    expect(a).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
    expect(webhookMessageId('wh_a', 'pa:AAPL:1')).toBe(a);
    expect(webhookMessageId('wh_b', 'pa:AAPL:1')).not.toBe(a);
    expect(webhookMessageId('wh_a', 'pa:AAPL:2')).not.toBe(a);
  });

  it('the payload is the Standard Webhooks envelope around the alert', () => {
    const alert = { alert_id: 'pa:AAPL:1', symbol: 'AAPL', severity: 'HIGH', detected_at_ms: Date.parse('2024-08-08T12:00:00.250Z') } as Parameters<typeof priceAlertPayload>[0];
    expect(JSON.parse(priceAlertPayload(alert))).toEqual({ type: 'alert.price_movement', timestamp: '2024-08-08T12:00:00.250Z', data: alert });
  });

  it('an alert makes one message per endpoint whose filters take it, in order, with one body', () => {
    const alert = testAlert({ symbol: 'AAPL', severity: 'HIGH' });
    const all = endpointFixture({ id: 'wh_00000000000000000001' });
    const aapl = endpointFixture({ id: 'wh_00000000000000000002', symbols: ['MSFT', 'AAPL'] });
    const msft = endpointFixture({ id: 'wh_00000000000000000003', symbols: ['MSFT'] });
    const critical = endpointFixture({ id: 'wh_00000000000000000004', minSeverity: 'CRITICAL' });
    const off = endpointFixture({ id: 'wh_00000000000000000005', status: 'disabled' });
    const jobs = alertWebhookJobs(alert, [aapl, msft, critical, off, all]);
    expect(jobs).toEqual([aapl, all].map((e) => ({ jobId: webhookJobId(e.id, alert.alert_id), data: { endpointId: e.id, alertId: alert.alert_id, messageId: webhookMessageId(e.id, alert.alert_id), payload: priceAlertPayload(alert) } })));
    expect(alertWebhookJobs(alert, [msft, critical, off])).toEqual([]);
  });
});
