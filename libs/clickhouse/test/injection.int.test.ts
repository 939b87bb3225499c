import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STORED_EVENTS, enrichedTradeRow, microBarRow, openTestClickHouse, runMigrations } from '@tickflow/clickhouse';
import type { ClickHouse, QueryParams, TestClickHouse } from '@tickflow/clickhouse';
import { T0, enrichedTrade, microBar } from './fixtures';

/** Strings that would change a query built by concatenation. */
const PAYLOADS = [
  "x' OR 1=1 --",
  "AAPL' OR '1'='1",
  "'); DROP TABLE signals; --",
  "\\'; DROP TABLE signals; --",
  'AAPL\\',
  "x'; SELECT * FROM system.users; --",
  '} OR 1=1 OR {x:String',
  'AAPL\t\n\r\0',
  "x' UNION ALL SELECT name, '', 0 FROM system.tables --",
];

let t: TestClickHouse;
let ch: ClickHouse;
let baseline: { tables: string[]; bars: number };

async function snapshot(): Promise<{ tables: string[]; bars: number }> {
  const tables = await ch.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', { db: ch.database });
  const [bars] = await ch.query<{ n: number }>('SELECT count() AS n FROM micro_bars');
  return { tables: tables.map((r) => r.name), bars: bars!.n };
}

beforeAll(async () => {
  t = await openTestClickHouse();
  ch = t.ch;
  await runMigrations(ch);
  await ch.insert('micro_bars', [microBarRow(microBar(T0, { symbol: 'AAPL' })), microBarRow(microBar(T0, { symbol: 'MSFT' }))]);
  baseline = await snapshot();
});
afterAll(async () => {
  await t?.dispose();
});
afterEach(async () => {
  // Whatever a payload did, nothing was dropped and no row was added or removed.
  expect(await snapshot()).toEqual(baseline);
});

describe('query parameters', () => {
  it.each(PAYLOADS)('a String parameter %j matches nothing and is returned verbatim', async (payload) => {
    expect(await ch.query('SELECT symbol FROM micro_bars FINAL WHERE symbol = {symbol:String}', { symbol: payload })).toEqual([]);
    expect(await ch.query('SELECT {v:String} AS v', { v: payload })).toEqual([{ v: payload }]);
  });

  it.each(PAYLOADS)('an Array(String) element %j is one element', async (payload) => {
    const rows = await ch.query<{ symbol: string }>('SELECT symbol FROM micro_bars FINAL WHERE symbol IN {symbols:Array(String)} ORDER BY symbol', { symbols: ['MSFT', payload] });
    expect(rows).toEqual([{ symbol: 'MSFT' }]);
    expect(await ch.query('SELECT {a:Array(String)} AS a', { a: [payload, 'b'] })).toEqual([{ a: [payload, 'b'] }]);
  });

  it.each(PAYLOADS)('a command parameter %j is data too', async (payload) => {
    await ch.command('ALTER TABLE micro_bars DELETE WHERE symbol = {symbol:String}', { symbol: payload });
  });

  it.each(['micro_bars; DROP TABLE signals', 'micro_bars WHERE 1=1 --', 'signals` ; DROP TABLE signals; --'])('an Identifier parameter %j names one (missing) table', async (name) => {
    await expect(ch.query('SELECT count() AS n FROM {t:Identifier}', { t: name })).rejects.toMatchObject({ code: 'CH_QUERY_FAILED' });
  });

  it('a number parameter refuses text', async () => {
    await expect(ch.query('SELECT count() AS n FROM micro_bars WHERE count > {n:UInt64}', { n: '0 OR 1=1' })).rejects.toMatchObject({ code: 'CH_QUERY_FAILED' });
  });

  it.each<[string, QueryParams]>([
    ['a parameter name that closes the placeholder', { 'symbol:String} OR 1=1 --': 'x' }],
    ['a parameter name with a quote', { "a'": 'x' }],
    ['an object value', { s: { toString: () => "' OR 1=1 --" } as unknown as string }],
  ])('%s is refused before anything is sent', async (_name, params) => {
    await expect(ch.query('SELECT 1 AS one', params)).rejects.toMatchObject({ code: 'CH_BAD_PARAM' });
  });
});

describe('insert', () => {
  it.each(['micro_bars; DROP TABLE signals', 'micro_bars (symbol) SELECT name FROM system.tables', 'micro_bars FORMAT CSV', "micro_bars'"])(
    'refuses the table name %j',
    async (table) => {
      await expect(ch.insert(table, [{ symbol: 'X' }])).rejects.toMatchObject({ code: 'CH_BAD_PARAM' });
    },
  );

  it.each(["a\\'; DROP TABLE signals; --", "a'; DROP TABLE signals; --", 'a b'])('refuses the dedup token %j (chDB splices it into a SET)', async (token) => {
    await expect(ch.insert('micro_bars', [microBarRow(microBar(T0, { symbol: 'TOK' }))], { dedupToken: token })).rejects.toMatchObject({ code: 'CH_BAD_PARAM' });
  });

  it('stores string values verbatim, and a hostile column name does not run', async () => {
    const rows = PAYLOADS.map((p, i) => enrichedTradeRow(enrichedTrade({ trade_id: `inj-${i}`, symbol: 'INJ', account_id: p, trader_id: p, company_name: p })));
    await ch.insert('enriched_trades', rows, { dedupToken: 'injection-rows' });
    const back = await ch.query<{ account_id: string; trader_id: string; company_name: string }>(
      'SELECT account_id, trader_id, company_name FROM enriched_trades FINAL WHERE symbol = {s:String} ORDER BY trade_id',
      { s: 'INJ' },
    );
    expect(back.map((r) => [r.account_id, r.trader_id, r.company_name])).toEqual(PAYLOADS.map((p) => [p, p, p])); // inj-0 … inj-8 sort as written
    const hostile = { ...STORED_EVENTS.EnrichedTrade.toRow(enrichedTrade({ trade_id: 'inj-key', symbol: 'INJ' })), 'x"; DROP TABLE signals; --': 1 };
    await ch.insert('enriched_trades', [hostile]).catch((err: unknown) => expect(err).toMatchObject({ code: 'CH_QUERY_FAILED' }));
  });
});
