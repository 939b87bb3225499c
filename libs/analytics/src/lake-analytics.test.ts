// The seed 000 §5 analytics on a small fixture lake. Every expected number below is worked out by
// hand from the fixture, in the comments next to it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsError } from './errors';
import { ALL_SYMBOLS, LakeAnalytics } from './lake-analytics';
import { enrichedTrade, tradeAggregate, writeLakeFiles } from './test-fixtures';

const at = (iso: string): number => Date.parse(iso);
const D = '2024-03-10';

/*
 * Trades (all on 2024-03-10 unless noted; times UTC):
 *   id   sym side  qty   price status            account  time          seq  enriched sector
 *   t0   AAA BUY     2     90  FILLED            ACC2     03-09 23:59:59.999  0  Technology
 *   t1   AAA BUY    10    100  FILLED            ACC1     09:00           1  Technology
 *   t2   AAA BUY     5    110  FILLED            ACC2     09:30           2  Old Sector   (stale enrichment)
 *   t3   AAA SELL    4    120  PARTIALLY_FILLED  ACC1     10:15           3  Technology
 *   t4   BBB BUY   100     10  FILLED            ACC1     09:10           4  Technology
 *   t5   BBB SELL  100     11  FILLED            ACC1     11:00           5  Technology
 *   t6   CCC BUY    20     50  FILLED            ACC2     10:00           6  Energy
 *   t7   CCC SELL    5     40  FILLED            ACC3     10:30:00.000    7  Energy
 *   t11  CCC BUY     1     45  FILLED            ACC3     10:30:00.000    8  Energy  (same ms as t7, later seq)
 *   t8   DDD BUY  1000      1  FILLED            ACC1     10:45           9  UNKNOWN  (not in the reference data)
 *   t9   AAA BUY  1000      1  CANCELLED         ACC1     09:45          10  Technology  (not an execution)
 *   t10  AAA SELL    3    130  FILLED            ACC1     03-11 00:30    11  Technology
 * Reference data: AAA, BBB → Technology; CCC → Energy.
 */
const TRADES = [
  enrichedTrade({ trade_id: 't0', symbol: 'AAA', side: 'BUY', quantity: 2, price: 90, account_id: 'ACC2', timestamp_ms: at('2024-03-09T23:59:59.999Z'), seq: 0, sector: 'Technology' }),
  enrichedTrade({ trade_id: 't1', symbol: 'AAA', side: 'BUY', quantity: 10, price: 100, account_id: 'ACC1', timestamp_ms: at(`${D}T09:00:00Z`), seq: 1, sector: 'Technology' }),
  enrichedTrade({ trade_id: 't2', symbol: 'AAA', side: 'BUY', quantity: 5, price: 110, account_id: 'ACC2', timestamp_ms: at(`${D}T09:30:00Z`), seq: 2, sector: 'Old Sector' }),
  enrichedTrade({ trade_id: 't3', symbol: 'AAA', side: 'SELL', quantity: 4, price: 120, status: 'PARTIALLY_FILLED', account_id: 'ACC1', timestamp_ms: at(`${D}T10:15:00Z`), seq: 3, sector: 'Technology' }),
  enrichedTrade({ trade_id: 't4', symbol: 'BBB', side: 'BUY', quantity: 100, price: 10, account_id: 'ACC1', timestamp_ms: at(`${D}T09:10:00Z`), seq: 4, sector: 'Technology' }),
  enrichedTrade({ trade_id: 't5', symbol: 'BBB', side: 'SELL', quantity: 100, price: 11, account_id: 'ACC1', timestamp_ms: at(`${D}T11:00:00Z`), seq: 5, sector: 'Technology' }),
  enrichedTrade({ trade_id: 't6', symbol: 'CCC', side: 'BUY', quantity: 20, price: 50, account_id: 'ACC2', timestamp_ms: at(`${D}T10:00:00Z`), seq: 6, sector: 'Energy' }),
  enrichedTrade({ trade_id: 't7', symbol: 'CCC', side: 'SELL', quantity: 5, price: 40, account_id: 'ACC3', timestamp_ms: at(`${D}T10:30:00Z`), seq: 7, sector: 'Energy' }),
  enrichedTrade({ trade_id: 't11', symbol: 'CCC', side: 'BUY', quantity: 1, price: 45, account_id: 'ACC3', timestamp_ms: at(`${D}T10:30:00Z`), seq: 8, sector: 'Energy' }),
  enrichedTrade({ trade_id: 't8', symbol: 'DDD', side: 'BUY', quantity: 1000, price: 1, account_id: 'ACC1', timestamp_ms: at(`${D}T10:45:00Z`), seq: 9, sector: 'UNKNOWN' }),
  enrichedTrade({ trade_id: 't9', symbol: 'AAA', side: 'BUY', quantity: 1000, price: 1, status: 'CANCELLED', account_id: 'ACC1', timestamp_ms: at(`${D}T09:45:00Z`), seq: 10, sector: 'Technology' }),
  enrichedTrade({ trade_id: 't10', symbol: 'AAA', side: 'SELL', quantity: 3, price: 130, account_id: 'ACC1', timestamp_ms: at('2024-03-11T00:30:00Z'), seq: 11, sector: 'Technology' }),
];

/*
 * 1-minute symbol aggregates, by window start (UTC). D = 2024-03-10.
 *   AAA  D 09:00 → 10;  D 09:30 → 5;  D 10:15 → 3 (v1) then 4 (v2, a correction)  ⇒ AAA on D: 10 + 5 + 4 = 19
 *        D 10:00 5-minute window → 999 (not 1m: ignored);  sector-scope 'Technology' D 10:00 → 500 (ignored)
 *        D−1 (03-09) 12:00 → 12, 23:59 → 8 (ends on D, starts on D−1: counts for D−1)  ⇒ 20
 *        D−5 (03-05) → 30;  D−7 (03-03) → 10;  D−8 (03-02) → 40;  D−30 (02-09; 2024 is a leap year) → 50
 *        D−31 (02-08) → 60;  D−90 (2023-12-11) → 70;  D−91 (2023-12-10) → 1000;  D+1 (03-11) → 500
 *   BBB  D 09:10 → 200 (no history)
 *   CCC  D−1 → 7 (nothing on D)
 */
const AGGREGATES = [
  tradeAggregate({ symbol: 'AAA', window_start: at(`${D}T09:00:00Z`), total_volume: 10 }),
  tradeAggregate({ symbol: 'AAA', window_start: at(`${D}T09:30:00Z`), total_volume: 5 }),
  tradeAggregate({ symbol: 'AAA', window_start: at(`${D}T10:15:00Z`), total_volume: 3, version: 1 }),
  tradeAggregate({ symbol: 'AAA', window_start: at(`${D}T10:15:00Z`), total_volume: 4, version: 2 }),
  tradeAggregate({ symbol: 'AAA', window_start: at(`${D}T10:00:00Z`), total_volume: 999, window_size: '5m' }),
  tradeAggregate({ symbol: 'Technology', scope: 'sector', window_start: at(`${D}T10:00:00Z`), total_volume: 500 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-03-09T12:00:00Z'), total_volume: 12 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-03-09T23:59:00Z'), total_volume: 8 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-03-05T10:00:00Z'), total_volume: 30 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-03-03T10:00:00Z'), total_volume: 10 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-03-02T10:00:00Z'), total_volume: 40 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-02-09T10:00:00Z'), total_volume: 50 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-02-08T10:00:00Z'), total_volume: 60 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2023-12-11T10:00:00Z'), total_volume: 70 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2023-12-10T10:00:00Z'), total_volume: 1000 }),
  tradeAggregate({ symbol: 'AAA', window_start: at('2024-03-11T10:00:00Z'), total_volume: 500 }),
  tradeAggregate({ symbol: 'BBB', window_start: at(`${D}T09:10:00Z`), total_volume: 200 }),
  tradeAggregate({ symbol: 'CCC', window_start: at('2024-03-09T10:00:00Z'), total_volume: 7 }),
];

const REFERENCE_CSV = `symbol,company_name,sector,industry,market_cap_tier,exchange
AAA,Alpha Corp.,Technology,Software,LARGE,NASDAQ
BBB,Beta Corp.,Technology,Hardware,MID,NASDAQ
CCC,Gamma Corp.,Energy,Oil & Gas,LARGE,NYSE
`;

let dir: string;
let lake: string;
let analytics: LakeAnalytics;
let withoutReference: LakeAnalytics;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickflow-analytics-'));
  lake = join(dir, 'lake');
  // Two source partitions, as the writer would produce them.
  await writeLakeFiles(lake, 'enriched_trades', TRADES.filter((_, i) => i % 2 === 0), 0, 100);
  await writeLakeFiles(lake, 'enriched_trades', TRADES.filter((_, i) => i % 2 === 1), 1, 200);
  await writeLakeFiles(lake, 'trade_aggregates', AGGREGATES, 0, 0);
  writeFileSync(join(dir, 'symbols.csv'), REFERENCE_CSV);
  analytics = await LakeAnalytics.open({ lakeRoot: lake, referencePath: join(dir, 'symbols.csv'), clock: () => at('2024-03-11T12:00:00Z') });
  withoutReference = await LakeAnalytics.open({ lakeRoot: lake });
});

afterAll(() => {
  analytics?.close();
  withoutReference?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('topTradedSymbols', () => {
  const day = { from: at(`${D}T00:00:00Z`), to: at('2024-03-11T00:00:00Z') };

  it('sums executions of the range per symbol (seed top_traded_symbols)', async () => {
    const rows = await analytics.topTradedSymbols({ ...day, by: 'volume' });
    // Executions in [D, D+1): t0 is before, t10 after, t9 is CANCELLED.
    // DDD: t8 → 1 trade, volume 1000, notional 1000, vwap 1, low = high = 1, range 0 %
    // BBB: t4 + t5 → 2, 100 + 100 = 200, 1000 + 1100 = 2100, vwap 10.5, low 10, high 11, (11 − 10) / 10 = 10 %
    // CCC: t6 + t7 + t11 → 3, 20 + 5 + 1 = 26, 1000 + 200 + 45 = 1245, vwap 1245 / 26, low 40, high 50, 10 / 40 = 25 %
    // AAA: t1 + t2 + t3 (PARTIALLY_FILLED counts) → 3, 10 + 5 + 4 = 19, 1000 + 550 + 480 = 2030, vwap 2030 / 19, low 100, high 120, 20 %
    expect(rows.map((r) => r.symbol)).toEqual(['DDD', 'BBB', 'CCC', 'AAA']);
    expect(rows[0]).toEqual({ symbol: 'DDD', trade_count: 1, total_volume: 1000, total_notional: 1000, vwap: 1, low_price: 1, high_price: 1, price_range_pct: 0 });
    expect(rows[1]).toEqual({ symbol: 'BBB', trade_count: 2, total_volume: 200, total_notional: 2100, vwap: 10.5, low_price: 10, high_price: 11, price_range_pct: expect.closeTo(10, 12) });
    expect(rows[2]).toMatchObject({ symbol: 'CCC', trade_count: 3, total_volume: 26, total_notional: 1245, low_price: 40, high_price: 50, price_range_pct: 25 });
    expect(rows[2]!.vwap).toBeCloseTo(47.884615384615, 10);
    expect(rows[3]).toMatchObject({ symbol: 'AAA', trade_count: 3, total_volume: 19, total_notional: 2030, low_price: 100, high_price: 120, price_range_pct: 20 });
    expect(rows[3]!.vwap).toBeCloseTo(106.842105263158, 10);
  });

  it.each([
    // by value: BBB 2100 > AAA 2030 > CCC 1245 > DDD 1000
    ['value', ['BBB', 'AAA', 'CCC', 'DDD']],
    // by count: AAA 3 = CCC 3 (tie → by symbol), BBB 2, DDD 1
    ['count', ['AAA', 'CCC', 'BBB', 'DDD']],
  ] as const)('ranks by %s', async (by, expected) => {
    expect((await analytics.topTradedSymbols({ ...day, by })).map((r) => r.symbol)).toEqual(expected);
  });

  it('honours the limit', async () => {
    expect((await analytics.topTradedSymbols({ ...day, limit: 2 })).map((r) => r.symbol)).toEqual(['DDD', 'BBB']);
  });

  it('treats the range as half-open [from, to), across date partitions', async () => {
    // [09:00, 10:00): t1 (09:00, included), t4 (09:10), t2 (09:30); t6 at 10:00 is excluded, t9 is CANCELLED.
    // BBB: 1 trade, 100; AAA: 2 trades, 15, notional 1000 + 550 = 1550, vwap 103.33…
    const morning = await analytics.topTradedSymbols({ from: at(`${D}T09:00:00Z`), to: at(`${D}T10:00:00Z`) });
    expect(morning.map((r) => [r.symbol, r.trade_count, r.total_volume, r.total_notional])).toEqual([
      ['BBB', 1, 100, 1000],
      ['AAA', 2, 15, 1550],
    ]);
    // [03-09 23:00, D 09:00): only t0 (23:59:59.999 on the day before); t1 at 09:00 is excluded.
    const overnight = await analytics.topTradedSymbols({ from: new Date('2024-03-09T23:00:00Z'), to: new Date(`${D}T09:00:00Z`) });
    expect(overnight).toEqual([{ symbol: 'AAA', trade_count: 1, total_volume: 2, total_notional: 180, vwap: 90, low_price: 90, high_price: 90, price_range_pct: 0 }]);
  });

  it('defaults to the 24 hours before now', async () => {
    // clock = 03-11 12:00 → [03-10 12:00, 03-11 12:00): only t10 (AAA SELL 3 @ 130).
    expect(await analytics.topTradedSymbols()).toEqual([{ symbol: 'AAA', trade_count: 1, total_volume: 3, total_notional: 390, vwap: 130, low_price: 130, high_price: 130, price_range_pct: 0 }]);
  });
});

describe('portfolio', () => {
  it('nets BUY + / SELL − per symbol with the seed cost basis and the last price', async () => {
    // ACC1 executions up to 03-11 12:00: t1 AAA +10 @100, t3 AAA −4 @120, t10 AAA −3 @130,
    // t4 BBB +100 @10, t5 BBB −100 @11 (flat: left out), t8 DDD +1000 @1; t9 is CANCELLED.
    // AAA: bought 10, sold 7, net 3, net cost 1000 − 480 − 390 = 130, avg 130 / 3, last price t10 130, value 390
    // DDD: bought 1000, net 1000, cost 1000, avg 1, last 1, value 1000. Ordered by |net cost|: DDD, AAA.
    const rows = await analytics.portfolio('ACC1');
    expect(rows.map((r) => r.symbol)).toEqual(['DDD', 'AAA']);
    expect(rows[0]).toEqual({ symbol: 'DDD', bought_qty: 1000, sold_qty: 0, net_position: 1000, net_cost: 1000, avg_cost_basis: 1, trade_count: 1, last_price: 1, market_value: 1000 });
    expect(rows[1]).toMatchObject({ symbol: 'AAA', bought_qty: 10, sold_qty: 7, net_position: 3, net_cost: 130, trade_count: 3, last_price: 130, market_value: 390 });
    expect(rows[1]!.avg_cost_basis).toBeCloseTo(43.333333333333, 10);
  });

  it('counts only trades up to asOf, and takes the last price as of then', async () => {
    // ACC1 up to D 10:20: t1 (+10 @100), t4 (+100 @10), t3 (−4 @120 at 10:15).
    // BBB: net 100, cost 1000, avg 10, last BBB ≤ 10:20 is t4 @10 → value 1000
    // AAA: net 6, cost 1000 − 480 = 520, avg 86.67, last AAA execution ≤ 10:20 is t3 @120 → value 720
    const rows = await analytics.portfolio('ACC1', { asOf: at(`${D}T10:20:00Z`) });
    expect(rows.map((r) => [r.symbol, r.net_position, r.net_cost, r.trade_count, r.last_price, r.market_value])).toEqual([
      ['BBB', 100, 1000, 1, 10, 1000],
      ['AAA', 6, 520, 2, 120, 720],
    ]);
    expect(rows[1]!.avg_cost_basis).toBeCloseTo(86.666666666667, 10);
  });

  it('handles short positions and breaks same-millisecond ties by seq', async () => {
    // ACC3: t7 CCC −5 @40, t11 CCC +1 @45 → bought 1, sold 5, net −4, cost 45 − 200 = −155, avg −155 / −4 = 38.75.
    // t7 and t11 share 10:30:00.000; t11 has the higher seq, so the last price is 45 → value −4 × 45 = −180.
    expect(await analytics.portfolio('ACC3', { asOf: at('2024-03-12T00:00:00Z') })).toEqual([
      { symbol: 'CCC', bought_qty: 1, sold_qty: 5, net_position: -4, net_cost: -155, avg_cost_basis: 38.75, trade_count: 2, last_price: 45, market_value: -180 },
    ]);
  });

  it("prices a position with other accounts' executions", async () => {
    // ACC2 up to D 09:15: t0 AAA +2 @90 only. The last AAA execution by then is t1 (ACC1, 09:00) @100 → value 200.
    expect(await analytics.portfolio('ACC2', { asOf: at(`${D}T09:15:00Z`) })).toEqual([
      { symbol: 'AAA', bought_qty: 2, sold_qty: 0, net_position: 2, net_cost: 180, avg_cost_basis: 90, trade_count: 1, last_price: 100, market_value: 200 },
    ]);
  });

  it('is empty for an unknown account, and an injection attempt is just an unknown account', async () => {
    expect(await analytics.portfolio('NOBODY')).toEqual([]);
    expect(await analytics.portfolio("ACC1' OR '1'='1")).toEqual([]);
    expect(await analytics.portfolio("x'); DROP VIEW enriched_trades; --")).toEqual([]);
    expect((await analytics.portfolio('ACC1')).length).toBe(2); // the view is still there
  });
});

describe('volumeVsHistory', () => {
  it("compares the day's volume with the 7/30/90-day averages of the days that had volume (seed compare_volume_to_historical)", async () => {
    // AAA on D: 10 + 5 + 4 (the v2 correction replaces v1's 3) = 19; the 5m window and the sector row do not count.
    // 7 days before D (03-03 … 03-09) with volume: 03-09 20, 03-05 30, 03-03 10 → 60 / 3 = 20
    // 30 days (02-09 … 03-09): + 03-02 40, 02-09 50 → 150 / 5 = 30
    // 90 days (2023-12-11 … 03-09): + 02-08 60, 12-11 70 → 280 / 7 = 40  (12-10 and 03-11 are outside)
    // vs 7d: (19 / 20 − 1) × 100 = −5;  vs 30d: (19 / 30 − 1) × 100 = −36.67;  vs 90d: (19 / 40 − 1) × 100 = −52.5
    const [aaa, ...rest] = await analytics.volumeVsHistory('AAA', D);
    expect(rest).toEqual([]);
    expect(aaa).toMatchObject({ symbol: 'AAA', day: D, today_volume: 19, avg_volume_7d: 20, avg_volume_30d: 30, avg_volume_90d: 40, days_7d: 3, days_30d: 5, days_90d: 7, pct_vs_7d_avg: expect.closeTo(-5, 10), pct_vs_90d_avg: expect.closeTo(-52.5, 10) });
    expect(aaa!.pct_vs_30d_avg).toBeCloseTo(-36.666666666667, 10);
  });

  it('moves the windows with the day', async () => {
    // AAA on 03-11: 500. 7 days (03-04 … 03-10): 03-10 19, 03-09 20, 03-05 30 → 69 / 3 = 23
    // 30 days (02-10 … 03-10): + 03-03 10, 03-02 40 → 119 / 5 = 23.8  (02-09 is now outside)
    // 90 days (2023-12-12 … 03-10): + 02-09 50, 02-08 60 → 229 / 7  (12-11 is now outside)
    const [aaa] = await analytics.volumeVsHistory('AAA', '2024-03-11');
    expect(aaa).toMatchObject({ today_volume: 500, avg_volume_7d: 23, days_7d: 3, days_30d: 5, days_90d: 7 });
    expect(aaa!.avg_volume_30d).toBeCloseTo(23.8, 10);
    expect(aaa!.avg_volume_90d).toBeCloseTo(32.714285714286, 10);
  });

  it('covers every symbol that traded on the day with ALL_SYMBOLS, null averages without history', async () => {
    // BBB: 200 on D, nothing before. CCC traded only on D−1: not listed.
    const rows = await analytics.volumeVsHistory(ALL_SYMBOLS, D);
    expect(rows.map((r) => r.symbol)).toEqual(['AAA', 'BBB']);
    expect(rows[1]).toEqual({
      symbol: 'BBB', day: D, today_volume: 200, avg_volume_7d: null, avg_volume_30d: null, avg_volume_90d: null,
      days_7d: 0, days_30d: 0, days_90d: 0, pct_vs_7d_avg: null, pct_vs_30d_avg: null, pct_vs_90d_avg: null,
    });
  });

  it('is empty for a symbol without volume that day, and for an injection attempt', async () => {
    expect(await analytics.volumeVsHistory('CCC', D)).toEqual([]);
    expect(await analytics.volumeVsHistory("AAA' OR '1'='1", D)).toEqual([]);
  });
});

describe('sectorPerformance', () => {
  const day = { from: at(`${D}T00:00:00Z`), to: at('2024-03-11T00:00:00Z') };

  it('groups executions by the reference sector, falling back to the enriched one', async () => {
    // Technology (reference, so t2's stale 'Old Sector' does not count): AAA t1 t2 t3 (3, 19, 2030),
    //   BBB t4 t5 (2, 200, 2100) → 5 trades, volume 219, notional 4130, 2 symbols;
    //   price change AAA first t1 100 → last t3 120 = +20 %, BBB 10 → 11 = +10 % → mean 15 %
    // Energy: CCC t6 t7 t11 → 3, 26, 1245; first t6 50 (10:00) → last t11 45 (10:30, seq 8 after t7) = −10 %
    // UNKNOWN (DDD is not in the reference; enriched as UNKNOWN): 1, 1000, 1000, change 0 %
    expect(await analytics.sectorPerformance(day)).toEqual([
      { sector: 'UNKNOWN', trade_count: 1, total_volume: 1000, total_notional: 1000, symbol_count: 1, avg_price_change_pct: 0 },
      { sector: 'Technology', trade_count: 5, total_volume: 219, total_notional: 4130, symbol_count: 2, avg_price_change_pct: expect.closeTo(15, 10) },
      { sector: 'Energy', trade_count: 3, total_volume: 26, total_notional: 1245, symbol_count: 1, avg_price_change_pct: expect.closeTo(-10, 10) },
    ]);
  });

  it('uses the enriched sector when there is no reference data', async () => {
    // Technology: AAA t1 t3 (2, 14, 1000 + 480 = 1480, 100 → 120 = +20 %) + BBB (2, 200, 2100, +10 %) → 4, 214, 3580, mean 15 %
    // Old Sector: AAA t2 → 1, 5, 550, 0 %
    const rows = await withoutReference.sectorPerformance(day);
    expect(rows.map((r) => [r.sector, r.trade_count, r.total_volume, r.total_notional, r.symbol_count])).toEqual([
      ['UNKNOWN', 1, 1000, 1000, 1],
      ['Technology', 4, 214, 3580, 2],
      ['Energy', 3, 26, 1245, 1],
      ['Old Sector', 1, 5, 550, 1],
    ]);
  });
});

describe('arguments are checked at the edge', () => {
  it.each([
    ['a reversed range', () => analytics.topTradedSymbols({ from: at(`${D}T10:00:00Z`), to: at(`${D}T09:00:00Z`) })],
    ['a limit of 0', () => analytics.topTradedSymbols({ limit: 0 })],
    ['a fractional limit', () => analytics.topTradedSymbols({ limit: 2.5 })],
    ['an unknown ranking', () => analytics.topTradedSymbols({ by: "volume' --" as never })],
    ['an invalid Date', () => analytics.sectorPerformance({ from: new Date('nope') })],
    ['a negative time', () => analytics.sectorPerformance({ from: -1, to: 5 })],
    ['a non-existent day', () => analytics.volumeVsHistory('AAA', '2024-02-30')],
    ['a day in another format', () => analytics.volumeVsHistory('AAA', '03/10/2024')],
    ['an empty account', () => analytics.portfolio('')],
    ['a control character', () => analytics.portfolio('ACC\u0000')],
  ])('refuses %s', async (_, call) => {
    await expect(call()).rejects.toMatchObject({ name: 'AnalyticsError', code: 'ANALYTICS_INVALID_ARGUMENT' });
  });
});

describe('an empty lake', () => {
  it('gives empty results, and picks up files written after opening', async () => {
    const root = join(dir, 'later');
    const later = await LakeAnalytics.open({ lakeRoot: root });
    try {
      const day = { from: at(`${D}T00:00:00Z`), to: at('2024-03-11T00:00:00Z') };
      expect(await later.topTradedSymbols(day)).toEqual([]);
      expect(await later.volumeVsHistory(ALL_SYMBOLS, D)).toEqual([]);
      await writeLakeFiles(root, 'enriched_trades', [TRADES[1]!]);
      // t1: AAA BUY 10 @100
      expect(await later.topTradedSymbols(day)).toEqual([{ symbol: 'AAA', trade_count: 1, total_volume: 10, total_notional: 1000, vwap: 100, low_price: 100, high_price: 100, price_range_pct: 0 }]);
    } finally {
      later.close();
    }
  });

  it('refuses a lake root with glob characters', async () => {
    await expect(LakeAnalytics.open({ lakeRoot: join(dir, 'l*') })).rejects.toBeInstanceOf(AnalyticsError);
  });
});
