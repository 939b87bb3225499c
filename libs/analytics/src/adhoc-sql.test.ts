// The ad-hoc SQL entry: only one read-only statement runs, and the DuckDB it runs on can reach
// nothing but the lake even when the statement filter is bypassed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdhocSql } from './adhoc-sql';
import { LakeDatabase } from './lake-database';
import { enrichedTrade, tradeAggregate, writeLakeFiles } from './test-fixtures';

let dir: string;
let lake: string;
let outside: string;
let sql: AdhocSql;

const T = Date.parse('2024-03-10T09:00:00Z');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickflow-adhoc-'));
  lake = join(dir, 'lake');
  outside = join(dir, 'outside');
  await writeLakeFiles(lake, 'enriched_trades', [
    enrichedTrade({ trade_id: 'a', symbol: 'AAA', side: 'BUY', quantity: 1, price: 10, timestamp_ms: T }),
    enrichedTrade({ trade_id: 'b', symbol: 'BBB', side: 'SELL', quantity: 2, price: 20, timestamp_ms: T + 3_600_000 }),
  ]);
  await writeLakeFiles(lake, 'trade_aggregates', [
    tradeAggregate({ symbol: 'AAA', window_start: T, total_volume: 1, version: 1 }),
    tradeAggregate({ symbol: 'AAA', window_start: T, total_volume: 3, version: 2 }),
  ]);
  // A readable file outside the lake and a lake lookalike next to it: neither may be reachable.
  writeFileSync(join(dir, 'secret.csv'), 'secret\n42\n');
  mkdirSync(outside); // exists and is writable: a COPY into it would succeed if it were allowed
  writeFileSync(join(dir, 'symbols.csv'), 'symbol,company_name,sector,industry,market_cap_tier,exchange\nAAA,Alpha,Technology,Software,LARGE,NASDAQ\n');
  sql = await AdhocSql.open({ lakeRoot: lake, referencePath: join(dir, 'symbols.csv') });
});

afterAll(() => {
  sql?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Files anywhere under `root`, to prove a refused statement wrote nothing. */
function filesUnder(root: string): string[] {
  return existsSync(root) ? (readdirSync(root, { recursive: true }) as string[]).sort() : [];
}

describe('read-only queries run', () => {
  it('over the views and the reference table', async () => {
    const r = await sql.query('SELECT trade_id, symbol, date, hour, trade_time FROM enriched_trades ORDER BY trade_id');
    expect(r.rows).toEqual([
      { trade_id: 'a', symbol: 'AAA', date: '2024-03-10', hour: 9, trade_time: '2024-03-10 09:00:00' },
      { trade_id: 'b', symbol: 'BBB', date: '2024-03-10', hour: 10, trade_time: '2024-03-10 10:00:00' },
    ]);
    expect(r.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['trade_id:VARCHAR', 'symbol:VARCHAR', 'date:DATE', 'hour:INTEGER', 'trade_time:TIMESTAMP']);
    expect((await sql.query('SELECT total_volume FROM symbol_aggregates_latest')).rows).toEqual([{ total_volume: 3 }]);
    expect((await sql.query('FROM symbols SELECT symbol, sector')).rows).toEqual([{ symbol: 'AAA', sector: 'Technology' }]);
  });

  it.each([
    'WITH t AS (SELECT count(*) AS n FROM enriched_trades) SELECT n FROM t',
    'DESCRIBE enriched_trades',
    'SHOW TABLES',
    'SUMMARIZE trade_aggregates',
    'VALUES (1), (2)',
    '  -- a comment first\n/* and another */ (SELECT 1 AS x) UNION ALL (SELECT 2);',
    `SELECT count(*) FROM read_parquet('${'LAKE'}/enriched_trades/**/*.parquet')`,
  ])('%s', async (text) => {
    const r = await sql.query(text.replace('LAKE', lake));
    expect(r.rows.length).toBeGreaterThan(0);
  });

  it('cuts the rows at maxRows and says so', async () => {
    const r = await sql.query('SELECT * FROM range(5) t(i)', { maxRows: 2 });
    expect(r.rows).toEqual([{ i: '0' }, { i: '1' }]);
    expect(r.truncated).toBe(true);
  });

  it('interrupts a query that runs past its time limit', async () => {
    await expect(sql.query('SELECT sum(a.range * b.range) FROM range(1000000000) a, range(1000000) b', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'SQL_TIMEOUT' });
  });
});

describe('everything else is refused', () => {
  it.each([
    // [statement, code]
    [`COPY (SELECT 1) TO 'OUTSIDE/out.csv'`, 'SQL_NOT_READ_ONLY'],
    [`COPY enriched_trades TO 'LAKE/enriched_trades/copy.parquet' (FORMAT parquet)`, 'SQL_NOT_READ_ONLY'],
    [`/* hidden */ COPY (SELECT 1) TO 'OUTSIDE/out.csv'`, 'SQL_NOT_READ_ONLY'],
    [`EXPLAIN ANALYZE COPY (SELECT 1) TO 'OUTSIDE/out.csv'`, 'SQL_NOT_READ_ONLY'],
    [`ATTACH 'OUTSIDE/x.duckdb' AS x`, 'SQL_NOT_READ_ONLY'],
    [`ATTACH ':memory:' AS m`, 'SQL_NOT_READ_ONLY'],
    ['INSTALL httpfs', 'SQL_NOT_READ_ONLY'],
    ['LOAD httpfs', 'SQL_NOT_READ_ONLY'],
    ['SET enable_external_access = true', 'SQL_NOT_READ_ONLY'],
    ['RESET enable_external_access', 'SQL_NOT_READ_ONLY'],
    ['SET lock_configuration = false', 'SQL_NOT_READ_ONLY'],
    ['PRAGMA enable_profiling', 'SQL_NOT_READ_ONLY'],
    ['CALL pragma_version()', 'SQL_NOT_READ_ONLY'],
    ['CREATE TABLE t AS SELECT 1', 'SQL_NOT_READ_ONLY'],
    [`INSERT INTO symbols VALUES ('ZZZ', 'z', 'z', 'z', 'z', 'z', 0)`, 'SQL_NOT_READ_ONLY'],
    [`UPDATE symbols SET sector = 'x'`, 'SQL_NOT_READ_ONLY'],
    ['DELETE FROM symbols', 'SQL_NOT_READ_ONLY'],
    ['DROP VIEW enriched_trades', 'SQL_NOT_READ_ONLY'],
    [`EXPORT DATABASE 'OUTSIDE'`, 'SQL_NOT_READ_ONLY'],
    // Passes the keyword check (WITH …), caught by the statement type.
    [`WITH x AS (SELECT 1) INSERT INTO symbols SELECT 'ZZZ', 'z', 'z', 'z', 'z', 'z', 0 FROM x`, 'SQL_NOT_READ_ONLY'],
    // Several statements, however they are dressed.
    ['SELECT 1; SELECT 2', 'SQL_MULTIPLE_STATEMENTS'],
    [`SELECT 1; COPY (SELECT 1) TO 'OUTSIDE/out.csv'`, 'SQL_MULTIPLE_STATEMENTS'],
    ['SELECT 1; DROP VIEW enriched_trades;', 'SQL_MULTIPLE_STATEMENTS'],
    // Files outside the lake, by any reader: DuckDB's own lockdown answers.
    [`SELECT * FROM read_csv('/etc/passwd')`, 'SQL_EXECUTION_ERROR'],
    [`SELECT * FROM read_text('/etc/passwd')`, 'SQL_EXECUTION_ERROR'],
    [`SELECT * FROM read_csv('DIR/secret.csv')`, 'SQL_EXECUTION_ERROR'],
    [`SELECT * FROM read_text('LAKE/../secret.csv')`, 'SQL_EXECUTION_ERROR'],
    [`SELECT * FROM glob('/etc/*')`, 'SQL_EXECUTION_ERROR'],
    [`SELECT * FROM read_parquet('https://example.com/x.parquet')`, 'SQL_EXECUTION_ERROR'],
    [`SELECT * FROM query('COPY (SELECT 1) TO ''OUTSIDE/out.csv''')`, 'SQL_EXECUTION_ERROR'],
    ['SELECT $1', 'SQL_HAS_PARAMETERS'],
    ['', 'SQL_EMPTY'],
    ['   ;', 'SQL_EMPTY'],
    ['-- nothing but a comment', 'SQL_EMPTY'],
    ['SELECT FROM WHERE', 'SQL_PARSE_ERROR'],
  ])('%s → %s', async (statement, code) => {
    const before = filesUnder(dir);
    const text = statement.replaceAll('OUTSIDE', outside).replaceAll('LAKE', lake).replaceAll('DIR', dir);
    await expect(sql.query(text)).rejects.toMatchObject({ name: 'AnalyticsError', code });
    expect(filesUnder(dir)).toEqual(before);
  });

  it('leaves the views, the reference table and the settings as they were', async () => {
    expect((await sql.query('SELECT count(*) AS n FROM enriched_trades')).rows).toEqual([{ n: '2' }]);
    expect((await sql.query('SELECT count(*) AS n FROM symbols')).rows).toEqual([{ n: '1' }]);
    expect((await sql.query(`SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked`)).rows).toEqual([{ ext: false, locked: true }]);
  });
});

describe('the DuckDB under it is locked down on its own', () => {
  // Statements sent straight to a connection, past the read-only filter: DuckDB itself refuses.
  let db: LakeDatabase;
  beforeAll(async () => {
    db = await LakeDatabase.open({ lakeRoot: lake });
  });
  afterAll(() => db?.close());

  it.each([
    [`COPY (SELECT 1) TO 'OUTSIDE.csv'`, /Permission Error/],
    [`SELECT * FROM read_csv('/etc/passwd')`, /Permission Error/],
    [`ATTACH 'OUTSIDE.duckdb' AS x`, /Permission Error/],
    ['INSTALL httpfs', /Permission Error/],
    ['LOAD httpfs', /Permission Error|disabled/],
    ['SET enable_external_access = true', /locked/],
    ['RESET enable_external_access', /locked/],
    ['SET lock_configuration = false', /locked/],
    [`SET allowed_directories = ['/']`, /locked/],
  ])('%s', async (statement, error) => {
    const conn = await db.connect();
    try {
      await expect(conn.run(statement.replaceAll('OUTSIDE', join(dir, 'raw-out')))).rejects.toThrow(error);
    } finally {
      conn.closeSync();
    }
    expect(existsSync(join(dir, 'raw-out.csv'))).toBe(false);
    expect(existsSync(join(dir, 'raw-out.duckdb'))).toBe(false);
  });
});
