import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichedTradeRow, openTestClickHouse, runMigrations } from '@tickflow/clickhouse';
import type { ClickHouse, TestClickHouse } from '@tickflow/clickhouse';
import type { EnrichedTrade } from '@tickflow/schemas';
import { T0, enrichedTrade } from './fixtures';

/** The reads documented in clickhouse/0002_positions_and_sectors.sql and the README. */
const POSITIONS_SQL = `
  SELECT account_id, symbol,
         sum(net_quantity) AS net_quantity,
         sum(net_cost) AS net_cost,
         sum(buy_quantity) AS buy_quantity,
         sum(sell_quantity) AS sell_quantity,
         sum(trade_count) AS trade_count,
         argMaxMerge(last_price) AS last_price,
         toUnixTimestamp64Milli(max(last_trade_at)) AS last_trade_ms
  FROM positions
  WHERE account_id = {account_id:String}
  GROUP BY account_id, symbol
  ORDER BY symbol`;

const SECTORS_SQL = `
  SELECT sector, toString(s.minute) AS minute,
         sum(s.volume) AS volume, sum(s.value) AS value, sum(s.value) / sum(s.volume) AS vwap,
         sum(trade_count) AS trade_count, sum(buy_count) AS buy_count, sum(sell_count) AS sell_count
  FROM sector_trades_1m AS s
  WHERE s.minute >= {from:DateTime('UTC')} AND s.minute < {to:DateTime('UTC')}
  GROUP BY sector, s.minute
  ORDER BY sector, s.minute`;

let t: TestClickHouse;
let ch: ClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse();
  ch = t.ch;
  await runMigrations(ch);
});
afterAll(async () => {
  await t?.dispose();
});

function trade(id: number, account: string, symbol: string, side: 'BUY' | 'SELL', quantity: number, price: number, offsetMs: number, sector = 'Technology'): EnrichedTrade {
  return enrichedTrade({ trade_id: `t-${id}`, order_id: `o-${id}`, account_id: account, symbol, side, quantity, price, timestamp_ms: T0 + offsetMs, seq: id, sector });
}

// T0 = 2024-01-02 14:30:00.123. Prices are multiples of 1/4, so every product and sum is exact.
const T1 = trade(1, 'acct-A', 'AAPL', 'BUY', 100, 190.25, 0);
const T2 = trade(2, 'acct-A', 'AAPL', 'BUY', 50, 191.5, 1000);
const T3 = trade(3, 'acct-A', 'AAPL', 'SELL', 30, 192, 2000);
const T4 = trade(4, 'acct-A', 'AAPL', 'SELL', 20, 191.75, 2000); // same ms as T3, later in the stream
const T5 = trade(5, 'acct-A', 'MSFT', 'SELL', 10, 400, 500);
const T6 = trade(6, 'acct-B', 'AAPL', 'BUY', 1, 190, 61_000); // next minute
const T7 = trade(7, 'acct-B', 'XOM', 'BUY', 200, 100.5, 30_000, 'Energy');

const BATCH_1 = [T1, T2, T5].map(enrichedTradeRow);
const BATCH_2 = [T4, T3, T6, T7].map(enrichedTradeRow); // T4 before T3: "last" must not mean "last inserted"

// By hand:
//   acct-A AAPL: +100 +50 −30 −20 = 100; cost 19025 + 9575 − 5760 − 3835 = 19005; last 191.75 (T4: same ms as T3, higher seq)
//   acct-A MSFT: −10; cost −4000; last 400
//   acct-B AAPL: +1; 190.   acct-B XOM: +200; 20100
const EXPECTED_A = [
  { account_id: 'acct-A', symbol: 'AAPL', net_quantity: 100, net_cost: 19005, buy_quantity: 150, sell_quantity: 50, trade_count: 4, last_price: 191.75, last_trade_ms: T0 + 2000 },
  { account_id: 'acct-A', symbol: 'MSFT', net_quantity: -10, net_cost: -4000, buy_quantity: 0, sell_quantity: 10, trade_count: 1, last_price: 400, last_trade_ms: T0 + 500 },
];
const EXPECTED_B = [
  { account_id: 'acct-B', symbol: 'AAPL', net_quantity: 1, net_cost: 190, buy_quantity: 1, sell_quantity: 0, trade_count: 1, last_price: 190, last_trade_ms: T0 + 61_000 },
  { account_id: 'acct-B', symbol: 'XOM', net_quantity: 200, net_cost: 20100, buy_quantity: 200, sell_quantity: 0, trade_count: 1, last_price: 100.5, last_trade_ms: T0 + 30_000 },
];
//   Technology 14:30: T1..T5, volume 210, value 19025 + 9575 + 5760 + 3835 + 4000 = 42195, 2 buys, 3 sells
//   Technology 14:31: T6.   Energy 14:30: T7.
const EXPECTED_SECTORS = [
  { sector: 'Energy', minute: '2024-01-02 14:30:00', volume: 200, value: 20100, vwap: 100.5, trade_count: 1, buy_count: 1, sell_count: 0 },
  { sector: 'Technology', minute: '2024-01-02 14:30:00', volume: 210, value: 42195, vwap: 42195 / 210, trade_count: 5, buy_count: 2, sell_count: 3 },
  { sector: 'Technology', minute: '2024-01-02 14:31:00', volume: 1, value: 190, vwap: 190, trade_count: 1, buy_count: 1, sell_count: 0 },
];
const WINDOW = { from: new Date(Date.UTC(2024, 0, 2, 14, 0)), to: new Date(Date.UTC(2024, 0, 2, 15, 0)) };

describe('materialized views over enriched_trades', () => {
  beforeAll(async () => {
    await ch.insert('enriched_trades', BATCH_1, { dedupToken: 'enriched.trades:0:0-2' });
    await ch.insert('enriched_trades', BATCH_2, { dedupToken: 'enriched.trades:0:3-6' });
  });

  it('positions: net quantity (BUY +, SELL −), signed cost, count and last price per (account, symbol)', async () => {
    expect(await ch.query(POSITIONS_SQL, { account_id: 'acct-A' })).toEqual(EXPECTED_A);
    expect(await ch.query(POSITIONS_SQL, { account_id: 'acct-B' })).toEqual(EXPECTED_B);
    expect(await ch.query(POSITIONS_SQL, { account_id: 'acct-none' })).toEqual([]);
  });

  it('sector figures per minute', async () => {
    expect(await ch.query(SECTORS_SQL, WINDOW)).toEqual(EXPECTED_SECTORS);
  });

  it('a retried batch (same dedup token) changes neither the trades nor the views', async () => {
    await ch.insert('enriched_trades', BATCH_1, { dedupToken: 'enriched.trades:0:0-2' });
    await ch.insert('enriched_trades', BATCH_2, { dedupToken: 'enriched.trades:0:3-6' });
    const [n] = await ch.query<{ n: number }>('SELECT count() AS n FROM enriched_trades');
    expect(n!.n).toBe(7);
    expect(await ch.query(POSITIONS_SQL, { account_id: 'acct-A' })).toEqual(EXPECTED_A);
    expect(await ch.query(POSITIONS_SQL, { account_id: 'acct-B' })).toEqual(EXPECTED_B);
    expect(await ch.query(SECTORS_SQL, WINDOW)).toEqual(EXPECTED_SECTORS);
  });

  it('reads the same after background merges have collapsed the partial rows', async () => {
    await ch.command('OPTIMIZE TABLE positions FINAL');
    await ch.command('OPTIMIZE TABLE sector_trades_1m FINAL');
    const [parts] = await ch.query<{ n: number }>("SELECT count() AS n FROM positions WHERE account_id = 'acct-A'");
    expect(parts!.n).toBe(2);
    expect(await ch.query(POSITIONS_SQL, { account_id: 'acct-A' })).toEqual(EXPECTED_A);
    expect(await ch.query(SECTORS_SQL, WINDOW)).toEqual(EXPECTED_SECTORS);
  });

  it('a later batch adds to the positions', async () => {
    await ch.insert('enriched_trades', [enrichedTradeRow(trade(8, 'acct-B', 'XOM', 'SELL', 50, 101, 90_000, 'Energy'))], { dedupToken: 'enriched.trades:0:7-7' });
    const [xom] = (await ch.query<(typeof EXPECTED_B)[number]>(POSITIONS_SQL, { account_id: 'acct-B' })).filter((p) => p.symbol === 'XOM');
    expect(xom).toEqual({ ...EXPECTED_B[1], net_quantity: 150, net_cost: 20100 - 5050, sell_quantity: 50, trade_count: 2, last_price: 101, last_trade_ms: T0 + 90_000 });
  });
});
