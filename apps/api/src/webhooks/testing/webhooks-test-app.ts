/**
 * The API with the webhooks feature for the integration tests, and what they do through it:
 * register an endpoint (its receiver learns the secret), patch or delete it, read it and its
 * delivery log, wait for an outcome in that log. Test support only; not exported from the package.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { expect } from 'vitest';
import { newApiKey, type ApiKeyStore } from '../../auth/api-keys';
import { buildApp } from '../../build-app';
import type { UrlGuard } from '../url-guard';
import { webhooksFeature, type DeliveryAttemptView } from '../webhooks-feature';
import type { WebhookStore } from '../webhook-store';
import { waitFor, type TestWebhookReceiver } from './test-webhook-receiver';

export interface WebhooksTestAppOptions {
  store: WebhookStore;
  keys: ApiKeyStore;
  /** The registration guard. */
  guard: UrlGuard;
  /** Served on /metrics. */
  metrics: Registry;
  /** Where registered endpoints point by default, and which learns their secrets. */
  receiver: TestWebhookReceiver;
  maxEndpointsPerOwner?: number;
}

export class WebhooksTestApp {
  private constructor(
    readonly app: FastifyInstance,
    private readonly apiKey: string,
    private readonly receiver: TestWebhookReceiver,
  ) {}

  /** Builds the app with an API key of `ops-team` (scope read) put in `keys`. */
  static async start(opts: WebhooksTestAppOptions): Promise<WebhooksTestApp> {
    const k = newApiKey('ops-team', ['read']);
    await opts.keys.put(k.record);
    const app = await buildApp({
      keys: opts.keys,
      metrics: opts.metrics,
      readiness: {},
      rateLimit: { max: 100_000, timeWindowMs: 60_000 },
      corsOrigins: [],
      features: [webhooksFeature({ store: opts.store, guard: opts.guard, maxEndpointsPerOwner: opts.maxEndpointsPerOwner })],
    });
    return new WebhooksTestApp(app, k.key, opts.receiver);
  }

  private get auth(): { authorization: string } {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  /** Registers `url` through the API for alerts on `symbol`; the receiver learns the secret of `path`. */
  async register(path: string, symbol: string, url = this.receiver.url(path)): Promise<string> {
    const res = await this.app.inject({ method: 'POST', url: '/v1/webhooks', headers: this.auth, payload: { url, symbols: [symbol] } });
    expect(res.statusCode, res.body).toBe(201);
    this.receiver.setSecret(path, res.json().secret);
    return res.json().id;
  }

  /** PATCH /v1/webhooks/:id; the response body. */
  async patch(id: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    return (await this.app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: this.auth, payload })).json();
  }

  /** DELETE /v1/webhooks/:id; the status code. */
  async remove(id: string): Promise<number> {
    return (await this.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: this.auth })).statusCode;
  }

  async endpoint(id: string): Promise<Record<string, unknown>> {
    return (await this.app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: this.auth })).json();
  }

  /** The delivery log of `id`, newest first (up to 100 entries). */
  async deliveries(id: string): Promise<DeliveryAttemptView[]> {
    return (await this.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries?limit=100`, headers: this.auth })).json().data;
  }

  /** Waits until the log of `id` holds `count` entries with `outcome`; the log then. */
  untilOutcome(id: string, outcome: string, count = 1): Promise<DeliveryAttemptView[]> {
    return waitFor(`${count} '${outcome}' in the log of ${id}`, async () => {
      const log = await this.deliveries(id);
      return log.filter((d) => d.outcome === outcome).length >= count && log;
    });
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/** `webhook_deliveries_total{outcome}` in `metrics` (0 when not counted yet). */
export async function deliveriesMetric(metrics: Registry, outcome: string): Promise<number> {
  const m = (await metrics.getSingleMetric('webhook_deliveries_total')!.get()).values.find((v) => v.labels.outcome === outcome);
  return m?.value ?? 0;
}

export const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
