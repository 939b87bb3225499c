// REST history against real chDB (or CLICKHOUSE_URL) and real Redis, through app.inject: exact
// values for every route, auth, validation, pagination walks, corrections and closed responses.
// Rows go in through the processor's row mappers; expected bodies are written out here from the
// fixture events, independently of the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import { enrichedTrade, iso, microBar, orderBook, priceAlert, signal, startRestApp, tradeAggregate, walkPages, type RestHarness } from './rest-harness';

const T0 = Date.UTC(2024, 7, 8, 13, 30, 0, 0); // 2024-08-08T13:30:00.000Z
const DAY = 86_400_000;

// AAPL: seven 1 s bars, the fourth corrected (version 2), and one a day earlier.
const bars1s: MicroBar[] = [
  microBar('AAPL', T0 - DAY, { close: 90 }),
  ...Array.from({ length: 7 }, (_, i) => microBar('AAPL', T0 + i * 1000, { open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 10 + i, vwap: 100.25 + i, count: 3 + i })),
];
const barCorrection = microBar('AAPL', T0 + 3000, { open: 103, high: 110, low: 102, close: 109.5, volume: 40, vwap: 106, count: 9, version: 2 });
const msftBar = microBar('MSFT', T0, { close: 400.25 });
const cryptoBar = microBar('BTC/USD', T0, { close: 61_000.5 }); // a symbol with a '/', URL-encoded in paths

const aggs1m = Array.from({ length: 5 }, (_, k) => tradeAggregate('AAPL', '1m', T0 + k * 60_000, { open_price: 100 + k, close_price: 100.5 + k, high_price: 102 + k, low_price: 99 + k, total_volume: 50 + k, trade_count: 7 + k }));
const aggCorrection = tradeAggregate('AAPL', '1m', T0 + 60_000, { open_price: 101, close_price: 104, high_price: 106, low_price: 100, total_volume: 80, total_value: 8160, vwap: 102, trade_count: 12, buy_count: 12, sell_count: 0, buy_sell_ratio: null, volatility_anomaly: true, version: 2 });
const aggs5m = [tradeAggregate('AAPL', '5m', T0, { total_volume: 260 }), tradeAggregate('AAPL', '5m', T0 + 300_000, { total_volume: 10 })];
const aggs15m = [tradeAggregate('AAPL', '15m', T0, { total_volume: 270 })];
const sectorAgg = tradeAggregate('Information Technology', '1m', T0, { scope: 'sector', total_volume: 999 });

const signals: Signal[] = Array.from({ length: 5 }, (_, i) =>
  signal('AAPL', T0 + i * 1000, i === 0 ? { rsi14: null, macd_signal: null, macd_hist: null, realized_vol: null } : { ema12: 100 + i / 10, rsi14: 50 + i }),
);
const signalCorrection = signal('AAPL', T0 + 2000, { ema12: 999, rsi14: 11, version: 2 });
const msftSignal = signal('MSFT', T0 + 10_000, { ema12: 401 });

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

const trades = [
  enrichedTrade('T1', 'AAPL', T0 - 5000, { company_name: 'Apple (old reference)', sector: 'Old Sector' }),
  enrichedTrade('T2', 'AAPL', T0 + 500, { company_name: 'Apple Inc.', sector: 'Information Technology', industry: 'Consumer Electronics', market_cap_tier: 'MEGA', listed_exchange: 'NASDAQ' }),
  enrichedTrade('T3', 'TSLA', T0 + 700, { company_name: 'Tesla, Inc.', sector: 'Consumer Discretionary', industry: 'Automobiles', market_cap_tier: 'LARGE', listed_exchange: 'NASDAQ' }),
];

// Expected bodies, mapped by hand from the events.
const bar = (e: MicroBar) => ({ symbol: e.symbol, window_start: iso(e.window_start), window_end: iso(e.window_end), open: e.open, high: e.high, low: e.low, close: e.close, volume: e.volume, vwap: e.vwap, trade_count: e.count });
const aggBar = (a: TradeAggregate) => ({ symbol: a.symbol, window_start: iso(a.window_start), window_end: iso(a.window_end), open: a.open_price, high: a.high_price, low: a.low_price, close: a.close_price, volume: a.total_volume, vwap: a.vwap, trade_count: a.trade_count });
const agg = (a: TradeAggregate) => ({
  symbol: a.symbol, scope: a.scope, window_size: a.window_size, window_start: iso(a.window_start), window_end: iso(a.window_end),
  total_volume: a.total_volume, total_value: a.total_value, vwap: a.vwap, trade_count: a.trade_count, buy_count: a.buy_count, sell_count: a.sell_count,
  buy_sell_ratio: a.buy_sell_ratio, open_price: a.open_price, high_price: a.high_price, low_price: a.low_price, close_price: a.close_price,
  volatility_anomaly: a.volatility_anomaly, computed_at: iso(a.computed_at),
});
const sig = (s: Signal) => ({
  symbol: s.symbol, window_start: iso(s.window_start), window_end: iso(s.window_end), ema12: s.ema12, ema26: s.ema26, macd: s.macd, macd_signal: s.macd_signal,
  macd_hist: s.macd_hist, rsi14: s.rsi14, bb_upper: s.bb_upper, bb_middle: s.bb_middle, bb_lower: s.bb_lower, vwap_session: s.vwap_session,
  vwap_rolling: s.vwap_rolling, realized_vol: s.realized_vol, spread: s.spread, imbalance: s.imbalance,
});
const book = (b: OrderBookMetrics) => ({
  symbol: b.symbol, timestamp: iso(b.timestamp_ms), seq: b.seq, best_bid: b.best_bid, best_ask: b.best_ask, mid_price: b.mid_price, spread: b.spread,
  spread_bps: b.spread_bps, crossed: b.crossed, bid_depth_5: b.bid_depth_5, ask_depth_5: b.ask_depth_5, imbalance_5: b.imbalance_5,
  bid_depth_10: b.bid_depth_10, ask_depth_10: b.ask_depth_10, imbalance_10: b.imbalance_10, bid_depth_20: b.bid_depth_20, ask_depth_20: b.ask_depth_20,
  imbalance_20: b.imbalance_20, prev_timestamp: b.prev_timestamp_ms === null ? null : iso(b.prev_timestamp_ms), mid_change: b.mid_change,
  spread_change: b.spread_change, imbalance_5_change: b.imbalance_5_change, imbalance_10_change: b.imbalance_10_change, imbalance_20_change: b.imbalance_20_change,
});
const alert = (a: PriceAlert) => ({
  alert_id: a.alert_id, alert_type: a.alert_type, symbol: a.symbol, direction: a.direction, severity: a.severity, trigger: a.trigger,
  baseline_price: a.baseline_price, current_price: a.current_price, pct_change: a.pct_change, window_start: iso(a.window_start_ms), detected_at: iso(a.detected_at_ms),
});

/** The stored history after corrections: what every route must return. */
const finalBars1s = bars1s.map((b) => (b.window_start === barCorrection.window_start ? barCorrection : b));
const finalAggs1m = aggs1m.map((a) => (a.window_start === aggCorrection.window_start ? aggCorrection : a));
const finalSignals = signals.map((s) => (s.window_start === signalCorrection.window_start ? signalCorrection : s));
const finalBooks = books.map((b) => (b.seq === bookCorrection.seq ? bookCorrection : b));
const finalAlerts = alerts.map((a) => (a.alert_id === alertCorrection.alert_id ? alertCorrection : a));

let h: RestHarness;
beforeAll(async () => {
  h = await startRestApp();
  // Originals first, corrections in later blocks: as the writer stores a re-fired window.
  await h.insert('MicroBar', [...bars1s, msftBar, cryptoBar]);
  await h.insert('TradeAggregate', [...aggs1m, ...aggs5m, ...aggs15m, sectorAgg]);
  await h.insert('Signal', [...signals, msftSignal]);
  await h.insert('OrderBookMetrics', books);
  await h.insert('PriceAlert', alerts);
  await h.insert('EnrichedTrade', trades);
  await h.insert('MicroBar', [barCorrection]);
  await h.insert('TradeAggregate', [aggCorrection]);
  await h.insert('Signal', [signalCorrection]);
  await h.insert('OrderBookMetrics', [bookCorrection]);
  await h.insert('PriceAlert', [alertCorrection]);
});
afterAll(async () => {
  await h?.close();
});

/** A 400 problem+json whose detail matches. */
async function expect400(url: string, detail: RegExp, code = 'VALIDATION_FAILED'): Promise<void> {
  const res = await h.get(url);
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status: 400, code, instance: url.split('?')[0] });
  expect(body.detail).toMatch(detail);
}

describe('every history route', () => {
  it.each([
    '/v1/symbols',
    '/v1/bars/AAPL',
    '/v1/aggregates/AAPL',
    '/v1/signals/AAPL',
    '/v1/signals/AAPL/latest',
    '/v1/signals/latest?symbols=AAPL',
    '/v1/orderbook/AAPL',
    '/v1/alerts',
  ])('%s refuses a request without an API key (401 problem+json)', async (url) => {
    const res = await h.get(url, null);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(res.json()).not.toHaveProperty('data'); // no data leaks into the error
  });

  it.each([
    ['/v1/symbols?limit=0', /limit must be >= 1/],
    ['/v1/bars/AAPL?limit=5001', /limit must be <= 5000/],
    ['/v1/bars/AAPL?cursor=', /cursor must NOT have fewer than 1 characters/],
    ['/v1/bars/AAPL?form=2024-08-08', /unknown query parameter "form".*takes interval, from, to, limit, cursor/],
    ['/v1/bars/AAPL?from=yesterday', /from: expected ISO-8601 .* got "yesterday"/],
    ['/v1/bars/AAPL?to=2024-02-30', /to: expected ISO-8601/],
    ['/v1/bars/AAPL?from=2024-08-08T13:30:00', /from: expected ISO-8601 with an offset/],
    ['/v1/bars/AAPL?from=2024-08-09&to=2024-08-08', /from \(2024-08-09T00:00:00.000Z\) is after to \(2024-08-08T00:00:00.000Z\)/],
    ['/v1/bars/AAPL?from=1800-01-01', /outside 1900-01-01/],
    ['/v1/bars/aapl', /symbol must match pattern/],
    ['/v1/bars/AAPL?interval=2m', /interval must be equal to one of the allowed values \(1s, 1m, 5m, 15m\)/],
    ['/v1/aggregates/AAPL?window=1s', /window must be equal to one of the allowed values \(1m, 5m, 15m\)/],
    ['/v1/aggregates/AAPL?scope=desk', /scope must be equal to one of the allowed values \(symbol, sector\)/],
    ['/v1/signals/AAPL?to=1e12', /to: expected ISO-8601/],
    ['/v1/signals/AAPL%20X/latest', /symbol must match pattern/],
    ['/v1/signals/latest', /must have required property 'symbols'/],
    ['/v1/signals/latest?symbols=AAPL,,MSFT', /symbols\/1 must match pattern/],
    [`/v1/signals/latest?symbols=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(',')}`, /symbols must NOT have more than 100 items/],
    ['/v1/orderbook/AAPL?from=2024-08-08T25:00:00Z', /from: expected ISO-8601/],
    ['/v1/alerts?severity=LOW', /severity must be equal to one of the allowed values \(MEDIUM, HIGH, CRITICAL\)/],
    ['/v1/alerts?min_severity=high', /min_severity must be equal to one of the allowed values/],
    ['/v1/alerts?symbol=a%20b', /symbol must match pattern/],
  ])('GET %s is a 400 that says what is wrong', async (url, detail) => {
    await expect400(url, detail);
  });

  it.each([
    ['/v1/symbols', 'garbage!'],
    ['/v1/bars/AAPL', Buffer.from('{"not":"a cursor"}').toString('base64url')],
    ['/v1/bars/AAPL', Buffer.from('[1,"bars","x"]').toString('base64url')],
    ['/v1/orderbook/AAPL', Buffer.from('[1,"orderbook",1723123800000]').toString('base64url')],
    ['/v1/alerts', Buffer.from('[2,"alerts",1723123800000,"a"]').toString('base64url')],
  ])('%s refuses a cursor it did not issue with 400 BAD_CURSOR', async (url, cursor) => {
    await expect400(`${url}?cursor=${encodeURIComponent(cursor)}`, /cursor/, 'BAD_CURSOR');
  });

  it('refuses a cursor of another listing by name', async () => {
    const page = (await h.get('/v1/alerts?limit=1')).json();
    await expect400(`/v1/bars/AAPL?cursor=${page.next_cursor}`, /cursor belongs to another listing \(alerts\), not bars/, 'BAD_CURSOR');
  });
});

describe('GET /v1/symbols', () => {
  it('lists symbols with bars, aggregates or trades — not sectors — with their latest reference data and bar span', async () => {
    const res = await h.get('/v1/symbols');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: [
        { symbol: 'AAPL', company_name: 'Apple Inc.', sector: 'Information Technology', industry: 'Consumer Electronics', market_cap_tier: 'MEGA', listed_exchange: 'NASDAQ', first_bar_at: '2024-08-07T13:30:00.000Z', last_bar_at: '2024-08-08T13:30:06.000Z' },
        { symbol: 'BTC/USD', company_name: null, sector: null, industry: null, market_cap_tier: null, listed_exchange: null, first_bar_at: '2024-08-08T13:30:00.000Z', last_bar_at: '2024-08-08T13:30:00.000Z' },
        { symbol: 'MSFT', company_name: null, sector: null, industry: null, market_cap_tier: null, listed_exchange: null, first_bar_at: '2024-08-08T13:30:00.000Z', last_bar_at: '2024-08-08T13:30:00.000Z' },
        { symbol: 'TSLA', company_name: 'Tesla, Inc.', sector: 'Consumer Discretionary', industry: 'Automobiles', market_cap_tier: 'LARGE', listed_exchange: 'NASDAQ', first_bar_at: null, last_bar_at: null },
      ],
      next_cursor: null,
    });
  });

  it('pages through every symbol exactly once, in order', async () => {
    const { rows, pages } = await walkPages(h, '/v1/symbols?limit=1');
    expect(rows.map((r) => r.symbol)).toEqual(['AAPL', 'BTC/USD', 'MSFT', 'TSLA']);
    expect(pages).toBe(4);
    const two = await walkPages(h, '/v1/symbols?limit=2');
    expect([two.rows.map((r) => r.symbol), two.pages]).toEqual([['AAPL', 'BTC/USD', 'MSFT', 'TSLA'], 2]);
  });
});

describe('GET /v1/bars/{symbol}', () => {
  it('returns final 1 s bars by default, with exact values and ISO-8601 UTC millisecond times', async () => {
    const res = await h.get('/v1/bars/AAPL?from=2024-08-08T13:30:00Z&to=2024-08-08T13:30:02.000Z');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: [
        { symbol: 'AAPL', window_start: '2024-08-08T13:30:00.000Z', window_end: '2024-08-08T13:30:01.000Z', open: 100, high: 101, low: 99, close: 100.5, volume: 10, vwap: 100.25, trade_count: 3 },
        { symbol: 'AAPL', window_start: '2024-08-08T13:30:01.000Z', window_end: '2024-08-08T13:30:02.000Z', open: 101, high: 102, low: 100, close: 101.5, volume: 11, vwap: 101.25, trade_count: 4 },
      ],
      next_cursor: null,
    });
  });

  it('reads the whole history without a range, and a correction replaces the bar it corrects', async () => {
    const body = (await h.get('/v1/bars/AAPL?interval=1s')).json();
    expect(body).toEqual({ data: finalBars1s.map(bar), next_cursor: null });
    expect(body.data[4]).toMatchObject({ window_start: '2024-08-08T13:30:03.000Z', close: 109.5, volume: 40, trade_count: 9 });
  });

  it('accepts from/to as epoch ms and as ISO-8601 with an offset, half-open', async () => {
    const a = (await h.get(`/v1/bars/AAPL?from=${T0 + 5000}&to=${T0 + 6000}`)).json();
    const b = (await h.get('/v1/bars/AAPL?from=2024-08-08T15:30:05%2B02:00&to=2024-08-08T13:30:06Z')).json();
    expect(a).toEqual({ data: [bar(finalBars1s[6]!)], next_cursor: null });
    expect(b).toEqual(a);
  });

  it.each([
    ['1m', finalAggs1m],
    ['5m', aggs5m],
    ['15m', aggs15m],
  ] as const)('interval=%s comes from the symbol-scope trade aggregates, corrections applied', async (interval, expected) => {
    const res = await h.get(`/v1/bars/AAPL?interval=${interval}`);
    expect(res.json()).toEqual({ data: expected.map(aggBar), next_cursor: null });
  });

  it('walks every page exactly once, in order, for several page sizes', async () => {
    for (const limit of [1, 2, 3, 7, 8, 500]) {
      const { rows, pages } = await walkPages(h, `/v1/bars/AAPL?limit=${limit}`);
      expect(rows).toEqual(finalBars1s.map(bar));
      expect(pages).toBe(Math.max(1, Math.ceil(finalBars1s.length / limit)));
    }
    const ranged = await walkPages(h, `/v1/bars/AAPL?limit=2&from=${T0 + 1000}&to=${T0 + 5000}`);
    expect(ranged.rows.map((r) => r.window_start)).toEqual([1, 2, 3, 4].map((i) => iso(T0 + i * 1000)));
  });

  it('takes a symbol holding a "/" URL-encoded', async () => {
    expect((await h.get('/v1/bars/BTC%2FUSD')).json()).toEqual({ data: [bar(cryptoBar)], next_cursor: null });
  });

  it('an unknown symbol has no bars (200, empty)', async () => {
    expect((await h.get('/v1/bars/NOPE')).json()).toEqual({ data: [], next_cursor: null });
  });
});

describe('GET /v1/aggregates/{symbol}', () => {
  it('returns every field of the 1 m windows by default, corrections applied', async () => {
    const res = await h.get('/v1/aggregates/AAPL');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: finalAggs1m.map(agg), next_cursor: null });
    expect(res.json().data[1]).toMatchObject({ total_volume: 80, trade_count: 12, buy_sell_ratio: null, volatility_anomaly: true, computed_at: '2024-08-08T13:32:00.005Z' });
  });

  it('filters by window and range', async () => {
    expect((await h.get(`/v1/aggregates/AAPL?window=5m&from=${T0 + 300_000}`)).json()).toEqual({ data: [agg(aggs5m[1]!)], next_cursor: null });
    expect((await h.get('/v1/aggregates/AAPL?window=15m')).json()).toEqual({ data: aggs15m.map(agg), next_cursor: null });
  });

  it('serves a sector with scope=sector (the name URL-encoded), and only then', async () => {
    expect((await h.get('/v1/aggregates/Information%20Technology?scope=sector')).json()).toEqual({ data: [agg(sectorAgg)], next_cursor: null });
    expect((await h.get('/v1/aggregates/Information%20Technology')).json()).toEqual({ data: [], next_cursor: null });
  });

  it('walks every page exactly once, in order', async () => {
    const { rows, pages } = await walkPages(h, '/v1/aggregates/AAPL?limit=2');
    expect(rows).toEqual(finalAggs1m.map(agg));
    expect(pages).toBe(3);
  });
});

describe('signals', () => {
  it('GET /v1/signals/{symbol} returns indicator rows with nulls while warming up, corrections applied', async () => {
    const res = await h.get('/v1/signals/AAPL');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: finalSignals.map(sig), next_cursor: null });
    expect(res.json().data[0]).toMatchObject({ rsi14: null, macd_signal: null, ema12: 100.1 });
    expect(res.json().data[2]).toMatchObject({ ema12: 999, rsi14: 11 });
  });

  it('GET /v1/signals/{symbol} walks every page exactly once and honours the range', async () => {
    const { rows, pages } = await walkPages(h, '/v1/signals/AAPL?limit=2');
    expect(rows).toEqual(finalSignals.map(sig));
    expect(pages).toBe(3);
    expect((await h.get(`/v1/signals/AAPL?from=${T0 + 3000}`)).json().data).toEqual(finalSignals.slice(3).map(sig));
  });

  it('GET /v1/signals/{symbol}/latest returns the most recent row, 404 when there is none', async () => {
    const res = await h.get('/v1/signals/AAPL/latest');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(sig(finalSignals[4]!));
    const none = await h.get('/v1/signals/NOPE/latest');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'no signals are stored for NOPE' });
  });

  it('GET /v1/signals/latest returns the latest row per symbol in the order asked, skipping symbols without signals', async () => {
    const res = await h.get('/v1/signals/latest?symbols=MSFT,NOPE,AAPL,MSFT');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: [sig(msftSignal), sig(finalSignals[4]!)] });
    const repeated = await h.get('/v1/signals/latest?symbols=AAPL&symbols=MSFT');
    expect(repeated.json()).toEqual({ data: [sig(finalSignals[4]!), sig(msftSignal)] });
  });
});

describe('GET /v1/orderbook/{symbol}', () => {
  it('returns every metric by (timestamp, seq), nulls kept, corrections applied', async () => {
    const res = await h.get('/v1/orderbook/AAPL');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: finalBooks.map(book), next_cursor: null });
    expect(res.json().data[1]).toMatchObject({ timestamp: '2024-08-08T13:30:00.000Z', seq: 2, best_bid: 99.97, spread_bps: 13 });
    expect(res.json().data[3]).toMatchObject({ prev_timestamp: '2024-08-08T13:30:00.005Z', imbalance_20_change: -0.5 });
  });

  it('pages between snapshots that share a millisecond without losing or repeating one', async () => {
    const { rows, pages } = await walkPages(h, '/v1/orderbook/AAPL?limit=1');
    expect(rows).toEqual(finalBooks.map(book));
    expect(pages).toBe(4);
  });

  it('honours the range on the snapshot timestamp', async () => {
    expect((await h.get(`/v1/orderbook/AAPL?from=${T0 + 1}&to=${T0 + 1000}`)).json()).toEqual({ data: [book(finalBooks[2]!)], next_cursor: null });
  });
});

describe('GET /v1/alerts', () => {
  it('lists every alert by detection time then id, corrections applied', async () => {
    const res = await h.get('/v1/alerts');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: finalAlerts.map(alert), next_cursor: null });
    expect(res.json().data[0]).toMatchObject({ alert_id: `pa:AAPL:${T0 + 1000}:c${T0 + 1000}`, current_price: 102.9, pct_change: 2.9 });
  });

  it.each([
    ['symbol=AAPL', [0, 1]],
    ['severity=MEDIUM', [0, 3]],
    ['min_severity=HIGH', [1, 2]],
    ['min_severity=MEDIUM', [0, 1, 2, 3]],
    ['symbol=AAPL&min_severity=HIGH', [1]],
    ['severity=HIGH&min_severity=CRITICAL', []],
    [`from=${T0 + 2000}&to=${T0 + 3000}`, [1, 2]],
    [`from=${T0 + 2000}&to=${T0 + 2000}`, []],
  ])('filters by %s', async (query, indexes) => {
    expect((await h.get(`/v1/alerts?${query}`)).json()).toEqual({ data: indexes.map((i) => alert(finalAlerts[i]!)), next_cursor: null });
  });

  it('walks every page exactly once, across alerts sharing a detection time', async () => {
    const { rows, pages } = await walkPages(h, '/v1/alerts?limit=1');
    expect(rows).toEqual(finalAlerts.map(alert));
    expect(pages).toBe(4);
    const filtered = await walkPages(h, '/v1/alerts?limit=1&min_severity=HIGH');
    expect(filtered.rows).toEqual([alert(finalAlerts[1]!), alert(finalAlerts[2]!)]);
  });
});

describe('responses carry the contract’s fields and nothing else', () => {
  it.each([
    ['/v1/symbols', ['symbol', 'company_name', 'sector', 'industry', 'market_cap_tier', 'listed_exchange', 'first_bar_at', 'last_bar_at']],
    ['/v1/bars/AAPL', ['symbol', 'window_start', 'window_end', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trade_count']],
    ['/v1/bars/AAPL?interval=5m', ['symbol', 'window_start', 'window_end', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trade_count']],
    ['/v1/signals/AAPL', Object.keys(sig(signals[0]!))],
    ['/v1/orderbook/AAPL', Object.keys(book(books[0]!))],
    ['/v1/alerts', Object.keys(alert(alerts[0]!))],
  ])('%s: no inserted_at, version or envelope column', async (url, fields) => {
    const { data } = (await h.get(url)).json() as { data: Array<Record<string, unknown>> };
    expect(data.length).toBeGreaterThan(0);
    for (const row of data) {
      expect(Object.keys(row).sort()).toEqual([...fields].sort());
      for (const hidden of ['inserted_at', 'version', 'correlation_id', 'event_ts', 'ingest_ts', 'source', 'is_final']) expect(row).not.toHaveProperty(hidden);
    }
  });

  it('the stored rows do have those columns (so the test above can fail)', async () => {
    const [row] = await h.ch.query<Record<string, unknown>>('SELECT * FROM micro_bars FINAL WHERE symbol = {s:String} LIMIT 1', { s: 'AAPL' });
    expect(row).toHaveProperty('inserted_at');
    expect(row).toHaveProperty('version');
  });
});
