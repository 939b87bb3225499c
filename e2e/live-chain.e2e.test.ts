// The live chain as processes: `tickflow ingest simulate` → Kafka → `tickflow process` → Kafka →
// `tickflow api` → clients. A raw WebSocket client on /v1/stream and a standard graphql-ws client
// on /graphql receive provisional and final bars the processor computed from the simulated feed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { LiveChain, until } from './support/tickflow-processes';

describe('live chain: simulator → processor → API → WS and GraphQL clients', () => {
  const chain = new LiveChain({ name: 'e2elive', simulate: ['--rate', '200', '--symbols', '3', '--seed', '7', '--duration', '120', '--quiet'] });
  let apiKey = '';
  let baseUrl = '';

  beforeAll(async () => {
    await chain.start();
    ({ apiKey, baseUrl } = chain);
  }, 300_000);

  afterAll(async () => {
    const apiExit = await chain.stop();
    expect(apiExit).toBe(0); // SIGTERM: a clean shutdown
  }, 120_000);

  it('serves /healthz and /readyz (Redis, ClickHouse, Kafka) as a real process', async () => {
    expect(await (await fetch(`${baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(Object.keys(((await ready.json()) as { checks: object }).checks).sort()).toEqual(['clickhouse', 'kafka', 'redis']);
  });

  it('answers REST with the API key, and problem+json without it', async () => {
    const ok = await fetch(`${baseUrl}/v1/symbols`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(ok.status).toBe(200);
    expect(Array.isArray(((await ok.json()) as { data: unknown[] }).data)).toBe(true);
    const denied = await fetch(`${baseUrl}/v1/symbols`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const spec = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(spec.openapi).toMatch(/^3\.1/);
    expect(Object.keys(spec.paths)).toContain('/v1/bars/{symbol}');
  });

  it('a WS client receives provisional and final 1 s bars of a simulated symbol, and signals', async () => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`);
    const bars: Array<{ symbol: string; is_final: boolean; close: number; window_start: number }> = [];
    const signals: Array<{ symbol: string }> = [];
    ws.on('open', () => ws.send(JSON.stringify({ action: 'auth', key: apiKey })));
    ws.on('message', (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as { type: string; messages?: Array<{ channel: string; data: never }> };
      if (msg.type === 'authenticated') ws.send(JSON.stringify({ action: 'subscribe', channels: ['bars.1s.SYM0001', 'signals.*'], id: 1 }));
      for (const m of msg.messages ?? []) (m.channel.startsWith('bars.') ? bars : signals).push(m.data);
    });
    try {
      await until('provisional and final bars and a signal', () => bars.some((b) => !b.is_final) && bars.some((b) => b.is_final) && signals.length > 0, 120_000, chain.running);
    } finally {
      ws.close();
    }
    expect(bars.every((b) => b.symbol === 'SYM0001')).toBe(true);
    expect(bars.every((b) => Number.isFinite(b.close) && b.close > 0)).toBe(true);
    expect(new Set(signals.map((s) => s.symbol)).size).toBeGreaterThan(0);
  }, 180_000);

  it('a standard graphql-ws client receives bars of the symbol it subscribed to', async () => {
    const client = createClient({ url: `${baseUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { apiKey }, retryAttempts: 0 });
    const bars: Array<{ symbol: string; isFinal: boolean; close: number }> = [];
    const errors: unknown[] = [];
    const dispose = client.subscribe<{ bars: { symbol: string; isFinal: boolean; close: number } }>(
      { query: 'subscription { bars(symbol: "SYM0002", interval: ONE_SECOND) { symbol isFinal close windowStart } }' },
      { next: (r) => (r.errors ? errors.push(r.errors) : r.data && bars.push(r.data.bars)), error: (e) => errors.push(e), complete: () => undefined },
    );
    try {
      await until('bars over GraphQL', () => errors.length > 0 || (bars.some((b) => b.isFinal) && bars.some((b) => !b.isFinal)), 120_000, chain.running);
    } finally {
      dispose();
      await client.dispose();
    }
    expect(errors).toEqual([]);
    expect(bars.every((b) => b.symbol === 'SYM0002' && b.close > 0)).toBe(true);
  }, 180_000);
});
