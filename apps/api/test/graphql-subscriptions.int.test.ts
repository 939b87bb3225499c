// GraphQL subscriptions end to end: a real graphql-ws client (graphql-transport-ws over `ws`)
// against the app listening on a port, API keys in Redis, events published into the LiveHub by
// the test. Checks what each subscription receives (and what it must not), refusals, and that the
// hub's listener count returns to where it started once clients go away.
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestClickHouse, type TestClickHouse } from '@tickflow/clickhouse';
import type { MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { LiveHub, type LiveKind } from '../src/live/live-hub';
import { graphqlFeature } from '../src/graphql';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** 2024-03-04 14:00:00.000 UTC */
const T0 = Date.UTC(2024, 2, 4, 14, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const ENVELOPE = { ingest_ts: T0, seq: 1, source: 'test', correlation_id: 'c', version: 1 };

const microBar = (symbol: string, start: number, close: number): MicroBar => ({
  ...ENVELOPE, event_ts: start + 1000, symbol, window_start: start, window_end: start + 1000, open: 100, high: 101.5, low: 99.5, close, volume: 300, vwap: 100.25, count: 7, is_final: true,
});
const aggregate = (symbol: string, start: number): TradeAggregate => ({
  ...ENVELOPE, event_ts: start + 60_000, symbol, scope: 'symbol', window_start: start, window_end: start + 60_000, window_size: '1m',
  total_volume: 1200, total_value: 120_600, vwap: 100.5, trade_count: 42, buy_count: 20, sell_count: 22, buy_sell_ratio: 20 / 22,
  high_price: 102, low_price: 99, open_price: 100, close_price: 101, volatility_anomaly: true, computed_at: start + 61_000,
});
const signal = (symbol: string, start: number, rsi14: number | null): Signal => ({
  ...ENVELOPE, event_ts: start + 1000, symbol, window_start: start, window_end: start + 1000, is_final: true,
  ema12: 100.1, ema26: null, macd: null, macd_signal: null, macd_hist: null, rsi14, bb_upper: null, bb_middle: null, bb_lower: null,
  vwap_session: 100.2, vwap_rolling: null, realized_vol: null, spread: 0.01, imbalance: null,
});
const alert = (symbol: string, severity: PriceAlert['severity'], at: number): PriceAlert => ({
  ...ENVELOPE, event_ts: at, alert_id: `pa:${symbol}:${at}:c`, alert_type: 'PRICE_MOVEMENT', symbol, direction: 'UP', baseline_price: 100,
  current_price: severity === 'CRITICAL' ? 111 : severity === 'HIGH' ? 106 : 102.5, pct_change: severity === 'CRITICAL' ? 11 : severity === 'HIGH' ? 6 : 2.5,
  window_start_ms: at - 60_000, detected_at_ms: at, severity, trigger: 'TRADE',
});
const book = (symbol: string, at: number): OrderBookMetrics => ({
  ...ENVELOPE, event_ts: at, symbol, timestamp_ms: at, best_bid: 99.5, best_ask: 100.5, mid_price: 100, spread: 1, spread_bps: 100, crossed: false,
  bid_depth_5: 10, ask_depth_5: 12, imbalance_5: -1 / 11, bid_depth_10: 20, ask_depth_10: 24, imbalance_10: -1 / 11, bid_depth_20: 40, ask_depth_20: 48, imbalance_20: -1 / 11,
  prev_timestamp_ms: null, mid_change: null, spread_change: null, imbalance_5_change: null, imbalance_10_change: null, imbalance_20_change: null,
});

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The next `n` results of a subscription, or a failure after `timeoutMs`. */
async function take<T>(it: AsyncIterator<T>, n: number, timeoutMs = 15_000): Promise<T[]> {
  const out: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${out.length} of ${n} events`)), timeoutMs)));
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`subscription ended after ${out.length} of ${n} events`);
      out.push(r.value);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** What a subscription fails with (a close event or the GraphQL errors), or a failure after `timeoutMs`. */
async function failureOf(it: AsyncIterator<unknown>, timeoutMs = 15_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no failure')), timeoutMs)));
  try {
    const r = await Promise.race([it.next().then((v) => ({ ok: v }), (err: unknown) => ({ err })), timeout]);
    if ('ok' in r) throw new Error(`expected a failure, got ${JSON.stringify(r.ok)}`);
    return r.err;
  } finally {
    clearTimeout(timer);
  }
}

describe('GraphQL subscriptions over graphql-ws (real client, real Redis keys)', () => {
  const prefix = `tickflow-test:graphql-ws:${process.pid}:${Date.now()}:`;
  const hub = new LiveHub();
  const clients: Client[] = [];
  let redis: Redis;
  let store: RedisApiKeyStore;
  let tch: TestClickHouse;
  let app: FastifyInstance;
  let url: string;
  let readKey: string;

  const client = (connectionParams?: Record<string, unknown>): Client => {
    const c = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
    clients.push(c);
    return c;
  };
  const publish = (channel: string, kind: LiveKind, data: object, eventTsMs: number): void =>
    hub.publish({ channel, kind, data: data as Record<string, unknown>, eventTsMs, receivedAtMs: Date.now() });

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new RedisApiKeyStore(redis, prefix);
    const reader = newApiKey('desk', ['read'], 'dashboard');
    await store.put(reader.record);
    readKey = reader.key;
    tch = await openTestClickHouse(); // subscriptions never read it; the feature takes one
    app = await buildApp({
      keys: store,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 1000, timeWindowMs: 60_000, redis },
      corsOrigins: [],
      features: [graphqlFeature({ ch: tch.ch, hub, keys: store, options: { maxSubscriptionsPerConnection: 5 } })],
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    url = `${address.replace(/^http/, 'ws')}/graphql`;
  });

  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await app?.close();
    await tch?.dispose();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('delivers what each subscription asked for, nothing else; unsubscribing and disposing leave no listener', async () => {
    const start = hub.listenerCount;
    const c = client({ apiKey: readKey });
    const bars1s = c.iterate({ query: 'subscription { bars(symbol: "AAPL", interval: ONE_SECOND) { symbol interval windowStart windowEnd open high low close volume vwap tradeCount isFinal version } }' });
    const bars1m = c.iterate({ query: 'subscription { bars(symbol: "AAPL", interval: ONE_MINUTE) { symbol interval windowStart open high low close volume vwap tradeCount isFinal } }' });
    const alerts = c.iterate({ query: 'subscription { alerts(minSeverity: HIGH) { alertId symbol severity pctChange detectedAt windowStart direction trigger } }' });
    const signals = c.iterate({ query: 'subscription Sig($s: [String!]!) { signals(symbols: $s) { symbol windowStart rsi14 ema26 } }', variables: { s: ['AAPL', 'MSFT'] } });
    const books = c.iterate({ query: 'subscription { orderbook(symbol: "AAPL") { symbol timestamp bestBid bestAsk spreadBps crossed prevTimestamp midChange } }' });
    // 1 + 1 + 1 (alerts.*) + 2 (a channel per symbol) + 1
    await waitFor('6 hub listeners', () => hub.listenerCount === start + 6);

    // Bars: another symbol and another interval are published before the second AAPL 1 s bar: in
    // order delivery means receiving the two AAPL bars first proves the others were not sent here.
    publish('bars.1s.AAPL', 'bar', microBar('AAPL', T0, 100.5), T0 + 1000);
    publish('bars.1s.MSFT', 'bar', microBar('MSFT', T0, 400), T0 + 1000);
    publish('bars.1m.AAPL', 'bar', aggregate('AAPL', T0), T0 + 60_000);
    publish('bars.1s.AAPL', 'bar', microBar('AAPL', T0 + 1000, 101), T0 + 2000);
    const bar = { symbol: 'AAPL', interval: 'ONE_SECOND', open: 100, high: 101.5, low: 99.5, volume: 300, vwap: 100.25, tradeCount: 7, isFinal: true, version: 1 };
    expect((await take(bars1s, 2)).map((r) => r.data?.['bars'])).toEqual([
      { ...bar, windowStart: iso(T0), windowEnd: iso(T0 + 1000), close: 100.5 },
      { ...bar, windowStart: iso(T0 + 1000), windowEnd: iso(T0 + 2000), close: 101 },
    ]);
    expect((await take(bars1m, 1)).map((r) => r.data?.['bars'])).toEqual([
      { symbol: 'AAPL', interval: 'ONE_MINUTE', windowStart: iso(T0), open: 100, high: 102, low: 99, close: 101, volume: 1200, vwap: 100.5, tradeCount: 42, isFinal: true },
    ]);

    // Alerts at HIGH or above, of every symbol: the MEDIUM one is filtered out.
    publish('alerts.AAPL', 'alert', alert('AAPL', 'MEDIUM', T0 + 5000), T0 + 5000);
    publish('alerts.MSFT', 'alert', alert('MSFT', 'HIGH', T0 + 6000), T0 + 6000);
    publish('alerts.AAPL', 'alert', alert('AAPL', 'MEDIUM', T0 + 6500), T0 + 6500);
    publish('alerts.AAPL', 'alert', alert('AAPL', 'CRITICAL', T0 + 7000), T0 + 7000);
    expect((await take(alerts, 2)).map((r) => r.data?.['alerts'])).toEqual([
      { alertId: `pa:MSFT:${T0 + 6000}:c`, symbol: 'MSFT', severity: 'HIGH', pctChange: 6, detectedAt: iso(T0 + 6000), windowStart: iso(T0 - 54_000), direction: 'UP', trigger: 'TRADE' },
      { alertId: `pa:AAPL:${T0 + 7000}:c`, symbol: 'AAPL', severity: 'CRITICAL', pctChange: 11, detectedAt: iso(T0 + 7000), windowStart: iso(T0 - 53_000), direction: 'UP', trigger: 'TRADE' },
    ]);

    // Signals of the two symbols asked for; TSLA's is not delivered.
    publish('signals.AAPL', 'signal', signal('AAPL', T0, 55.5), T0 + 1000);
    publish('signals.TSLA', 'signal', signal('TSLA', T0, 70), T0 + 1000);
    publish('signals.MSFT', 'signal', signal('MSFT', T0, null), T0 + 1000);
    expect((await take(signals, 2)).map((r) => r.data?.['signals'])).toEqual([
      { symbol: 'AAPL', windowStart: iso(T0), rsi14: 55.5, ema26: null },
      { symbol: 'MSFT', windowStart: iso(T0), rsi14: null, ema26: null },
    ]);

    publish('orderbook.MSFT', 'orderbook', book('MSFT', T0 + 100), T0 + 100);
    publish('orderbook.AAPL', 'orderbook', book('AAPL', T0 + 200), T0 + 200);
    expect((await take(books, 1)).map((r) => r.data?.['orderbook'])).toEqual([
      { symbol: 'AAPL', timestamp: iso(T0 + 200), bestBid: 99.5, bestAsk: 100.5, spreadBps: 100, crossed: false, prevTimestamp: null, midChange: null },
    ]);

    // The connection holds 5 subscriptions, its maximum here: a sixth is refused.
    const sixth = c.iterate({ query: 'subscription { orderbook(symbol: "MSFT") { symbol } }' });
    expect(await failureOf(sixth)).toEqual([expect.objectContaining({ message: expect.stringMatching(/already holds 5 subscriptions/), extensions: { code: 'RATE_LIMITED' } })]);

    // Completing one subscription removes its listener; the others keep theirs.
    await bars1s.return?.();
    await waitFor('5 hub listeners', () => hub.listenerCount === start + 5);
    const again = c.iterate({ query: 'subscription { orderbook(symbol: "MSFT") { symbol } }' }); // room again
    await waitFor('6 hub listeners again', () => hub.listenerCount === start + 6);
    publish('orderbook.MSFT', 'orderbook', book('MSFT', T0 + 300), T0 + 300);
    expect((await take(again, 1)).map((r) => r.data?.['orderbook'])).toEqual([{ symbol: 'MSFT' }]);

    await c.dispose();
    await waitFor('the hub listener count back to its start', () => hub.listenerCount === start);
  });

  it('a client that vanishes without completing its subscriptions leaves no listener either', async () => {
    const start = hub.listenerCount;
    const c = client({ apiKey: readKey });
    const it1 = c.iterate({ query: 'subscription { signals(symbols: ["AAPL", "MSFT", "TSLA"]) { symbol } }' });
    const it2 = c.iterate({ query: 'subscription { alerts { symbol } }' });
    await waitFor('4 hub listeners', () => hub.listenerCount === start + 4);
    publish('alerts.TSLA', 'alert', alert('TSLA', 'MEDIUM', T0), T0);
    expect((await take(it2, 1)).map((r) => r.data?.['alerts'])).toEqual([{ symbol: 'TSLA' }]); // default minSeverity MEDIUM
    c.terminate(); // closes the socket at once: no `complete` messages
    await waitFor('the hub listener count back to its start', () => hub.listenerCount === start);
    void it1.return?.();
  });

  describe('refusals', () => {
    it.each([
      ['an unknown key', { apiKey: `tf_000000000000_${'A'.repeat(43)}` }, /unknown, revoked or malformed/],
      ['a malformed key', { apiKey: 'hello' }, /unknown, revoked or malformed/],
      ['no connectionParams', undefined, /send connectionParams \{ apiKey \}/],
    ])('%s: the socket closes with 4403 and a reason, nothing subscribes', async (_what, params, reason) => {
      const start = hub.listenerCount;
      const c = client(params);
      const it = c.iterate({ query: 'subscription { alerts { symbol } }' });
      expect(await failureOf(it)).toMatchObject({ code: 4403, reason: expect.stringMatching(reason) });
      expect(hub.listenerCount).toBe(start);
    });

    it('a revoked key is refused at connect, and a key revoked while connected starts nothing new', async () => {
      const k = newApiKey('temp', ['read']);
      await store.put(k.record);
      const start = hub.listenerCount;
      const c = client({ apiKey: k.key });
      const first = c.iterate({ query: 'subscription { alerts { symbol } }' });
      await waitFor('1 hub listener', () => hub.listenerCount === start + 1);
      await store.put({ ...k.record, revokedAtMs: Date.now() });
      const second = c.iterate({ query: 'subscription { orderbook(symbol: "AAPL") { symbol } }' });
      expect(await failureOf(second)).toEqual([expect.objectContaining({ message: 'the API key of this connection has been revoked', extensions: { code: 'UNAUTHENTICATED' } })]);
      await first.return?.();
      const later = client({ apiKey: k.key }).iterate({ query: 'subscription { alerts { symbol } }' });
      expect(await failureOf(later)).toMatchObject({ code: 4403 });
      await waitFor('the hub listener count back to its start', () => hub.listenerCount === start);
    });

    it.each([
      ['a symbol the hub cannot name', 'subscription { bars(symbol: "aapl", interval: ONE_SECOND) { close } }', /symbol "aapl" is not a symbol/],
      ['too many symbols', `subscription { signals(symbols: [${Array.from({ length: 101 }, (_, i) => `"S${i}"`).join(', ')}]) { symbol } }`, /names 101 symbols; the maximum is 100/],
      ['an empty symbol list', 'subscription { signals(symbols: []) { symbol } }', /at least one symbol/],
      ['an unknown interval', 'subscription { bars(symbol: "AAPL", interval: TEN_SECONDS) { close } }', /TEN_SECONDS/],
      ['a field that does not exist', 'subscription { orderbook(symbol: "AAPL") { depth } }', /Cannot query field "depth"/],
      ['two root fields', 'subscription { a: alerts { symbol } b: alerts { symbol } }', /must select only one top level field/],
      ['nesting beyond the depth limit', `subscription { orderbook(symbol: "AAPL") { ${'... on OrderBookMetrics { '.repeat(15)}symbol${' }'.repeat(15)} } }`, /17 levels deep; the maximum is 15/],
    ])('%s: VALIDATION_FAILED, the connection stays usable', async (_what, query, message) => {
      const start = hub.listenerCount;
      const c = client({ apiKey: readKey });
      expect(await failureOf(c.iterate({ query }))).toEqual([expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: 'VALIDATION_FAILED' }) })]);
      const ok = c.iterate({ query: 'subscription { alerts(symbols: ["AAPL"]) { symbol } }' });
      await waitFor('1 hub listener', () => hub.listenerCount === start + 1);
      await ok.return?.();
      await waitFor('the hub listener count back to its start', () => hub.listenerCount === start);
    });
  });
});
