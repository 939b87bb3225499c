import { describe, expect, it } from 'vitest';
import { matchesAlert, newWebhookId, WEBHOOK_ID_PATTERN, type WebhookEndpoint } from './webhook-endpoint';

const endpoint = (over: Partial<WebhookEndpoint>): WebhookEndpoint => ({
  id: newWebhookId(),
  owner: 'alice',
  url: 'https://hooks.example.com/',
  description: '',
  symbols: null,
  minSeverity: 'MEDIUM',
  secret: 'whsec_x',
  status: 'active',
  disabledReason: null,
  createdAtMs: 0,
  updatedAtMs: 0,
  ...over,
});

describe('matchesAlert', () => {
  it.each([
    [{}, 'AAPL', 'MEDIUM', true],
    [{ symbols: ['AAPL', 'MSFT'] }, 'AAPL', 'MEDIUM', true],
    [{ symbols: ['MSFT'] }, 'AAPL', 'CRITICAL', false],
    [{ minSeverity: 'HIGH' }, 'AAPL', 'MEDIUM', false],
    [{ minSeverity: 'HIGH' }, 'AAPL', 'HIGH', true],
    [{ minSeverity: 'HIGH' }, 'AAPL', 'CRITICAL', true],
    [{ minSeverity: 'CRITICAL' }, 'AAPL', 'HIGH', false],
    [{ minSeverity: 'CRITICAL', symbols: ['AAPL'] }, 'AAPL', 'CRITICAL', true],
    [{ status: 'disabled' }, 'AAPL', 'CRITICAL', false],
  ] as const)('%j takes %s %s: %s', (over, symbol, severity, expected) => {
    expect(matchesAlert(endpoint(over as Partial<WebhookEndpoint>), { symbol, severity })).toBe(expected);
  });

  it('ids are wh_ + 20 hex digits', () => {
    expect(newWebhookId()).toMatch(WEBHOOK_ID_PATTERN);
  });
});
