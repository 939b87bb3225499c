// GraphQL queries over HTTP against real services: chDB fixtures in enriched_trades, API keys in
// Redis, the app from buildApp with the GraphQL feature. Expected figures are computed by hand
// from the fixture below, never by the code under test.
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { getIntrospectionQuery } from '../src/graphql/graphql-js';
import { STORED_EVENTS, openTestClickHouse, runMigrations, type ClickHouse, type TestClickHouse } from '@tickflow/clickhouse';
import type { EnrichedTrade, Side } from '@tickflow/schemas';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { LiveHub } from '../src/live/live-hub';
import { graphqlFeature } from '../src/graphql';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** 2024-03-04 14:00:00.000 UTC */
const T0 = Date.UTC(2024, 2, 4, 14, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

const REFERENCE: Record<string, Pick<EnrichedTrade, 'company_name' | 'sector' | 'industry' | 'market_cap_tier' | 'listed_exchange'>> = {
  AAPL: { company_name: 'Apple Inc.', sector: 'Technology', industry: 'Consumer Electronics', market_cap_tier: 'MEGA', listed_exchange: 'NASDAQ' },
  MSFT: { company_name: 'Microsoft Corp.', sector: 'Technology', industry: 'Software', market_cap_tier: 'MEGA', listed_exchange: 'NASDAQ' },
  XOM: { company_name: 'Exxon Mobil Corp.', sector: 'Energy', industry: 'Oil & Gas', market_cap_tier: 'LARGE', listed_exchange: 'NYSE' },
};

function trade(tradeId: string, account: string, symbol: string, side: Side, quantity: number, price: number, offsetMs: number, seq: number, status = 'FILLED'): EnrichedTrade {
  const ts = T0 + offsetMs;
  return {
    trade_id: tradeId,
    order_id: `o-${tradeId}`,
    symbol,
    side,
    quantity,
    price,
    status,
    exchange: 'XNAS',
    trader_id: `trader-${account}`,
    account_id: account,
    timestamp_ms: ts,
    event_type: 'TRADE',
    ...REFERENCE[symbol]!,
    event_ts: ts,
    ingest_ts: ts + 3,
    seq,
    source: 'test',
    correlation_id: `c-${tradeId}`,
    version: 1,
  };
}

// Account ACC-1, in trade order (prices are binary fractions: every sum is exact):
//   AAPL  t1 BUY 100 @ 10 (+0 s)   t2 BUY 50 @ 16 (+10 s)
//         t3 SELL 60 @ 15 (+20 s, seq 3)   t4 SELL 120 @ 11 (+20 s, seq 4): same ms, t3 first by
//         seq although its trade_id sorts after t4's and it is inserted after t4
//   MSFT  t5 SELL 10 @ 400 (+5 s, PARTIALLY_FILLED)   t6 BUY 4 @ 390 (+15 s)
//   XOM   t7 BUY 20 @ 50 (+12 s)   t8 SELL 20 @ 52.5 (+40 s)
// Account ACC-2 sets the latest prices: u1 AAPL BUY 5 @ 14 (+50 s), u2 MSFT SELL 1 @ 380 (+45 s).
// t2 is stored twice (two batches with different tokens): FINAL must count it once.
const t1 = trade('t1', 'ACC-1', 'AAPL', 'BUY', 100, 10, 0, 1);
const t2 = trade('t2', 'ACC-1', 'AAPL', 'BUY', 50, 16, 10_000, 2);
const t3 = trade('z-t3', 'ACC-1', 'AAPL', 'SELL', 60, 15, 20_000, 3);
const t4 = trade('a-t4', 'ACC-1', 'AAPL', 'SELL', 120, 11, 20_000, 4);
const t5 = trade('t5', 'ACC-1', 'MSFT', 'SELL', 10, 400, 5000, 5, 'PARTIALLY_FILLED');
const t6 = trade('t6', 'ACC-1', 'MSFT', 'BUY', 4, 390, 15_000, 6);
const t7 = trade('t7', 'ACC-1', 'XOM', 'BUY', 20, 50, 12_000, 7);
const t8 = trade('t8', 'ACC-1', 'XOM', 'SELL', 20, 52.5, 40_000, 8);
const u1 = trade('u1', 'ACC-2', 'AAPL', 'BUY', 5, 14, 50_000, 9);
const u2 = trade('u2', 'ACC-2', 'MSFT', 'SELL', 1, 380, 45_000, 10);

// By hand, ACC-1 (average cost; the rules are in position-accounting.ts):
//   AAPL  long 100 @ 10 → long 150 @ (1000 + 800) / 150 = 12 → sell 60 @ 15 realizes 60 × 3 = 180,
//         long 90 @ 12 → sell 120 @ 11 realizes 90 × (11 − 12) = −90 and opens short 30 @ 11.
//         realized 90; latest AAPL 14 (u1): unrealized (14 − 11) × −30 = −90, value −420, basis −330
//   MSFT  short 10 @ 400 → buy 4 @ 390 realizes 4 × (400 − 390) = 40; short 6 @ 400;
//         latest 380 (u2): unrealized (380 − 400) × −6 = 120, value −2280, basis −2400
//   XOM   long 20 @ 50 → sell 20 @ 52.5: flat, realized 20 × 2.5 = 50; latest 52.5 (t8)
//   totals: realized 180, unrealized 30, value −2700, basis −2730
const EXPECTED_POSITIONS = [
  { symbol: 'AAPL', netQuantity: -30, averageCost: 11, costBasis: -330, realizedPnl: 90, unrealizedPnl: -90, marketValue: -420, latestPrice: 14, latestPriceAt: iso(T0 + 50_000), boughtQuantity: 150, soldQuantity: 180, tradeCount: 4, lastTradeAt: iso(T0 + 20_000) },
  { symbol: 'MSFT', netQuantity: -6, averageCost: 400, costBasis: -2400, realizedPnl: 40, unrealizedPnl: 120, marketValue: -2280, latestPrice: 380, latestPriceAt: iso(T0 + 45_000), boughtQuantity: 4, soldQuantity: 10, tradeCount: 2, lastTradeAt: iso(T0 + 15_000) },
  { symbol: 'XOM', netQuantity: 0, averageCost: null, costBasis: 0, realizedPnl: 50, unrealizedPnl: 0, marketValue: 0, latestPrice: 52.5, latestPriceAt: iso(T0 + 40_000), boughtQuantity: 20, soldQuantity: 20, tradeCount: 2, lastTradeAt: iso(T0 + 40_000) },
];

/** A GraphQL response as the tests read it: the data's shape is whatever the query selected. */
interface GraphqlBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests index into the selected fields directly
  data: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

const POSITION_FIELDS = 'symbol netQuantity averageCost costBasis realizedPnl unrealizedPnl marketValue latestPrice latestPriceAt boughtQuantity soldQuantity tradeCount lastTradeAt';
const SECTOR_FIELDS = 'window from to sectors { sector volume value tradeCount vwap changePercent symbolCount topSymbol { symbol volume value tradeCount vwap firstPrice lastPrice changePercent } }';

describe('GraphQL over HTTP (chDB + Redis)', () => {
  const prefix = `tickflow-test:graphql:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let store: RedisApiKeyStore;
  let tch: TestClickHouse;
  let ch: ClickHouse;
  let app: FastifyInstance;
  let readKey: string;

  const gql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = { 'x-api-key': readKey }) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, ...(variables ? { variables } : {}) } });
    return { status: res.statusCode, body: res.json() as GraphqlBody, headers: res.headers };
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new RedisApiKeyStore(redis, prefix);
    const reader = newApiKey('alice', ['read'], 'portfolio tool');
    await store.put(reader.record);
    readKey = reader.key;

    tch = await openTestClickHouse();
    ch = tch.ch;
    await runMigrations(ch);
    const { table, toRow } = STORED_EVENTS.EnrichedTrade;
    await ch.insert(table, [t4, t3, t8, u1].map(toRow), { dedupToken: 'graphql-test:1' });
    await ch.insert(table, [t1, t2, t5, t6, t7, u2].map(toRow), { dedupToken: 'graphql-test:2' });
    await ch.insert(table, [t2].map(toRow), { dedupToken: 'graphql-test:3' }); // the duplicate

    app = await buildApp({
      keys: store,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 10_000, timeWindowMs: 60_000, redis },
      corsOrigins: [],
      features: [graphqlFeature({ ch, hub: new LiveHub(), keys: store })],
    });
  });

  afterAll(async () => {
    await app?.close();
    await tch?.dispose();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('the fixture holds t2 twice: the duplicate the reads must see once', async () => {
    const [row] = await ch.query<{ n: number }>(`SELECT count() AS n FROM enriched_trades WHERE trade_id = 't2'`);
    expect(row?.n).toBe(2);
  });

  describe('portfolio', () => {
    it('positions, average cost, realized and unrealized P&L at the latest price, as computed by hand', async () => {
      const { status, body } = await gql(`query ($a: String!) { portfolio(accountId: $a) { accountId realizedPnl unrealizedPnl marketValue costBasis positions { ${POSITION_FIELDS} } } }`, { a: 'ACC-1' });
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      expect(body.data!['portfolio']).toEqual({ accountId: 'ACC-1', realizedPnl: 180, unrealizedPnl: 30, marketValue: -2700, costBasis: -2730, positions: EXPECTED_POSITIONS });
    });

    it('an account with one trade: long at its price, valued at the symbol latest trade (of anyone)', async () => {
      const { body } = await gql(`{ portfolio(accountId: "ACC-2") { positions { symbol netQuantity averageCost unrealizedPnl marketValue latestPrice } } }`);
      // ACC-2: AAPL long 5 @ 14 (latest 14: no gain); MSFT short 1 @ 380 (latest 380).
      expect(body.data!['portfolio'].positions).toEqual([
        { symbol: 'AAPL', netQuantity: 5, averageCost: 14, unrealizedPnl: 0, marketValue: 70, latestPrice: 14 },
        { symbol: 'MSFT', netQuantity: -1, averageCost: 380, unrealizedPnl: 0, marketValue: -380, latestPrice: 380 },
      ]);
    });

    it('an unknown account has no positions; a hostile account id is just a string', async () => {
      for (const accountId of ['nobody', "ACC-1' OR 1=1 --", 'ACC-1\\']) {
        const { status, body } = await gql('query ($a: String!) { portfolio(accountId: $a) { positions { symbol } realizedPnl } }', { a: accountId });
        expect([status, body.data]).toEqual([200, { portfolio: { positions: [], realizedPnl: 0 } }]);
      }
    });
  });

  describe('sectorPerformance', () => {
    // asOf T0 + 60 s, ONE_MINUTE → (T0, T0 + 60 s]: t1 at exactly T0 is out, everything else in.
    //   AAPL t2 50 @ 16, t3 60 @ 15, t4 120 @ 11, u1 5 @ 14: volume 235, value 800 + 900 + 1320 + 70 = 3090,
    //        first 16 (t2), last 14 (u1): −12.5 %
    //   MSFT t5 10 @ 400, t6 4 @ 390, u2 1 @ 380: volume 15, value 4000 + 1560 + 380 = 5940, vwap 396,
    //        first 400, last 380: −5 %
    //   Technology: volume 250, value 9030, 7 trades, vwap 36.12,
    //        change (3090 × −12.5 + 5940 × −5) / 9030 = −68325 / 9030; top MSFT (5940 > 3090)
    //   Energy: XOM t7 20 @ 50, t8 20 @ 52.5: volume 40, value 2050, vwap 51.25, +5 %
    it('per-sector volume, value, count, VWAP, value-weighted change and top symbol, by hand', async () => {
      const { status, body } = await gql(`{ sectorPerformance(window: ONE_MINUTE, asOf: "${iso(T0 + 60_000)}") { ${SECTOR_FIELDS} } }`);
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      const perf = body.data!['sectorPerformance'];
      expect([perf.window, perf.from, perf.to]).toEqual(['ONE_MINUTE', iso(T0), iso(T0 + 60_000)]);
      expect(perf.sectors.map((s: { sector: string }) => s.sector)).toEqual(['Technology', 'Energy']);
      const [tech, energy] = perf.sectors;
      expect(tech).toMatchObject({ sector: 'Technology', volume: 250, value: 9030, tradeCount: 7, symbolCount: 2 });
      expect(tech.vwap).toBeCloseTo(36.12, 10);
      expect(tech.changePercent).toBeCloseTo(-68325 / 9030, 10);
      expect(tech.topSymbol).toEqual({ symbol: 'MSFT', volume: 15, value: 5940, tradeCount: 3, vwap: 396, firstPrice: 400, lastPrice: 380, changePercent: expect.closeTo(-5, 10) });
      expect(energy).toEqual({
        sector: 'Energy', volume: 40, value: 2050, tradeCount: 2, vwap: 51.25, changePercent: expect.closeTo(5, 10), symbolCount: 1,
        topSymbol: { symbol: 'XOM', volume: 40, value: 2050, tradeCount: 2, vwap: 51.25, firstPrice: 50, lastPrice: 52.5, changePercent: expect.closeTo(5, 10) },
      });
    });

    it('asOf with a zone offset means the same instant; a window with no trades has no sectors', async () => {
      const { body } = await gql(`{ a: sectorPerformance(window: ONE_MINUTE, asOf: "2024-03-04T15:01:00+01:00") { to sectors { sector volume } }
                                     b: sectorPerformance(window: ONE_MINUTE, asOf: "2024-03-05T00:00:00Z") { sectors { sector } } }`);
      expect(body.data!['a']).toEqual({ to: iso(T0 + 60_000), sectors: [{ sector: 'Technology', volume: 250 }, { sector: 'Energy', volume: 40 }] });
      expect(body.data!['b']).toEqual({ sectors: [] });
    });

    it('without asOf the window ends at the latest stored trade (u1, T0 + 50 s), so t1 is in', async () => {
      const { body } = await gql('{ sectorPerformance(window: ONE_MINUTE) { from to sectors { sector volume value topSymbol { symbol firstPrice } } } }');
      const perf = body.data!['sectorPerformance'];
      expect([perf.from, perf.to]).toEqual([iso(T0 - 10_000), iso(T0 + 50_000)]);
      // Technology gains t1 (100 @ 10): volume 350, value 10030; AAPL's value 4090 is still below MSFT's 5940.
      expect(perf.sectors[0]).toEqual({ sector: 'Technology', volume: 350, value: 10_030, topSymbol: { symbol: 'MSFT', firstPrice: 400 } });
    });
  });

  describe('symbols', () => {
    it('lists traded symbols with reference data and their last trade; filters by sector; pages by name', async () => {
      const { body } = await gql(`{ all: symbols { symbol companyName sector industry marketCapTier listedExchange lastPrice lastTradeAt }
                                    energy: symbols(sector: "Energy") { symbol }
                                    page: symbols(after: "AAPL", limit: 1) { symbol } }`);
      expect(body.errors).toBeUndefined();
      expect(body.data!['all']).toEqual([
        { symbol: 'AAPL', companyName: 'Apple Inc.', sector: 'Technology', industry: 'Consumer Electronics', marketCapTier: 'MEGA', listedExchange: 'NASDAQ', lastPrice: 14, lastTradeAt: iso(T0 + 50_000) },
        { symbol: 'MSFT', companyName: 'Microsoft Corp.', sector: 'Technology', industry: 'Software', marketCapTier: 'MEGA', listedExchange: 'NASDAQ', lastPrice: 380, lastTradeAt: iso(T0 + 45_000) },
        { symbol: 'XOM', companyName: 'Exxon Mobil Corp.', sector: 'Energy', industry: 'Oil & Gas', marketCapTier: 'LARGE', listedExchange: 'NYSE', lastPrice: 52.5, lastTradeAt: iso(T0 + 40_000) },
      ]);
      expect(body.data!['energy']).toEqual([{ symbol: 'XOM' }]);
      expect(body.data!['page']).toEqual([{ symbol: 'MSFT' }]);
    });

    it('hostile strings reach ClickHouse as bound values only: no rows, no damage', async () => {
      const { status, body } = await gql(`{ symbols(sector: "' OR 1=1; DROP TABLE enriched_trades; --", after: "\\\\' OR ''='") { symbol } }`);
      expect([status, body.data]).toEqual([200, { symbols: [] }]);
      const [row] = await ch.query<{ n: number }>('SELECT count() AS n FROM enriched_trades');
      expect(row?.n).toBe(11);
    });
  });

  describe('auth', () => {
    it.each([
      ['no key', {}],
      ['a malformed key', { authorization: 'Bearer hello' }],
      ['an unknown key', { 'x-api-key': `tf_000000000000_${'A'.repeat(43)}` }],
    ])('refuses %s: 401, a GraphQL error with code UNAUTHENTICATED, nothing executed', async (_what, headers) => {
      const { status, body, headers: h } = await gql('{ symbols { symbol } }', undefined, headers as Record<string, string>);
      expect(status).toBe(401);
      expect(h['www-authenticate']).toMatch(/^Bearer/);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
    });

    it('accepts Bearer as well as X-API-Key, and GET for queries; a revoked key stops at once', async () => {
      const k = newApiKey('bob', ['read']);
      await store.put(k.record);
      const bearer = await gql('{ symbols(limit: 1) { symbol } }', undefined, { authorization: `Bearer ${k.key}` });
      expect([bearer.status, bearer.body.data]).toEqual([200, { symbols: [{ symbol: 'AAPL' }] }]);
      const get = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('{ symbols(limit: 1) { symbol } }')}`, headers: { 'x-api-key': k.key } });
      expect([get.statusCode, get.json().data]).toEqual([200, { symbols: [{ symbol: 'AAPL' }] }]);
      await store.put({ ...k.record, revokedAtMs: Date.now() });
      const revoked = await gql('{ symbols { symbol } }', undefined, { authorization: `Bearer ${k.key}` });
      expect([revoked.status, revoked.body.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
    });
  });

  describe('limits', () => {
    it('admits the standard introspection query (introspection stays on)', async () => {
      const { status, body } = await gql(getIntrospectionQuery());
      expect(status).toBe(200);
      expect(body.data!['__schema'].types.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['Portfolio', 'SectorStats', 'DateTime']));
    });

    it('refuses a query deeper than 15 levels, saying so', async () => {
      const ofTypes = 'ofType { '.repeat(11) + 'name' + ' }'.repeat(11);
      const { status, body } = await gql(`query Deep { __schema { types { fields { type { ${ofTypes} } } } } }`);
      expect(status).toBe(400);
      expect(body.errors).toEqual([{ message: 'operation Deep is 16 levels deep; the maximum is 15. Select less deeply nested fields.', locations: [{ line: 1, column: 1 }], extensions: { code: 'VALIDATION_FAILED', depth: 16, maxDepth: 15 } }]);
    });

    it('refuses a query above the cost limit, saying how it was counted', async () => {
      const page = (a: string) => `${a}: symbols(limit: 1000) { symbol companyName sector industry marketCapTier listedExchange lastPrice lastTradeAt }`;
      const { status, body } = await gql(`{ ${page('a')} ${page('b')} ${page('c')} }`);
      expect(status).toBe(400);
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]!.message).toMatch(/estimated cost of 27000; the maximum is 25000\. Each field costs 1 and a list multiplies its selection by its limit/);
      expect(body.errors![0]!.extensions).toEqual({ code: 'VALIDATION_FAILED', cost: 27_000, maxCost: 25_000 });
    });
  });

  describe('bad arguments', () => {
    it.each([
      ['an empty accountId', '{ portfolio(accountId: "") { accountId } }', /accountId must be 1–128 characters/],
      ['an unknown window', '{ sectorPerformance(window: TEN_YEARS) { to } }', /TEN_YEARS.*TimeWindow/],
      ['asOf that is not ISO-8601', '{ sectorPerformance(window: ONE_HOUR, asOf: "yesterday") { to } }', /not an ISO-8601 instant/],
      ['asOf without a zone', '{ sectorPerformance(window: ONE_HOUR, asOf: "2024-03-04T14:00:00") { to } }', /with a zone/],
      ['a limit of 0', '{ symbols(limit: 0) { symbol } }', /limit must be 1–1000, got 0/],
      ['a limit above 1000', '{ symbols(limit: 5000) { symbol } }', /limit must be 1–1000, got 5000/],
      ['a field that does not exist', '{ symbols { price } }', /Cannot query field "price"/],
      ['a missing required argument', '{ portfolio { accountId } }', /argument "accountId" of type "String!" is required/],
      ['a syntax error', '{ portfolio(accountId: "x" { accountId } }', /Syntax Error/],
      ['a query longer than 5000 tokens', `{ ${'a: __typename '.repeat(2000)}}`, /more that 5000 tokens/],
      ['a subscription over HTTP', 'subscription { alerts { symbol } }', /subscriptions run over a WebSocket at \/graphql/],
    ])('%s: 400 VALIDATION_FAILED with the reason', async (_what, query, reason) => {
      const { status, body } = await gql(query);
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(reason), extensions: { code: 'VALIDATION_FAILED' } });
    });

    it('a bad variable is refused the same way', async () => {
      const { status, body } = await gql('query ($t: DateTime) { sectorPerformance(window: ONE_HOUR, asOf: $t) { to } }', { t: '2024-13-01T00:00:00Z' });
      expect(status).toBe(400);
      expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/\$t.*not a valid date/), extensions: { code: 'VALIDATION_FAILED' } });
    });
  });

  it('ClickHouse down: 503 UNAVAILABLE without internals', async () => {
    const dead = await openTestClickHouse();
    await dead.ch.close();
    const other = await buildApp({
      keys: store,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 100, timeWindowMs: 60_000 },
      corsOrigins: [],
      features: [graphqlFeature({ ch: dead.ch, hub: new LiveHub(), keys: store })],
    });
    try {
      const res = await other.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': readKey }, payload: { query: '{ portfolio(accountId: "ACC-1") { realizedPnl } }' } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ data: null, errors: [{ message: 'the history store is unavailable; retry shortly', locations: [{ line: 1, column: 3 }], path: ['portfolio'], extensions: { code: 'UNAVAILABLE' } }] });
    } finally {
      await other.close();
      await ch.command('DROP DATABASE IF EXISTS {db:Identifier}', { db: dead.settings.database });
    }
  });

  it('GraphQL requests count against the key rate limit like any route', async () => {
    const limited = await buildApp({
      keys: store,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 2, timeWindowMs: 60_000 },
      corsOrigins: [],
      features: [graphqlFeature({ ch, hub: new LiveHub(), keys: store })],
    });
    try {
      const hit = () => limited.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': readKey }, payload: { query: '{ __typename }' } });
      const statuses = [(await hit()).statusCode, (await hit()).statusCode];
      const third = await hit();
      expect([...statuses, third.statusCode]).toEqual([200, 200, 429]);
      expect(third.json().errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});
