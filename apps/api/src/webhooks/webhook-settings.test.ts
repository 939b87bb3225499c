import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tickflow/config';
import { loadWebhookSettings } from './webhook-settings';

describe('loadWebhookSettings', () => {
  it('has defaults', () => {
    expect(loadWebhookSettings({}, {})).toEqual({ allowCidrs: [], attempts: 8, timeoutMs: 10_000, backoffBaseMs: 10_000, backoffCapMs: 1_800_000, concurrency: 10, groupId: 'tickflow-webhooks' });
  });

  it('reads the allow-list from TICKFLOW_WEBHOOK_ALLOW_CIDRS, canonically; the flag wins', () => {
    expect(loadWebhookSettings({}, { TICKFLOW_WEBHOOK_ALLOW_CIDRS: '10.1.0.0/16, FD00::/8' }).allowCidrs).toEqual(['10.1.0.0/16', 'fd00::/8']);
    expect(loadWebhookSettings({ 'webhook-allow-cidrs': '127.0.0.1' }, { TICKFLOW_WEBHOOK_ALLOW_CIDRS: '10.1.0.0/16' }).allowCidrs).toEqual(['127.0.0.1/32']);
  });

  it.each([
    ['10.1.2.3/16', /TICKFLOW_WEBHOOK_ALLOW_CIDRS: expected comma-separated CIDR blocks .*did you mean 10\.1\.0\.0\/16\?.*got "10\.1\.2\.3\/16"/],
    ['10.0.0.0/8,intranet', /TICKFLOW_WEBHOOK_ALLOW_CIDRS: .*"intranet" is not an IPv4 or IPv6 address/],
    ['192.168.0.0/40', /TICKFLOW_WEBHOOK_ALLOW_CIDRS: .*prefix length must be 0–32/],
  ])('refuses %j naming the variable', (raw, message) => {
    const run = () => loadWebhookSettings({}, { TICKFLOW_WEBHOOK_ALLOW_CIDRS: raw });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('validates the numbers', () => {
    expect(() => loadWebhookSettings({}, { TICKFLOW_WEBHOOK_ATTEMPTS: '0' })).toThrow(/TICKFLOW_WEBHOOK_ATTEMPTS: expected an integer from 1 to 100/);
    expect(loadWebhookSettings({ 'webhook-attempts': '3' }, {}).attempts).toBe(3);
  });
});
