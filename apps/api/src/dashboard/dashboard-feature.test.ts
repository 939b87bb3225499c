import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { ApiKeyStore } from '../auth/api-keys';
import { buildApp } from '../build-app';
import { DASHBOARD_CSP, dashboardFeature } from './dashboard-feature';

const noKeys: ApiKeyStore = { put: async () => undefined, get: async () => null, list: async () => [], close: async () => undefined };

describe('dashboardFeature', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp({ keys: noKeys, metrics: new Registry(), readiness: {}, rateLimit: { max: 100, timeWindowMs: 1000 }, corsOrigins: [], features: [dashboardFeature()] });
  });
  afterAll(() => app.close());

  it('serves the page at / without a key, loading only same-origin assets', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script type="module" src="/dashboard/app.js">');
    expect(res.body).not.toMatch(/https?:\/\//); // no CDN: the page works offline
    // Its own policy: same-origin only, and no upgrade-insecure-requests (plain HTTP on a LAN host).
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).not.toContain('upgrade-insecure-requests');
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['time-series.js', 'text/javascript; charset=utf-8'],
    ['history-loader.js', 'text/javascript; charset=utf-8'],
    ['reconnect-backoff.js', 'text/javascript; charset=utf-8'],
    ['dashboard.css', 'text/css; charset=utf-8'],
  ])('serves the asset %s as %s', async (file, type) => {
    const res = await app.inject({ method: 'GET', url: `/dashboard/${file}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
  });

  it.each(['time-series.d.ts', 'history-loader.d.ts', '..%2Fdashboard-feature.ts', 'nope.js'])('answers 404 problem+json for %s', async (file) => {
    const res = await app.inject({ method: 'GET', url: `/dashboard/${file}` });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
