// GraphQL history queries (bars, aggregates, signals, latestSignal(s), orderbook, alerts) against
// real chDB (or CLICKHOUSE_URL) and real Redis keys, through app.inject, in an app serving REST too:
// exact values, pagination walks, refused cursors and times, and GraphQL ↔ REST parity. Rows go in
// through the processor's row mappers (STORED_EVENTS); expected items are written out here from the
// fixture events, independently of the code under test.
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { STORED_EVENTS, openTestClickHouse, runMigrations, toStoredRow, type StoredEventMap, type StoredEventName, type TestClickHouse } from '@tickflow/clickhouse';
import type { MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { LiveHub } from '../src/live/live-hub';
import { graphqlFeature } from '../src/graphql';
import { restFeature } from '../src/rest/rest-feature';
import { iso, microBar, orderBook, priceAlert, signal, tradeAggregate } from './rest-harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const T0 = Date.UTC(2024, 7, 8, 13, 30, 0, 0); // 2024-08-08T13:30:00.000Z

// AAPL: five 1 s bars, the third corrected (version 2); one MSFT bar.
const bars1s: MicroBar[] = Array.from({ length: 5 }, (_, i) => microBar('AAPL', T0 + i * 1000, { open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 10 + i, vwap: 100.25 + i, count: 3 + i }));
const barCorrection = microBar('AAPL', T0 + 2000, { open: 102, high: 108, low: 101, close: 107.5, volume: 33, vwap: 104, count: 8, version: 2 });
const msftBar = microBar('MSFT', T0, { close: 400.25 });

// AAPL 1m aggregates (the second corrected), one 5m, and a sector aggregate.
const aggs1m = Array.from({ length: 3 }, (_, k) => tradeAggregate('AAPL', '1m', T0 + k * 60_000, { open_price: 100 + k, close_price: 100.5 + k, high_price: 102 + k, low_price: 99 + k, total_volume: 50 + k, trade_count: 7 + k }));
const aggCorrection = tradeAggregate('AAPL', '1m', T0 + 60_000, { open_price: 101, close_price: 104, high_price: 106, low_price: 100, total_volume: 80, total_value: 8160, vwap: 102, trade_count: 12, buy_count: 12, sell_count: 0, buy_sell_ratio: null, volatility_anomaly: true, version: 2 });
const agg5m = tradeAggregate('AAPL', '5m', T0, { total_volume: 260 });
const sectorAgg = tradeAggregate('Information Technology', '1m', T0, { scope: 'sector', total_volume: 999 });

// AAPL signals (the first warming up, the third corrected); one MSFT signal, later.
const signals: Signal[] = Array.from({ length: 4 }, (_, i) =>
  signal('AAPL', T0 + i * 1000, i === 0 ? { rsi14: null, macd_signal: null, macd_hist: null, realized_vol: null } : { ema12: 100 + i / 10, rsi14: 50 + i }),
);
const signalCorrection = signal('AAPL', T0 + 2000, { ema12: 999, rsi14: 11, version: 2 });
const msftSignal = signal('MSFT', T0 + 10_000, { ema12: 401 });

// AAPL book snapshots: two in one millisecond (seq orders them), one without a bid, one with changes.
const books: OrderBookMetrics[] = [
  orderBook('AAPL', T0, 1),
  orderBook('AAPL', T0, 2, { best_bid: 99.95, spread: 0.15, spread_bps: 15 }),
  orderBook('AAPL', T0 + 5, 3, { best_bid: null, mid_price: null, spread: null, spread_bps: null, imbalance_5: null }),
  orderBook('AAPL', T0 + 1000, 4, { prev_timestamp_ms: T0 + 5, mid_change: 0.05, spread_change: -0.01, imbalance_5_change: 0.02, imbalance_10_change: 0, imbalance_20_change: -0.5 }),
];
const bookCorrection = orderBook('AAPL', T0, 2, { best_bid: 99.97, spread: 0.13, spread_bps: 13, version: 2 });

const alerts: PriceAlert[] = [
  priceAlert('AAPL', T0 + 1000, 'MEDIUM'),
  priceAlert('AAPL', T0 + 2000, 'HIGH'),
  priceAlert('MSFT', T0 + 2000, 'CRITICAL', { direction: 'DOWN', trigger: 'QUOTE' }),
  priceAlert('TSLA', T0 + 3000, 'MEDIUM'),
];
const alertCorrection: PriceAlert = { ...alerts[0]!, current_price: 102.9, pct_change: 2.9, version: 2 };

/** The stored history after corrections. */
const finalBars1s = bars1s.map((b) => (b.window_start === barCorrection.window_start ? barCorrection : b));
const finalAggs1m = aggs1m.map((a) => (a.window_start === aggCorrection.window_start ? aggCorrection : a));
const finalSignals = signals.map((s) => (s.window_start === signalCorrection.window_start ? signalCorrection : s));
const finalBooks = books.map((b) => (b.seq === bookCorrection.seq ? bookCorrection : b));
const finalAlerts = alerts.map((a) => (a.alert_id === alertCorrection.alert_id ? alertCorrection : a));

// Expected GraphQL items, mapped by hand from the events (history: final rows, no version).
const gBar = (e: MicroBar) => ({
  symbol: e.symbol, interval: 'ONE_SECOND', windowStart: iso(e.window_start), windowEnd: iso(e.window_end),
  open: e.open, high: e.high, low: e.low, close: e.close, volume: e.volume, vwap: e.vwap, tradeCount: e.count, isFinal: true, version: null,
});
const gAggBar = (a: TradeAggregate, interval: string) => ({
  symbol: a.symbol, interval, windowStart: iso(a.window_start), windowEnd: iso(a.window_end),
  open: a.open_price, high: a.high_price, low: a.low_price, close: a.close_price, volume: a.total_volume, vwap: a.vwap, tradeCount: a.trade_count, isFinal: true, version: null,
});
const gAgg = (a: TradeAggregate, scope: string, window: string) => ({
  symbol: a.symbol, scope, window, windowStart: iso(a.window_start), windowEnd: iso(a.window_end),
  totalVolume: a.total_volume, totalValue: a.total_value, vwap: a.vwap, tradeCount: a.trade_count, buyCount: a.buy_count, sellCount: a.sell_count,
  buySellRatio: a.buy_sell_ratio, openPrice: a.open_price, highPrice: a.high_price, lowPrice: a.low_price, closePrice: a.close_price,
  volatilityAnomaly: a.volatility_anomaly, computedAt: iso(a.computed_at),
});
const gSig = (s: Signal) => ({
  symbol: s.symbol, windowStart: iso(s.window_start), windowEnd: iso(s.window_end), isFinal: true,
  ema12: s.ema12, ema26: s.ema26, macd: s.macd, macdSignal: s.macd_signal, macdHist: s.macd_hist, rsi14: s.rsi14,
  bbUpper: s.bb_upper, bbMiddle: s.bb_middle, bbLower: s.bb_lower, vwapSession: s.vwap_session, vwapRolling: s.vwap_rolling,
  realizedVol: s.realized_vol, spread: s.spread, imbalance: s.imbalance, version: null,
});
const gBook = (b: OrderBookMetrics) => ({
  symbol: b.symbol, timestamp: iso(b.timestamp_ms), bestBid: b.best_bid, bestAsk: b.best_ask, midPrice: b.mid_price, spread: b.spread,
  spreadBps: b.spread_bps, crossed: b.crossed, bidDepth5: b.bid_depth_5, askDepth5: b.ask_depth_5, imbalance5: b.imbalance_5,
  bidDepth10: b.bid_depth_10, askDepth10: b.ask_depth_10, imbalance10: b.imbalance_10, bidDepth20: b.bid_depth_20, askDepth20: b.ask_depth_20,
  imbalance20: b.imbalance_20, prevTimestamp: b.prev_timestamp_ms === null ? null : iso(b.prev_timestamp_ms), midChange: b.mid_change,
  spreadChange: b.spread_change, imbalance5Change: b.imbalance_5_change, imbalance10Change: b.imbalance_10_change, imbalance20Change: b.imbalance_20_change,
});
const gAlert = (a: PriceAlert) => ({
  alertId: a.alert_id, alertType: a.alert_type, symbol: a.symbol, direction: a.direction, baselinePrice: a.baseline_price,
  currentPrice: a.current_price, pctChange: a.pct_change, windowStart: iso(a.window_start_ms), detectedAt: iso(a.detected_at_ms),
  severity: a.severity, trigger: a.trigger,
});

const BAR = 'symbol interval windowStart windowEnd open high low close volume vwap tradeCount isFinal version';
const AGGREGATE = 'symbol scope window windowStart windowEnd totalVolume totalValue vwap tradeCount buyCount sellCount buySellRatio openPrice highPrice lowPrice closePrice volatilityAnomaly computedAt';
const SIGNAL = 'symbol windowStart windowEnd isFinal ema12 ema26 macd macdSignal macdHist rsi14 bbUpper bbMiddle bbLower vwapSession vwapRolling realizedVol spread imbalance version';
const BOOK = 'symbol timestamp bestBid bestAsk midPrice spread spreadBps crossed bidDepth5 askDepth5 imbalance5 bidDepth10 askDepth10 imbalance10 bidDepth20 askDepth20 imbalance20 prevTimestamp midChange spreadChange imbalance5Change imbalance10Change imbalance20Change';
const ALERT = 'alertId alertType symbol direction baselinePrice currentPrice pctChange windowStart detectedAt severity trigger';

/** A GraphQL response as the tests read it: the data's shape is whatever the query selected. */
interface GraphqlBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests index into the selected fields directly
  data: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}
type Item = Record<string, unknown>;

/**
 * One paginated listing: its field and fixed arguments, the selection, the rows it must return,
 * and the REST route serving the same read with GraphQL items renamed to REST's fields.
 */
interface Listing {
  name: string;
  field: string;
  args: string;
  selection: string;
  expected: () => Item[];
  rest: string;
  /** A GraphQL item as REST names its fields (REST-only fields are dropped from REST's rows by `restOnly`). */
  toRest: (item: Item) => Item;
  restOnly?: string[];
  /** A range that cuts the listing. @defaultValue [T0 + 1 s, T0 + 2 min) */
  range?: [number, number];
}

const restBar = (i: Item): Item => ({ symbol: i['symbol'], window_start: i['windowStart'], window_end: i['windowEnd'], open: i['open'], high: i['high'], low: i['low'], close: i['close'], volume: i['volume'], vwap: i['vwap'], trade_count: i['tradeCount'] });
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/(depth|imbalance)(\d)/g, '$1_$2');
const snakeKeys = (i: Item, drop: string[] = []): Item => Object.fromEntries(Object.entries(i).filter(([k]) => !drop.includes(k)).map(([k, v]) => [snake(k), v]));

const LISTINGS: Listing[] = [
  { name: '1 s bars', field: 'bars', args: 'symbol: "AAPL"', selection: BAR, expected: () => finalBars1s.map(gBar), rest: '/v1/bars/AAPL', toRest: restBar },
  {
    name: '1 m bars (symbol aggregates)', field: 'bars', args: 'symbol: "AAPL", interval: ONE_MINUTE', selection: BAR,
    expected: () => finalAggs1m.map((a) => gAggBar(a, 'ONE_MINUTE')), rest: '/v1/bars/AAPL?interval=1m', toRest: restBar,
  },
  {
    name: 'symbol aggregates', field: 'aggregates', args: 'symbol: "AAPL", window: ONE_MINUTE', selection: AGGREGATE,
    expected: () => finalAggs1m.map((a) => gAgg(a, 'SYMBOL', 'ONE_MINUTE')), rest: '/v1/aggregates/AAPL?window=1m',
    toRest: (i) => ({ ...snakeKeys(i, ['scope', 'window']), scope: 'symbol', window_size: '1m' }),
  },
  { name: 'signals', field: 'signals', args: 'symbol: "AAPL"', selection: SIGNAL, expected: () => finalSignals.map(gSig), rest: '/v1/signals/AAPL', toRest: (i) => snakeKeys(i, ['isFinal', 'version']) },
  { name: 'order book', field: 'orderbook', args: 'symbol: "AAPL"', selection: BOOK, expected: () => finalBooks.map(gBook), rest: '/v1/orderbook/AAPL', toRest: (i) => snakeKeys(i), restOnly: ['seq'] },
  { name: 'alerts', field: 'alerts', args: '', selection: ALERT, expected: () => finalAlerts.map(gAlert), rest: '/v1/alerts', toRest: (i) => snakeKeys(i), range: [T0 + 1000, T0 + 3000] },
];

/** `field(args…)` with the listing's fixed arguments and these. */
const call = (l: Listing, more: string): string => {
  const args = [l.args, more].filter((a) => a !== '').join(', ');
  return args === '' ? l.field : `${l.field}(${args})`;
};

describe('GraphQL history queries (chDB + Redis), beside REST', () => {
  const prefix = `tickflow-test:graphql-history:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let tch: TestClickHouse;
  let app: FastifyInstance;
  let readKey: string;
  let readKeyId: string;

  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': readKey }, payload: { query, ...(variables ? { variables } : {}) } });
    return { status: res.statusCode, body: res.json() as GraphqlBody };
  };
  const rest = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-api-key': readKey } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { data: Item[]; next_cursor: string | null };
  };
  /** The data of a query that must succeed. */
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const { status, body } = await gql(query, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(status).toBe(200);
    return body.data!;
  };
  /** The one error of a refused query: status 400, no data, this code. */
  const refused = async (query: string, code: string, message: RegExp) => {
    const { status, body } = await gql(query);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions?.code).toBe(code);
    expect(body.errors![0]!.message).toMatch(message);
  };
  const insert = async <N extends StoredEventName>(name: N, events: ReadonlyArray<StoredEventMap[N]>) => {
    await tch.ch.insert(STORED_EVENTS[name].table, events.map((e) => toStoredRow(name, e)));
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    const keys = new RedisApiKeyStore(redis, prefix);
    const reader = newApiKey('quant', ['read'], 'graphql history tests');
    await keys.put(reader.record);
    readKey = reader.key;
    readKeyId = reader.record.id;

    tch = await openTestClickHouse();
    await runMigrations(tch.ch);
    // Originals first, corrections in later blocks: as the writer stores a re-fired window.
    await insert('MicroBar', [...bars1s, msftBar]);
    await insert('TradeAggregate', [...aggs1m, agg5m, sectorAgg]);
    await insert('Signal', [...signals, msftSignal]);
    await insert('OrderBookMetrics', books);
    await insert('PriceAlert', alerts);
    await insert('MicroBar', [barCorrection]);
    await insert('TradeAggregate', [aggCorrection]);
    await insert('Signal', [signalCorrection]);
    await insert('OrderBookMetrics', [bookCorrection]);
    await insert('PriceAlert', [alertCorrection]);

    app = await buildApp({
      keys,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: 100_000, timeWindowMs: 60_000, redis },
      corsOrigins: [],
      maxEventLoopDelayMs: 60_000, // chDB start-up can block the loop; the load shedder is tested in core
      // As api-command.ts wires them: the same ClickHouse for both, graphqlFeature({ ch, hub, keys }).
      features: [restFeature({ ch: tch.ch }), graphqlFeature({ ch: tch.ch, hub: new LiveHub(), keys })],
    });
  });

  afterAll(async () => {
    await app?.close();
    await tch?.dispose();
    if (redis) {
      const left = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`tickflow:ratelimit:*${readKeyId}*`))];
      if (left.length > 0) await redis.del(...left);
      redis.disconnect();
    }
  });

  describe.each(LISTINGS)('$name', (l) => {
    it('returns the stored rows, corrections applied, as written out from the fixture; one page, no next cursor', async () => {
      const data = await ok(`{ ${call(l, '')} { items { ${l.selection} } nextCursor } }`);
      expect(data[l.field]).toEqual({ items: l.expected(), nextCursor: null });
    });

    it('a walk in pages of 2 returns every row exactly once, in order', async () => {
      const items: Item[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const data = await ok(`query ($after: String) { ${call(l, 'limit: 2, after: $after')} { items { ${l.selection} } nextCursor } }`, { after });
        const page = data[l.field] as { items: Item[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        items.push(...page.items);
        after = page.nextCursor;
        pages++;
      } while (after !== null && pages < 10);
      const expected = l.expected();
      expect(items).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
    });

    it('returns the same rows as its REST route, for the same range', async () => {
      const [fromMs, toMs] = l.range ?? [T0 + 1000, T0 + 120_000];
      const [from, to] = [iso(fromMs), iso(toMs)];
      const data = await ok(`{ ${call(l, `from: "${from}", to: "${to}"`)} { items { ${l.selection} } } }`);
      const sep = l.rest.includes('?') ? '&' : '?';
      const { data: restRows } = await rest(`${l.rest}${sep}from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      const items = data[l.field].items as Item[];
      expect(items.length).toBeGreaterThan(0);
      expect(items.length).toBeLessThan(l.expected().length); // the range does cut
      const drop = (r: Item): Item => Object.fromEntries(Object.entries(r).filter(([k]) => !(l.restOnly ?? []).includes(k)));
      expect(items.map(l.toRest)).toEqual(restRows.map(drop));
    });

    it.each([
      ['garbage', 'not-a-cursor!', /^after: cursor is not one this API issued: pass back nextCursor/],
      ['a cursor of another listing', 'WzEsInN5bWJvbHMiLCJBQVBMIl0', /^after: cursor belongs to another listing \(symbols\)/],
    ])('refuses %s as after with BAD_CURSOR', async (_what, cursor, message) => {
      await refused(`{ ${call(l, `after: "${cursor}"`)} { nextCursor } }`, 'BAD_CURSOR', message);
    });

    it.each([
      ['a day without a time', 'from: "2024-08-08"', /DateTime "2024-08-08" is not an ISO-8601 instant with a zone/],
      ['a time without a zone', 'to: "2024-08-08T13:30:00"', /is not an ISO-8601 instant with a zone/],
      ['a number', 'from: 1723123800000', /DateTime must be an ISO-8601 string/],
      ['from after to', `from: "${iso(T0 + 1)}", to: "${iso(T0)}"`, /from \(2024-08-08T13:30:00\.001Z\) is after to \(2024-08-08T13:30:00\.000Z\)/],
      ['a limit above 1000', 'limit: 1001', /limit must be 1–1000, got 1001/],
      ['a limit of 0', 'limit: 0', /limit must be 1–1000, got 0/],
    ])('refuses %s with VALIDATION_FAILED', async (_what, args, message) => {
      await refused(`{ ${call(l, args)} { nextCursor } }`, 'VALIDATION_FAILED', message);
    });
  });

  it('the other-listing cursor above is what symbols would issue', () => {
    expect(Buffer.from('WzEsInN5bWJvbHMiLCJBQVBMIl0', 'base64url').toString()).toBe('[1,"symbols","AAPL"]');
  });

  describe('bars', () => {
    it('FIVE_MINUTES reads the 5 m aggregates; a range is [from, to) on the window start', async () => {
      const data = await ok(`{
        five: bars(symbol: "AAPL", interval: FIVE_MINUTES) { items { ${BAR} } }
        range: bars(symbol: "AAPL", from: "${iso(T0 + 1000)}", to: "${iso(T0 + 3000)}") { items { windowStart close } nextCursor }
        zoned: bars(symbol: "AAPL", from: "2024-08-08T15:30:01+02:00", to: "2024-08-08T15:30:03+02:00") { items { windowStart } }
        none: bars(symbol: "NOPE") { items { windowStart } nextCursor }
      }`);
      expect(data['five'].items).toEqual([gAggBar(agg5m, 'FIVE_MINUTES')]);
      expect(data['range']).toEqual({ items: [{ windowStart: iso(T0 + 1000), close: 101.5 }, { windowStart: iso(T0 + 2000), close: 107.5 }], nextCursor: null });
      expect(data['zoned'].items).toEqual([{ windowStart: iso(T0 + 1000) }, { windowStart: iso(T0 + 2000) }]);
      expect(data['none']).toEqual({ items: [], nextCursor: null });
    });

    it('refuses a symbol outside the grammar', async () => {
      await refused('{ bars(symbol: "aapl; DROP") { nextCursor } }', 'VALIDATION_FAILED', /symbol "aapl; DROP" is not a symbol/);
    });
  });

  describe('aggregates', () => {
    it('scope SECTOR reads a sector by name; FIVE_MINUTES the 5 m windows', async () => {
      const data = await ok(`{
        sector: aggregates(symbol: "Information Technology", scope: SECTOR) { items { ${AGGREGATE} } }
        five: aggregates(symbol: "AAPL", window: FIVE_MINUTES) { items { symbol window totalVolume } }
      }`);
      expect(data['sector'].items).toEqual([gAgg(sectorAgg, 'SECTOR', 'ONE_MINUTE')]);
      expect(data['five'].items).toEqual([{ symbol: 'AAPL', window: 'FIVE_MINUTES', totalVolume: 260 }]);
    });

    it('the sector read equals REST’s', async () => {
      const data = await ok('{ aggregates(symbol: "Information Technology", scope: SECTOR) { items { totalVolume windowStart } } }');
      const { data: restRows } = await rest('/v1/aggregates/Information%20Technology?scope=sector');
      expect(data['aggregates'].items).toEqual(restRows.map((r) => ({ totalVolume: r['total_volume'], windowStart: r['window_start'] })));
    });

    it('refuses a name with a control character or longer than 64', async () => {
      await refused('{ aggregates(symbol: "A\\u0000B") { nextCursor } }', 'VALIDATION_FAILED', /1–64 characters without control characters/);
      await refused(`{ aggregates(symbol: "${'X'.repeat(65)}") { nextCursor } }`, 'VALIDATION_FAILED', /1–64 characters/);
    });
  });

  describe('latestSignal / latestSignals', () => {
    it('the latest row of a symbol (the correction applies), null without one', async () => {
      const data = await ok(`{ aapl: latestSignal(symbol: "AAPL") { ${SIGNAL} } msft: latestSignal(symbol: "MSFT") { ema12 windowStart } none: latestSignal(symbol: "NOPE") { ema12 } }`);
      expect(data['aapl']).toEqual(gSig(finalSignals[3]!));
      expect(data['msft']).toEqual({ ema12: 401, windowStart: iso(T0 + 10_000) });
      expect(data['none']).toBeNull();
    });

    it('latestSignals: in the order asked, a repeat once, symbols without signals left out; as REST', async () => {
      const data = await ok(`{ latestSignals(symbols: ["MSFT", "NOPE", "AAPL", "MSFT"]) { ${SIGNAL} } }`);
      expect(data['latestSignals']).toEqual([gSig(msftSignal), gSig(finalSignals[3]!)]);
      const { data: restRows } = await rest('/v1/signals/latest?symbols=MSFT,NOPE,AAPL,MSFT');
      expect((data['latestSignals'] as Item[]).map((i) => snakeKeys(i, ['isFinal', 'version']))).toEqual(restRows);
    });

    it.each([
      ['no symbols', '[]', /symbols must name at least one symbol/],
      ['101 symbols', JSON.stringify(Array.from({ length: 101 }, (_, i) => `S${i}`)), /names 101 symbols; the maximum is 100/],
      ['a bad symbol', '["AAPL", "a b"]', /symbols "a b" is not a symbol/],
    ])('refuses %s', async (_what, list, message) => {
      await refused(`{ latestSignals(symbols: ${list}) { symbol } }`, 'VALIDATION_FAILED', message);
    });

    it('latestSignal refuses a bad symbol (a nullable field: null, with the error, status 200)', async () => {
      const { status, body } = await gql('{ latestSignal(symbol: "") { symbol } }');
      expect(status).toBe(200);
      expect(body.data).toEqual({ latestSignal: null });
      expect(body.errors).toEqual([expect.objectContaining({ path: ['latestSignal'], extensions: { code: 'VALIDATION_FAILED' }, message: expect.stringMatching(/symbol "" is not a symbol/) })]);
    });
  });

  describe('alerts', () => {
    it('filters by symbol, exact severity and minimum severity (combinable), as REST does', async () => {
      const data = await ok(`{
        aapl: alerts(symbol: "AAPL") { items { alertId } }
        high: alerts(minSeverity: HIGH) { items { alertId severity } }
        medium: alerts(severity: MEDIUM) { items { alertId } }
        both: alerts(severity: MEDIUM, minSeverity: HIGH) { items { alertId } }
        aaplHigh: alerts(symbol: "AAPL", minSeverity: HIGH) { items { ${ALERT} } }
      }`);
      const ids = (xs: PriceAlert[]) => xs.map((a) => ({ alertId: a.alert_id }));
      expect(data['aapl'].items).toEqual(ids([alerts[0]!, alerts[1]!]));
      expect(data['high'].items).toEqual([{ alertId: alerts[1]!.alert_id, severity: 'HIGH' }, { alertId: alerts[2]!.alert_id, severity: 'CRITICAL' }]);
      expect(data['medium'].items).toEqual(ids([alerts[0]!, alerts[3]!]));
      expect(data['both'].items).toEqual([]);
      expect(data['aaplHigh'].items).toEqual([gAlert(alerts[1]!)]);
      const { data: restRows } = await rest('/v1/alerts?min_severity=HIGH');
      expect(data['high'].items).toEqual(restRows.map((r) => ({ alertId: r['alert_id'], severity: r['severity'] })));
    });

    it('two alerts detected in the same millisecond page apart by alertId, none lost', async () => {
      const first = await ok(`{ alerts(from: "${iso(T0 + 2000)}", limit: 1) { items { alertId } nextCursor } }`);
      const second = await ok(`query ($after: String) { alerts(from: "${iso(T0 + 2000)}", to: "${iso(T0 + 2001)}", limit: 1, after: $after) { items { alertId } nextCursor } }`, { after: first['alerts'].nextCursor });
      const sameMs = [alerts[1]!.alert_id, alerts[2]!.alert_id].sort();
      expect([first['alerts'].items[0].alertId, second['alerts'].items[0].alertId]).toEqual(sameMs);
      expect(second['alerts'].nextCursor).toBeNull();
    });
  });

  describe('cost', () => {
    it('counts a page by its limit (23 fields a row): a full page of 1000 fits, a variable limit counts 1000', async () => {
      const fields = `items { ${BOOK} } nextCursor`;
      const literal = await gql(`{ a: orderbook(symbol: "AAPL", limit: 1000) { ${fields} } }`);
      expect(literal.body.errors).toBeUndefined();
      const twice = await gql(`query ($n: Int) { a: orderbook(symbol: "AAPL", limit: $n) { ${fields} } b: orderbook(symbol: "AAPL", limit: 100) { ${fields} } }`, { n: 1 });
      expect(twice.status).toBe(400);
      expect(twice.body.errors![0]!.extensions).toMatchObject({ code: 'VALIDATION_FAILED', cost: 1 + 1000 * (1 + 23) + 1 + (1 + 100 * (1 + 23) + 1) });
    });
  });
});
