// Hostile strings through every string input of the REST history — path, query, list and cursor —
// and straight into HistoryQueries, where the edge's patterns no longer protect: each is refused
// (400) or matches nothing as the plain string it is, and the tables are unchanged afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryQueries } from '../src/history/history-queries';
import { enrichedTrade, microBar, orderBook, priceAlert, signal, startRestApp, tradeAggregate, type RestHarness } from './rest-harness';

const T0 = Date.UTC(2024, 7, 8, 13, 30, 0, 0);
const HOSTILE = [
  "X' OR 1=1 --",
  "AAPL' OR '1'='1",
  "AAPL') UNION ALL SELECT * FROM micro_bars --",
  "'; DROP TABLE micro_bars; --",
  "AAPL\\' OR 1=1 --",
  '{symbol:String}',
  'AAPL" OR "1"="1',
  "') OR ('a'='a",
];
const TABLES = ['micro_bars', 'signals', 'trade_aggregates', 'orderbook_metrics', 'price_alerts', 'enriched_trades'];

let h: RestHarness;
let before: Record<string, number>;
beforeAll(async () => {
  h = await startRestApp();
  await h.insert('MicroBar', [microBar('AAPL', T0), microBar('AAPL', T0 + 1000)]);
  await h.insert('Signal', [signal('AAPL', T0)]);
  await h.insert('TradeAggregate', [tradeAggregate('AAPL', '1m', T0), tradeAggregate('Information Technology', '1m', T0, { scope: 'sector' })]);
  await h.insert('OrderBookMetrics', [orderBook('AAPL', T0, 1)]);
  await h.insert('PriceAlert', [priceAlert('AAPL', T0, 'HIGH'), priceAlert('AAPL', T0 + 1000, 'CRITICAL')]);
  await h.insert('EnrichedTrade', [enrichedTrade('T1', 'AAPL', T0)]);
  before = await counts();
});
afterAll(async () => {
  await h?.close();
});

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await h.ch.query<{ n: number }>('SELECT count() AS n FROM {t:Identifier}', { t: table });
    out[table] = row!.n;
  }
  return out;
}

const enc = encodeURIComponent;
const cursor = (value: unknown[]): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(HOSTILE)('hostile input %j', (evil) => {
  it.each([
    (s: string) => `/v1/bars/${enc(s)}`,
    (s: string) => `/v1/signals/${enc(s)}`,
    (s: string) => `/v1/signals/${enc(s)}/latest`,
    (s: string) => `/v1/orderbook/${enc(s)}`,
    (s: string) => `/v1/analytics/volume/${enc(s)}`,
    (s: string) => `/v1/alerts?symbol=${enc(s)}`,
    (s: string) => `/v1/signals/latest?symbols=AAPL,${enc(s)}`,
    (s: string) => `/v1/bars/AAPL?interval=${enc(s)}`,
    (s: string) => `/v1/aggregates/AAPL?window=${enc(s)}`,
    (s: string) => `/v1/aggregates/AAPL?scope=${enc(s)}`,
    (s: string) => `/v1/alerts?severity=${enc(s)}`,
    (s: string) => `/v1/alerts?min_severity=${enc(s)}`,
    (s: string) => `/v1/bars/AAPL?from=${enc(s)}`,
    (s: string) => `/v1/signals/AAPL?to=${enc(s)}`,
    (s: string) => `/v1/analytics/top-symbols?by=${enc(s)}`,
    (s: string) => `/v1/analytics/volume/AAPL?day=${enc(s)}`,
    (s: string) => `/v1/analytics/portfolio/ACC-1?as_of=${enc(s)}`,
    (s: string) => `/v1/bars/AAPL?${enc(s)}=1`,
  ])('is refused with a 400 where a pattern or enum applies (%#)', async (url) => {
    const res = await h.get(url(evil));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it.each([
    (s: string) => `/v1/symbols?cursor=${enc(s)}`,
    (s: string) => `/v1/bars/AAPL?cursor=${enc(s)}`,
    (s: string) => `/v1/alerts?cursor=${enc(s)}`,
  ])('is refused as a cursor with BAD_CURSOR (%#)', async (url) => {
    const res = await h.get(url(evil));
    expect([res.statusCode, res.json().code]).toEqual([400, 'BAD_CURSOR']);
  });

  it('matches nothing as an aggregate key (a sector name may hold quotes and spaces)', async () => {
    for (const scope of ['symbol', 'sector']) {
      const res = await h.get(`/v1/aggregates/${enc(evil)}?scope=${scope}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ data: [], next_cursor: null });
    }
  });

  it('is a plain string inside a forged cursor: it only moves where the page starts', async () => {
    // Alerts after (T0, evil): every id is 'pa:…', so only the alert detected after T0 follows.
    const alerts = await h.get(`/v1/alerts?cursor=${cursor([1, 'alerts', T0, evil])}`);
    expect(alerts.statusCode).toBe(200);
    const expected = evil < `pa:AAPL:${T0}` ? 2 : 1;
    expect(alerts.json().data).toHaveLength(expected);
    const symbols = await h.get(`/v1/symbols?cursor=${cursor([1, 'symbols', evil])}`);
    expect(symbols.statusCode).toBe(200);
    expect(symbols.json().data.map((r: { symbol: string }) => r.symbol)).toEqual(evil < 'AAPL' ? ['AAPL'] : []);
  });

  it('reaches ClickHouse as a bound value through HistoryQueries and matches nothing', async () => {
    const q = new HistoryQueries(h.ch);
    const page = { limit: 10 };
    expect((await q.bars({ symbol: evil, interval: '1s', ...page })).rows).toEqual([]);
    expect((await q.bars({ symbol: evil, interval: '5m', ...page })).rows).toEqual([]);
    expect((await q.aggregates({ symbol: evil, window: '1m', scope: 'sector', ...page })).rows).toEqual([]);
    expect((await q.signals({ symbol: evil, ...page })).rows).toEqual([]);
    expect(await q.latestSignal(evil)).toBeNull();
    expect(await q.latestSignals([evil, `${evil}2`])).toEqual([]);
    expect((await q.orderbook({ symbol: evil, ...page })).rows).toEqual([]);
    expect((await q.alerts({ symbol: evil, ...page })).rows).toEqual([]);
    expect((await q.alerts({ severity: evil as 'HIGH', ...page })).rows).toEqual([]);
    expect((await q.alerts({ after: { timeMs: T0 + 1000, alertId: evil }, ...page })).rows.length).toBeLessThanOrEqual(1);
  });
});

describe('afterwards', () => {
  it('every table holds what it held, and the data still reads back', async () => {
    expect(await counts()).toEqual(before);
    const bars = (await h.get('/v1/bars/AAPL')).json();
    expect(bars.data).toHaveLength(2);
    expect((await h.get('/v1/aggregates/Information%20Technology?scope=sector')).json().data).toHaveLength(1);
  });
});
