// /v1/analytics/* over a real Parquet lake read by DuckDB (LakeAnalytics), through the API with
// real Redis keys. The lake files are written here with DuckDB in the layout of @tickflow/analytics
// (independently of the processor's writer); every expected number is worked out by hand below.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampMillisecondsValue, type DuckDBValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENRICHED_TRADES, TRADE_AGGREGATES, datasetDir, fileColumns, hourBucket, hourPartitionPath, lakeFileName } from '@tickflow/analytics';
import type { EnrichedTrade, TradeAggregate } from '@tickflow/schemas';
import { enrichedTrade, startRestApp, tradeAggregate, type RestHarness } from './rest-harness';

const D = '2024-08-08';
const at = (time: string): number => Date.parse(`${D}T${time}Z`);
const DAY = 86_400_000;

/*
 * Executions on D (UTC), enriched sectors as shown; MSFT is "Software" in the reference file, which
 * wins over the enrichment:
 *   t1 AAPL BUY   10 @ 100  ACC-1  09:00  Technology
 *   t2 AAPL SELL   4 @ 110  ACC-1  10:00  Technology
 *   t3 MSFT BUY    5 @ 400  ACC-1  09:30  Technology (→ Software)
 *   t4 MSFT BUY    1 @ 410  ACC-2  11:00  Technology (→ Software)
 *   t5 XOM  BUY   20 @  50  ACC-2  10:30  Energy
 *   t6 AAPL BUY 1000 @   1  ACC-1  09:45  CANCELLED: not an execution
 *   t7 AAPL BUY    1 @ 120  ACC-1  D+1 00:00  outside [D, D+1)
 */
const TRADES: EnrichedTrade[] = [
  enrichedTrade('t1', 'AAPL', at('09:00:00'), { side: 'BUY', quantity: 10, price: 100, account_id: 'ACC-1', seq: 1, sector: 'Technology' }),
  enrichedTrade('t2', 'AAPL', at('10:00:00'), { side: 'SELL', quantity: 4, price: 110, account_id: 'ACC-1', seq: 2, sector: 'Technology' }),
  enrichedTrade('t3', 'MSFT', at('09:30:00'), { side: 'BUY', quantity: 5, price: 400, account_id: 'ACC-1', seq: 3, sector: 'Technology' }),
  enrichedTrade('t4', 'MSFT', at('11:00:00'), { side: 'BUY', quantity: 1, price: 410, account_id: 'ACC-2', seq: 4, sector: 'Technology' }),
  enrichedTrade('t5', 'XOM', at('10:30:00'), { side: 'BUY', quantity: 20, price: 50, account_id: 'ACC-2', seq: 5, sector: 'Energy' }),
  enrichedTrade('t6', 'AAPL', at('09:45:00'), { side: 'BUY', quantity: 1000, price: 1, account_id: 'ACC-1', seq: 6, status: 'CANCELLED', sector: 'Technology' }),
  enrichedTrade('t7', 'AAPL', at('00:00:00') + DAY, { side: 'BUY', quantity: 1, price: 120, account_id: 'ACC-1', seq: 7, sector: 'Technology' }),
];

/*
 * AAPL 1-minute symbol aggregates: D 09:00 → 10; D 10:00 → 3 (v1) then 4 (v2, correction) ⇒ 14 on D.
 * History: D−1 → 20; D−3 → 8; D−10 → 40; D−60 → 100; D−91 → 5000 (beyond 90 days: ignored).
 * A 5-minute window (999) and a sector-scope row (777) on D are not 1-minute symbol rows: ignored.
 *   7 days:  D−1, D−3            → (20 + 8) / 2 = 14          ⇒ +0 %
 *   30 days: D−1, D−3, D−10      → (20 + 8 + 40) / 3 = 68 / 3
 *   90 days: D−1, D−3, D−10, D−60 → 168 / 4 = 42
 */
const m1 = (startMs: number, volume: number, version = 1): TradeAggregate => tradeAggregate('AAPL', '1m', startMs, { total_volume: volume, version });
const AGGREGATES: TradeAggregate[] = [
  m1(at('09:00:00'), 10),
  m1(at('10:00:00'), 3, 1),
  m1(at('10:00:00'), 4, 2),
  m1(at('12:00:00') - DAY, 20),
  m1(at('12:00:00') - 3 * DAY, 8),
  m1(at('12:00:00') - 10 * DAY, 40),
  m1(at('12:00:00') - 60 * DAY, 100),
  m1(at('12:00:00') - 91 * DAY, 5000),
  tradeAggregate('AAPL', '5m', at('09:00:00'), { total_volume: 999 }),
  tradeAggregate('Technology', '1m', at('09:00:00'), { scope: 'sector', total_volume: 777 }),
];

let lakeDir: string;
let h: RestHarness;
beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), 'tickflow-rest-lake-'));
  await writeLake(lakeDir, 'enriched_trades', TRADES);
  await writeLake(lakeDir, 'trade_aggregates', AGGREGATES);
  const referencePath = `${lakeDir}-symbols.csv`;
  writeFileSync(referencePath, 'symbol,company_name,sector,industry,market_cap_tier,exchange\nAAPL,Apple Inc.,Technology,Hardware,MEGA,NASDAQ\nMSFT,Microsoft,Software,Software,MEGA,NASDAQ\n');
  h = await startRestApp({ features: { lakeDir, referencePath } });
});
afterAll(async () => {
  await h?.close();
  if (lakeDir) {
    rmSync(lakeDir, { recursive: true, force: true });
    rmSync(`${lakeDir}-symbols.csv`, { force: true });
  }
});

describe('analytics routes', () => {
  it.each(['/v1/analytics/top-symbols', '/v1/analytics/portfolio/ACC-1', '/v1/analytics/volume/AAPL', '/v1/analytics/sectors'])('%s refuses a request without a key', async (url) => {
    const res = await h.get(url, null);
    expect([res.statusCode, res.json().code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it.each([
    ['/v1/analytics/top-symbols?by=price', /by must be equal to one of the allowed values \(volume, value, count\)/],
    ['/v1/analytics/top-symbols?limit=1001', /limit must be <= 1000/],
    ['/v1/analytics/top-symbols?from=2024-08-09&to=2024-08-08', /from \(2024-08-09T00:00:00.000Z\) is after to/],
    ['/v1/analytics/top-symbols?from=2024-08-08&to=2024-08-08', /from \(\d+\) must be before to/],
    ['/v1/analytics/sectors?from=1899-12-31T23:59:59Z', /outside 1900-01-01/],
    ['/v1/analytics/sectors?from=1950-01-01&to=1960-01-01', /from: expected epoch milliseconds \(an integer ≥ 0\)/],
    ['/v1/analytics/portfolio/ACC-1?as_of=now', /as_of: expected ISO-8601/],
    ['/v1/analytics/portfolio/ACC-1?asof=2024-08-08', /unknown query parameter "asof"/],
    ['/v1/analytics/volume/AAPL?day=2024-02-30', /day: expected a calendar date YYYY-MM-DD, got "2024-02-30"/],
    ['/v1/analytics/volume/AAPL?day=08/08/2024', /day must match pattern/],
    ['/v1/analytics/volume/all', /symbol must match pattern/],
  ])('GET %s is a 400 that says what is wrong', async (url, detail) => {
    const res = await h.get(url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(res.json().detail).toMatch(detail);
  });
});

describe('GET /v1/analytics/top-symbols', () => {
  const range = `from=${D}&to=2024-08-09`;
  // AAPL: t1 + t2 (t6 cancelled, t7 next day): 2 trades, 14, 1000 + 440 = 1440, low 100, high 110.
  const AAPL = { symbol: 'AAPL', trade_count: 2, total_volume: 14, total_notional: 1440, vwap: 1440 / 14, low_price: 100, high_price: 110, price_range_pct: ((110 - 100) / 100) * 100 };
  // MSFT: t3 + t4: 2 trades, 6, 2000 + 410 = 2410, low 400, high 410.
  const MSFT = { symbol: 'MSFT', trade_count: 2, total_volume: 6, total_notional: 2410, vwap: 2410 / 6, low_price: 400, high_price: 410, price_range_pct: ((410 - 400) / 400) * 100 };
  const XOM = { symbol: 'XOM', trade_count: 1, total_volume: 20, total_notional: 1000, vwap: 50, low_price: 50, high_price: 50, price_range_pct: 0 };

  it.each([
    ['volume', [XOM, AAPL, MSFT]],
    ['value', [MSFT, AAPL, XOM]],
    ['count', [AAPL, MSFT, XOM]], // AAPL and MSFT tie on 2: by symbol
  ])('ranks by %s over [from, to) and says which range it covers', async (by, expected) => {
    const res = await h.get(`/v1/analytics/top-symbols?${range}&by=${by}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ from: '2024-08-08T00:00:00.000Z', to: '2024-08-09T00:00:00.000Z', by, data: expected });
  });

  it('honours limit and a range that ends before a trade', async () => {
    expect((await h.get(`/v1/analytics/top-symbols?${range}&by=value&limit=1`)).json().data).toEqual([MSFT]);
    // Up to 10:00 exclusive: t1 (AAPL 10 @ 100) and t3 (MSFT 5 @ 400) only.
    const early = (await h.get(`/v1/analytics/top-symbols?from=${D}&to=${D}T10:00:00Z`)).json();
    expect(early.data.map((r: { symbol: string; total_volume: number }) => [r.symbol, r.total_volume])).toEqual([['AAPL', 10], ['MSFT', 5]]);
  });

  it('defaults to the last 24 hours', async () => {
    const body = (await h.get('/v1/analytics/top-symbols')).json();
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(DAY);
    expect(Math.abs(Date.parse(body.to) - Date.now())).toBeLessThan(60_000);
    expect(body).toMatchObject({ by: 'volume', data: [] });
  });
});

describe('GET /v1/analytics/portfolio/{accountId}', () => {
  it('returns open positions as of the end of D, largest |net cost| first', async () => {
    const res = await h.get(`/v1/analytics/portfolio/ACC-1?as_of=${D}T23:59:59.999Z`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      account_id: 'ACC-1',
      as_of: '2024-08-08T23:59:59.999Z',
      data: [
        // MSFT: bought 5 @ 400; last execution (any account) t4 @ 410.
        { symbol: 'MSFT', bought_qty: 5, sold_qty: 0, net_position: 5, net_cost: 2000, avg_cost_basis: 400, trade_count: 1, last_price: 410, market_value: 2050 },
        // AAPL: 10 @ 100 bought, 4 @ 110 sold; net 6, cost 1000 − 440 = 560; last t2 @ 110.
        { symbol: 'AAPL', bought_qty: 10, sold_qty: 4, net_position: 6, net_cost: 560, avg_cost_basis: 560 / 6, trade_count: 2, last_price: 110, market_value: 660 },
      ],
    });
  });

  it('counts trades up to as_of inclusive, given as epoch ms', async () => {
    const body = (await h.get(`/v1/analytics/portfolio/ACC-1?as_of=${at('09:59:59.999')}`)).json();
    expect(body.as_of).toBe('2024-08-08T09:59:59.999Z');
    expect(body.data).toEqual([
      { symbol: 'MSFT', bought_qty: 5, sold_qty: 0, net_position: 5, net_cost: 2000, avg_cost_basis: 400, trade_count: 1, last_price: 400, market_value: 2000 },
      { symbol: 'AAPL', bought_qty: 10, sold_qty: 0, net_position: 10, net_cost: 1000, avg_cost_basis: 100, trade_count: 1, last_price: 100, market_value: 1000 },
    ]);
  });

  it('an unknown account, or an injection attempt through the id, has no positions', async () => {
    for (const id of ['ACC-404', "ACC-1' OR '1'='1", 'ACC-1" OR 1=1 --', "'; DROP TABLE symbols; --"]) {
      const res = await h.get(`/v1/analytics/portfolio/${encodeURIComponent(id)}?as_of=${D}T23:59:59Z`);
      expect(res.statusCode, id).toBe(200);
      expect(res.json()).toEqual({ account_id: id, as_of: '2024-08-08T23:59:59.000Z', data: [] });
    }
    expect((await h.get(`/v1/analytics/portfolio/ACC-1?as_of=${D}T23:59:59Z`)).json().data).toHaveLength(2); // still there
  });
});

describe('GET /v1/analytics/volume/{symbol}', () => {
  it('compares the day with the 7/30/90-day averages of the days with volume', async () => {
    const res = await h.get(`/v1/analytics/volume/AAPL?day=${D}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ symbol: 'AAPL', day: D });
    expect(body.data).toHaveLength(1);
    const row = body.data[0];
    expect(row).toMatchObject({ symbol: 'AAPL', day: D, today_volume: 14, avg_volume_7d: 14, days_7d: 2, days_30d: 3, days_90d: 4, avg_volume_90d: 42, pct_vs_7d_avg: 0 });
    expect(row.avg_volume_30d).toBeCloseTo(68 / 3, 9);
    expect(row.pct_vs_30d_avg).toBeCloseTo((14 / (68 / 3) - 1) * 100, 9);
    expect(row.pct_vs_90d_avg).toBeCloseTo((14 / 42 - 1) * 100, 9);
    expect(Object.keys(row).sort()).toEqual(['avg_volume_30d', 'avg_volume_7d', 'avg_volume_90d', 'day', 'days_30d', 'days_7d', 'days_90d', 'pct_vs_30d_avg', 'pct_vs_7d_avg', 'pct_vs_90d_avg', 'symbol', 'today_volume']);
  });

  it('is empty for a symbol that did not trade that day; the day defaults to today (UTC)', async () => {
    expect((await h.get(`/v1/analytics/volume/MSFT?day=${D}`)).json()).toEqual({ symbol: 'MSFT', day: D, data: [] });
    const before = new Date().toISOString().slice(0, 10);
    const today = (await h.get('/v1/analytics/volume/AAPL')).json();
    expect([before, new Date().toISOString().slice(0, 10)]).toContain(today.day); // the run may cross midnight
  });
});

describe('GET /v1/analytics/sectors', () => {
  it('sums executions per sector (the reference data’s sector first), largest volume first', async () => {
    const res = await h.get(`/v1/analytics/sectors?from=${D}&to=2024-08-09`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      from: '2024-08-08T00:00:00.000Z',
      to: '2024-08-09T00:00:00.000Z',
      data: [
        { sector: 'Energy', trade_count: 1, total_volume: 20, total_notional: 1000, symbol_count: 1, avg_price_change_pct: 0 },
        // AAPL alone: first t1 @ 100, last t2 @ 110.
        { sector: 'Technology', trade_count: 2, total_volume: 14, total_notional: 1440, symbol_count: 1, avg_price_change_pct: (110 / 100 - 1) * 100 },
        // MSFT, moved to Software by the reference file: first t3 @ 400, last t4 @ 410.
        { sector: 'Software', trade_count: 2, total_volume: 6, total_notional: 2410, symbol_count: 1, avg_price_change_pct: (410 / 400 - 1) * 100 },
      ],
    });
  });
});

/** Writes `rows` as lake files of source partition 0, one file per UTC hour, in the library's layout. */
async function writeLake(root: string, which: 'enriched_trades' | 'trade_aggregates', rows: ReadonlyArray<EnrichedTrade | TradeAggregate>): Promise<void> {
  const dataset = which === 'enriched_trades' ? ENRICHED_TRADES : TRADE_AGGREGATES;
  const columns = dataset.columns as ReadonlyArray<{ name: string; type: string; field: string; nullable: boolean }>;
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`CREATE TABLE t (${fileColumns(dataset).map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    const byHour = new Map<number, Array<[number, Record<string, unknown>]>>();
    rows.forEach((row, offset) => {
      const r = row as unknown as Record<string, unknown>;
      const bucket = hourBucket(r[dataset.partitionField] as number);
      byHour.set(bucket, [...(byHour.get(bucket) ?? []), [offset, r]]);
    });
    for (const [bucket, list] of byHour) {
      await conn.run('DELETE FROM t');
      for (const [offset, r] of list) {
        const values: DuckDBValue[] = columns.map((c) => {
          const v = r[c.field];
          if (v === null || v === undefined) return null;
          if (c.type === 'TIMESTAMP_MS') return c.nullable && v === 0 ? null : new DuckDBTimestampMillisecondsValue(BigInt(v as number));
          return c.type === 'BIGINT' ? BigInt(v as number) : (v as DuckDBValue);
        });
        await conn.run(`INSERT INTO t VALUES (${[...values, 0, BigInt(offset)].map((_, i) => `$${i + 1}`).join(', ')})`, [...values, 0, BigInt(offset)]);
      }
      const path = join(datasetDir(root, dataset), hourPartitionPath(bucket), lakeFileName(0, list[0]![0], list.at(-1)![0]));
      mkdirSync(dirname(path), { recursive: true });
      await conn.run('COPY t TO $path (FORMAT parquet)', { path });
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
