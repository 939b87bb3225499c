// The two webhook delivery transports under one suite: bullmq (real Redis, RedisWebhookStore and
// RedisApiKeyStore) and the in-process queue (FileWebhookStore and FileApiKeyStore, no Redis),
// each built by its factory in src/webhooks/testing/webhook-transports.ts.
// - Every delivery scenario the two share runs through each (`describe.each`), with the REST routes,
//   to a real HTTP receiver on 127.0.0.1 (allow-listed here): retries with backoff and
//   Retry-After, one webhook-id per message, idempotent dispatch, filters, 410 disables, 3xx is not
//   followed, dead after the last attempt, disabling or deleting stops retries, and the SSRF guard
//   at dial time. What only one transport has stays in webhooks-delivery.int.test.ts (bullmq job
//   ids) and webhooks-in-process.int.test.ts (concurrency, close(), maxPending, the file store).
// - Side by side, the same alert to the same kind of receiver through both must give the same
//   requests, the same delivery log entry by entry, the same endpoint state and the same end state
//   of the message — the embedded profile delivers "with the same policy".
// Every signature is checked with verifyStandardWebhook (node:crypto, from the Standard Webhooks
// text, not with tickflow's signer); its own test is the first here.
import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret, UrlGuard, type HostResolver } from '../src/webhooks/index';
import { newWebhookId } from '../src/webhooks/webhook-endpoint';
import { verifyStandardWebhook } from '../src/webhooks/testing/standard-webhooks';
import { testAlert } from '../src/webhooks/testing/test-alert';
import { TestWebhookReceiver, waitFor, type Responder } from '../src/webhooks/testing/test-webhook-receiver';
import { webhookTransports, type DeliveryUnderTest, type WebhookTransportFixture } from '../src/webhooks/testing/webhook-transports';
import { deliveriesMetric, settle, WebhooksTestApp } from '../src/webhooks/testing/webhooks-test-app';

/** What `hook.test` resolves to right now (a DNS answer that changes after registration). */
let hookTestAnswer = '127.0.0.1';

const resolve: HostResolver = async (host) => {
  if (host === 'hook.test') return [{ address: hookTestAnswer, family: 4 }];
  return (await lookup(host, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

it('the test verifier accepts a Standard Webhooks signature and refuses any change', () => {
  // The specification's example message (standard-webhooks/spec, "Signature scheme").
  const example = {
    webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    webhookTimestamp: String(Math.floor(Date.now() / 1000)),
    body: '{"test": 2432232314}',
    webhookSignature: '',
  };
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const mac = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')).update(`${example.webhookId}.${example.webhookTimestamp}.${example.body}`).digest('base64');
  expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v0,xyz v1,${mac}` })).toBe(true);
  expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v1,${mac}`, body: '{"test": 2432232315}' })).toBe(false);
  expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v1,${mac}`, webhookId: 'msg_other' })).toBe(false);
  expect(verifyStandardWebhook('whsec_' + Buffer.alloc(24, 1).toString('base64'), { ...example, webhookSignature: `v1,${mac}` })).toBe(false);
  expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v2,${mac}` })).toBe(false);
  expect(verifyStandardWebhook(secret, { ...example, webhookSignature: `v1,${mac}`, webhookTimestamp: String(Math.floor(Date.now() / 1000) - 301) })).toBe(false);
});

describe.each(webhookTransports)('webhook deliveries through $name (real HTTP receiver, REST routes)', (transport) => {
  let t: WebhookTransportFixture;
  let receiver: TestWebhookReceiver;
  let metrics: Registry;
  let delivery: DeliveryUnderTest;
  let strict: DeliveryUnderTest;
  let api: WebhooksTestApp;

  beforeAll(async () => {
    t = await transport.start('webhooks-deliveries');
    receiver = await TestWebhookReceiver.start('127.0.0.1');
    metrics = new Registry();
    const guard = new UrlGuard({ allowCidrs: ['127.0.0.1/32'], resolve });
    delivery = await t.deliver({ guard, metrics, attempts: 4, backoffBaseMs: 50, backoffCapMs: 200, maxRetryAfterMs: 5_000, timeoutMs: 5_000, concurrency: 4 });
    // A second delivery that dials with no allow-list: the address was allowed at registration, not at dial time.
    strict = await t.deliver({ guard: new UrlGuard({ resolve }), metrics: new Registry(), attempts: 2, backoffBaseMs: 50, backoffCapMs: 100 });
    api = await WebhooksTestApp.start({ store: t.store, keys: t.keys, guard, metrics, receiver, maxEndpointsPerOwner: 100 });
  });

  afterAll(async () => {
    await Promise.allSettled([delivery?.close(), strict?.close()]);
    await api?.close();
    await t?.close();
    await receiver?.close();
  });

  const metricValue = (outcome: string) => deliveriesMetric(metrics, outcome);

  it('retries a receiver failing 3 times (once with Retry-After) until it accepts: the alert arrives exactly once by webhook-id, every attempt signed and logged', async () => {
    const alert = testAlert({ symbol: 'FLAKY', severity: 'CRITICAL' });
    // Fails this alert's first three attempts; accepts any other alert at once.
    receiver.route('/flaky', (req, nth) =>
      JSON.parse(req.body).data.alert_id !== alert.alert_id ? { status: 204 } : nth === 1 ? { status: 500 } : nth === 2 ? { status: 503, headers: { 'retry-after': '1' } } : nth === 3 ? { status: 502 } : { status: 204 },
    );
    const id = await api.register('/flaky', 'FLAKY');
    expect(await delivery.dispatch(alert)).toEqual({ endpointIds: [id] });

    const log = await api.untilOutcome(id, 'delivered');
    // Dispatched again, concurrently and after delivery (a redelivered alert): nothing more is sent.
    await Promise.all([delivery.dispatch(alert), delivery.dispatch(alert)]);
    await settle(t.settleMs);
    const reqs = receiver.requests('/flaky');
    expect(reqs.map((r) => r.status)).toEqual([500, 503, 502, 204]);
    for (const r of reqs) {
      expect(verifyStandardWebhook(receiver.secretOf('/flaky'), r), `attempt at ${r.atMs}`).toBe(true);
      expect(verifyStandardWebhook(receiver.secretOf('/flaky'), { ...r, body: r.body.replace('FLAKY', 'FLAKX') })).toBe(false);
    }
    expect(reqs.every((r) => r.signatureValid)).toBe(true);
    expect(reqs.every((r) => r.method === 'POST' && r.contentType === 'application/json')).toBe(true);
    // Exactly once by webhook-id: one id for the message, accepted once.
    const accepted = reqs.filter((r) => r.status < 300);
    expect(accepted).toHaveLength(1);
    expect(new Set(reqs.map((r) => r.webhookId))).toEqual(new Set([accepted[0]!.webhookId]));
    expect(accepted[0]!.webhookId).toMatch(/^msg_/);
    expect(new Set(reqs.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(accepted[0]!.body)).toEqual({ type: 'alert.price_movement', timestamp: new Date(alert.detected_at_ms).toISOString(), data: alert });
    // The attempt after "Retry-After: 1" waited for it (jittered backoff here is at most 200 ms).
    expect(reqs[2]!.atMs - reqs[1]!.atMs).toBeGreaterThanOrEqual(950);
    expect(reqs[1]!.atMs - reqs[0]!.atMs).toBeLessThan(900);

    expect(log.map((d) => [d.attempt, d.outcome, d.status_code, d.error])).toEqual([
      [4, 'delivered', 204, null],
      [3, 'retrying', 502, 'HTTP 502'],
      [2, 'retrying', 503, 'HTTP 503'],
      [1, 'retrying', 500, 'HTTP 500'],
    ]);
    expect(log.every((d) => d.delivery_id === accepted[0]!.webhookId && d.alert_id === alert.alert_id)).toBe(true);
    expect(log.every((d) => /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(d.at) && d.duration_ms >= 0)).toBe(true);
    expect(await api.deliveries(id)).toHaveLength(4);
    expect(await delivery.state(id, alert.alert_id)).toBe('completed');
    expect(await metricValue('delivered')).toBeGreaterThanOrEqual(1);
    expect(await metricValue('retrying')).toBeGreaterThanOrEqual(3);

    // Another alert is another message, with its own webhook-id.
    const other = testAlert({ symbol: 'FLAKY', severity: 'CRITICAL' });
    await delivery.dispatch(other);
    await api.untilOutcome(id, 'delivered', 2);
    const ids = receiver.requests('/flaky').map((r) => r.webhookId);
    expect(ids).toHaveLength(5);
    expect(ids[4]).not.toBe(ids[0]);
  });

  it('delivers an alert dispatched twice (even concurrently, even after delivery) once', async () => {
    receiver.route('/once', () => ({ status: 200 }));
    const id = await api.register('/once', 'DEDUP');
    const alert = testAlert({ symbol: 'DEDUP' });
    await Promise.all([delivery.dispatch(alert), delivery.dispatch(alert)]);
    await api.untilOutcome(id, 'delivered');
    await delivery.dispatch(alert);
    await settle(1500);
    expect(receiver.requests('/once').map((r) => JSON.parse(r.body).data.alert_id)).toEqual([alert.alert_id]);
    expect(await api.deliveries(id)).toHaveLength(1);
    expect(await delivery.state(id, alert.alert_id)).toBe('completed');

    // Another alert is another message, with its own webhook-id.
    const other = testAlert({ symbol: 'DEDUP' });
    await delivery.dispatch(other);
    await api.untilOutcome(id, 'delivered', 2);
    const ids = receiver.requests('/once').map((r) => r.webhookId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('sends only what the filters take: symbols and minimum severity', async () => {
    receiver.route('/filtered', () => ({ status: 200 }));
    const id = await api.register('/filtered', 'FILT');
    await api.patch(id, { min_severity: 'CRITICAL' });
    expect(await delivery.dispatch(testAlert({ symbol: 'FILT', severity: 'HIGH' }))).toEqual({ endpointIds: [] });
    expect(await delivery.dispatch(testAlert({ symbol: 'OTHER', severity: 'CRITICAL' }))).toEqual({ endpointIds: [] });
    const critical = testAlert({ symbol: 'FILT', severity: 'CRITICAL' });
    expect(await delivery.dispatch(critical)).toEqual({ endpointIds: [id] });
    await api.untilOutcome(id, 'delivered');
    expect(receiver.requests('/filtered').map((r) => JSON.parse(r.body).data.alert_id)).toEqual([critical.alert_id]);
  });

  it('a 410 Gone disables the endpoint and stops retrying; its owner can re-enable it', async () => {
    receiver.route('/gone', () => ({ status: 410 }));
    const id = await api.register('/gone', 'GONE');
    const alert = testAlert({ symbol: 'GONE' });
    await delivery.dispatch(alert);
    const log = await api.untilOutcome(id, 'disabled');
    await settle(t.settleMs);
    expect(receiver.requests('/gone')).toHaveLength(1);
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code, d.error])).toEqual([[1, 'disabled', 410, 'HTTP 410 Gone: endpoint disabled']]);
    expect(await api.endpoint(id)).toMatchObject({ status: 'disabled', disabled_reason: expect.stringMatching(/^the receiver answered 410 Gone on \d{4}-/) });
    expect(await delivery.state(id, alert.alert_id)).toBe('failed');
    expect(await delivery.dispatch(testAlert({ symbol: 'GONE' }))).toEqual({ endpointIds: [] });
    expect(await metricValue('disabled')).toBeGreaterThanOrEqual(1);

    expect(await api.patch(id, { status: 'active' })).toMatchObject({ status: 'active', disabled_reason: null });
    expect(await delivery.dispatch(testAlert({ symbol: 'GONE' }))).toEqual({ endpointIds: [id] });
  });

  it('does not follow a redirect: a 302 is a failed attempt, and the last one marks the delivery dead', async () => {
    receiver.route('/moved', () => ({ status: 302, headers: { location: receiver.url('/moved-here') } }));
    receiver.route('/moved-here', () => ({ status: 200 }));
    const id = await api.register('/moved', 'REDIR');
    await delivery.dispatch(testAlert({ symbol: 'REDIR' }));
    const log = await api.untilOutcome(id, 'dead');
    await settle(t.settleMs);
    expect(receiver.requests('/moved')).toHaveLength(4);
    expect(receiver.requests('/moved-here')).toHaveLength(0);
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([
      [4, 'dead', 302],
      [3, 'retrying', 302],
      [2, 'retrying', 302],
      [1, 'retrying', 302],
    ]);
    expect(log[0]!.error).toBe(`HTTP 302: redirect to ${receiver.url('/moved-here')} not followed`);
  });

  it('marks a delivery dead after the last failed attempt, and does not send it again within the retention', async () => {
    receiver.route('/down', () => ({ status: 500 }));
    const id = await api.register('/down', 'DOWN');
    const alert = testAlert({ symbol: 'DOWN' });
    const deadBefore = await metricValue('dead');
    await delivery.dispatch(alert);
    const log = await api.untilOutcome(id, 'dead');
    await settle(t.settleMs);
    expect(log.map((d) => d.outcome)).toEqual(['dead', 'retrying', 'retrying', 'retrying']);
    expect(receiver.requests('/down')).toHaveLength(4);
    expect(receiver.requests('/down').every((r) => r.signatureValid && verifyStandardWebhook(receiver.secretOf('/down'), r))).toBe(true);
    expect(await delivery.state(id, alert.alert_id)).toBe('failed');
    expect(await metricValue('dead')).toBe(deadBefore + 1);
    // A dead alert dispatched again matches the endpoint but is not re-sent within the retention window.
    expect(await delivery.dispatch(alert)).toEqual({ endpointIds: [id] });
    await settle(t.settleMs);
    expect(receiver.requests('/down')).toHaveLength(4);
  });

  it('drops a pending retry once the owner disables the endpoint', async () => {
    receiver.route('/paused', () => ({ status: 503, headers: { 'retry-after': '1' } }));
    const id = await api.register('/paused', 'PAUSE');
    await delivery.dispatch(testAlert({ symbol: 'PAUSE' }));
    await api.untilOutcome(id, 'retrying');
    await api.patch(id, { status: 'disabled' });
    const log = await api.untilOutcome(id, 'disabled');
    await settle(t.settleMs);
    const sent = log.filter((d) => d.outcome === 'retrying');
    expect(log[0]).toMatchObject({ attempt: sent.length + 1, outcome: 'disabled', status_code: null, error: 'not sent: the endpoint is disabled' });
    expect(receiver.requests('/paused')).toHaveLength(sent.length); // nothing sent after the owner's PATCH
    expect(await api.deliveries(id)).toHaveLength(sent.length + 1);
  });

  it('sends nothing more once the endpoint is deleted, and logs nothing for it', async () => {
    receiver.route('/deleted', () => ({ status: 503, headers: { 'retry-after': '1' } }));
    const id = await api.register('/deleted', 'DELETED');
    const alert = testAlert({ symbol: 'DELETED' });
    await delivery.dispatch(alert);
    await api.untilOutcome(id, 'retrying');
    expect(await api.remove(id)).toBe(204);
    await waitFor('the message to end', async () => (await delivery.state(id, alert.alert_id)) === 'completed');
    expect(receiver.requests('/deleted')).toHaveLength(1);
    expect(await t.store.listAttempts(id, { limit: 10 })).toEqual([]);
  });

  it('refuses at dial time a host whose DNS answer changed to a private address after registration (rebinding)', async () => {
    receiver.route('/rebind', () => ({ status: 200 }));
    hookTestAnswer = '127.0.0.1';
    const id = await api.register('/rebind', 'REBIND', `http://hook.test:${receiver.port}/rebind`);
    hookTestAnswer = '10.0.0.1';
    await delivery.dispatch(testAlert({ symbol: 'REBIND' }));
    const log = await api.untilOutcome(id, 'dead');
    expect(receiver.requests('/rebind')).toHaveLength(0);
    expect(log.map((d) => d.outcome)).toEqual(['dead', 'retrying', 'retrying', 'retrying']);
    for (const d of log) {
      expect(d.status_code).toBeNull();
      expect(d.error).toBe('refused to connect: hook.test resolves to a refused address: 10.0.0.1 is a private address (10.0.0.0/8)');
    }
    // The same endpoint is delivered to once the name points at the allowed address again.
    hookTestAnswer = '127.0.0.1';
    await delivery.dispatch(testAlert({ symbol: 'REBIND' }));
    await api.untilOutcome(id, 'delivered');
    expect(receiver.requests('/rebind')).toHaveLength(1);
    expect(receiver.requests('/rebind')[0]!.signatureValid).toBe(true);
    expect(verifyStandardWebhook(receiver.secretOf('/rebind'), receiver.requests('/rebind')[0]!)).toBe(true);
  });

  it('refuses at dial time an address the allow-list no longer admits', async () => {
    receiver.route('/strict', () => ({ status: 200 }));
    const id = await api.register('/strict', 'STRICT'); // http://127.0.0.1:<port>/strict, allowed at registration
    await strict.dispatch(testAlert({ symbol: 'STRICT' }));
    const log = await api.untilOutcome(id, 'dead');
    expect(receiver.requests('/strict')).toHaveLength(0);
    expect(log.map((d) => [d.outcome, d.status_code, d.error])).toEqual([
      ['dead', null, 'refused to connect: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
      ['retrying', null, 'refused to connect: 127.0.0.1 is a loopback address (127.0.0.0/8)'],
    ]);
  });

  // Last: counts what the scenarios above delivered.
  it('exposes webhook_deliveries_total by outcome on /metrics', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    for (const outcome of ['delivered', 'retrying', 'dead', 'disabled']) expect(res.body).toMatch(new RegExp(`webhook_deliveries_total\\{outcome="${outcome}"\\} [1-9]`));
  });
});

describe('bullmq and in-process transports deliver alike', () => {
  const ATTEMPTS = 3;
  const policy = { backoffBaseMs: 30, backoffCapMs: 60, maxRetryAfterMs: 5_000, timeoutMs: 5_000 };
  let receiver: TestWebhookReceiver;
  let both: Array<{ t: WebhookTransportFixture; delivery: DeliveryUnderTest }>;

  beforeAll(async () => {
    receiver = await TestWebhookReceiver.start('127.0.0.1');
    // One dial-time policy for both: 127.0.0.1 allowed, every other loopback address (::1) refused.
    const guard = new UrlGuard({ allowCidrs: ['127.0.0.1/32'] });
    both = await Promise.all(
      webhookTransports.map(async (transport) => {
        const t = await transport.start('webhooks-transports');
        return { t, delivery: await t.deliver({ guard, metrics: new Registry(), attempts: ATTEMPTS, concurrency: 4, ...policy }) };
      }),
    );
  });

  afterAll(async () => {
    await Promise.allSettled((both ?? []).map(({ t }) => t.close()));
    await receiver?.close();
  });

  interface Scenario {
    name: string;
    responder: Responder;
    /** The URL to register, from the receiver's for this transport's path. */
    url?: (path: string) => string;
    expected: { statuses: number[]; log: Array<[number, string, number | null]>; state: string; endpointStatus: string };
  }

  const scenarios: Scenario[] = [
    {
      name: 'fails twice (Retry-After: 0 the second time), then accepts',
      responder: (_r, nth) => (nth === 1 ? { status: 500 } : nth === 2 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200 }),
      expected: { statuses: [500, 429, 200], log: [[3, 'delivered', 200], [2, 'retrying', 429], [1, 'retrying', 500]], state: 'completed', endpointStatus: 'active' },
    },
    {
      name: 'answers 410 Gone',
      responder: () => ({ status: 410 }),
      expected: { statuses: [410], log: [[1, 'disabled', 410]], state: 'failed', endpointStatus: 'disabled' },
    },
    {
      name: 'redirects every time',
      responder: () => ({ status: 307, headers: { location: 'https://elsewhere.example.com/' } }),
      expected: { statuses: [307, 307, 307], log: [[3, 'dead', 307], [2, 'retrying', 307], [1, 'retrying', 307]], state: 'failed', endpointStatus: 'active' },
    },
    {
      name: 'is down',
      responder: () => ({ status: 503 }),
      expected: { statuses: [503, 503, 503], log: [[3, 'dead', 503], [2, 'retrying', 503], [1, 'retrying', 503]], state: 'failed', endpointStatus: 'active' },
    },
    {
      name: 'is at a refused address (dial time)',
      responder: () => ({ status: 200 }),
      url: (path) => `http://[::1]:${receiver.port}${path}`,
      expected: { statuses: [], log: [[3, 'dead', null], [2, 'retrying', null], [1, 'retrying', null]], state: 'failed', endpointStatus: 'active' },
    },
  ];

  it.each(scenarios)('a receiver that $name', async (scenario) => {
    const outcomes = await Promise.all(
      both.map(async ({ t, delivery }) => {
        const path = `/${t.name}/${scenario.name.replace(/\W+/g, '-')}`;
        receiver.route(path, scenario.responder);
        const secret = newWebhookSecret();
        receiver.setSecret(path, secret);
        const id = newWebhookId();
        const now = Date.now();
        // Created in the store directly: the dial-time guard, not registration, is under test.
        await t.store.create({ id, owner: 'parity', url: scenario.url?.(path) ?? receiver.url(path), description: '', symbols: ['PARITY'], minSeverity: 'MEDIUM', secret, status: 'active', disabledReason: null, createdAtMs: now, updatedAtMs: now });
        const alert = testAlert({ symbol: 'PARITY' });
        await delivery.dispatch(alert);
        const state = await waitFor(`${t.name}: the message to end`, async () => {
          const s = await delivery.state(id, alert.alert_id);
          return (s === 'completed' || s === 'failed') && s;
        });
        const log = await t.store.listAttempts(id, { limit: 100 });
        const reqs = receiver.requests(path);
        const endpointStatus = (await t.store.get(id))!.status;
        await t.store.delete(id); // the next scenario's alert must not reach it
        return {
          statuses: reqs.map((r) => r.status),
          signed: reqs.every((r) => r.signatureValid),
          webhookIds: new Set(reqs.map((r) => r.webhookId)).size,
          log: log.map((a) => [a.attempt, a.outcome, a.statusCode] as [number, string, number | null]),
          errors: log.map((a) => a.error?.replaceAll(t.name, '<transport>') ?? null),
          sameDeliveryId: log.every((a) => a.deliveryId === log[0]!.deliveryId && a.alertId === alert.alert_id),
          state,
          endpointStatus,
        };
      }),
    );
    const [bull, local] = outcomes;
    expect(both.map(({ t }) => t.name)).toEqual(['bullmq', 'in-process']);
    expect(local).toEqual(bull);
    expect(bull!.statuses).toEqual(scenario.expected.statuses);
    expect(bull!.log).toEqual(scenario.expected.log);
    expect(bull!.state).toBe(scenario.expected.state);
    expect(bull!.endpointStatus).toBe(scenario.expected.endpointStatus);
    expect(bull!.signed).toBe(true);
    expect(bull!.webhookIds).toBeLessThanOrEqual(1);
    expect(bull!.sameDeliveryId).toBe(true);
  });
});
