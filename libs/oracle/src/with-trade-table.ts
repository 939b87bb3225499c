import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { OracleError } from './errors';
import { toNumber, toText } from './duckdb-values';

/** Glob metacharacters: DuckDB's file readers expand them, so a path holding one could read other files. */
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Splits the file into lines numbered from 1 in file order. The number comes from the line's
 * position in the list `string_split` returns (`list_transform`'s index argument), not from scan
 * order, so it is file order by construction — no reliance on `preserve_insertion_order`, thread
 * count or `row_number() OVER ()`. The file is read whole (`read_text`): fine for recorded test
 * tapes (tens of MB), not meant for multi-GB files.
 *
 * The path is a bound parameter ($path), never spliced into the SQL text.
 */
const LOAD_LINES_SQL = `
CREATE TEMP TABLE lines AS
SELECT u.line_no::BIGINT AS line_no, rtrim(u.line, chr(13)) AS line
FROM (
  SELECT unnest(list_transform(string_split(content, chr(10)), lambda l, i: {'line_no': i, 'line': l})) AS u
  FROM read_text($path)
)`;

/**
 * First problem per line, NULL when the line is a well-formed trade. Blank lines are ignored.
 * `json_valid` comes first: CASE evaluates later branches only for rows that reach them.
 */
const LINE_PROBLEMS_SQL = `
WITH checked AS (
  SELECT line_no,
    CASE
      WHEN NOT json_valid(line) THEN 'not valid JSON'
      WHEN json_type(line) <> 'OBJECT' THEN 'not a JSON object'
      WHEN json_type(line, '$.trade_id') IS DISTINCT FROM 'VARCHAR' OR json_extract_string(line, '$.trade_id') = '' THEN 'trade_id is not a non-empty string'
      WHEN json_type(line, '$.symbol') IS DISTINCT FROM 'VARCHAR' OR json_extract_string(line, '$.symbol') = '' THEN 'symbol is not a non-empty string'
      WHEN json_type(line, '$.status') IS DISTINCT FROM 'VARCHAR' THEN 'status is not a string'
      WHEN json_type(line, '$.side') IS DISTINCT FROM 'VARCHAR' OR json_extract_string(line, '$.side') NOT IN ('BUY', 'SELL') THEN 'side is not BUY or SELL'
      WHEN coalesce(json_type(line, '$.price'), 'NULL') NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN 'price is not a number'
      WHEN coalesce(json_type(line, '$.quantity'), 'NULL') NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN 'quantity is not a number'
      WHEN coalesce(json_type(line, '$.timestamp_ms'), 'NULL') NOT IN ('UBIGINT', 'BIGINT') THEN 'timestamp_ms is not an integer'
      WHEN TRY_CAST(json_extract_string(line, '$.timestamp_ms') AS BIGINT) IS NULL THEN 'timestamp_ms is out of range'
      WHEN NOT coalesce(isfinite(TRY_CAST(json_extract_string(line, '$.price') AS DOUBLE)) AND TRY_CAST(json_extract_string(line, '$.price') AS DOUBLE) > 0, false) THEN 'price is not a finite number > 0'
      WHEN NOT coalesce(isfinite(TRY_CAST(json_extract_string(line, '$.quantity') AS DOUBLE)) AND TRY_CAST(json_extract_string(line, '$.quantity') AS DOUBLE) > 0, false) THEN 'quantity is not a finite number > 0'
    END AS problem
  FROM lines
  WHERE trim(line) <> ''
)
SELECT line_no, problem, count(*) OVER () AS problems FROM checked WHERE problem IS NOT NULL ORDER BY line_no LIMIT 1`;

/** One row per trade. `line_no` is the arrival order; numbers are parsed from their JSON text. */
const LOAD_TRADES_SQL = `
CREATE TEMP TABLE trades AS
SELECT
  line_no,
  json_extract_string(line, '$.trade_id') AS trade_id,
  json_extract_string(line, '$.symbol') AS symbol,
  json_extract_string(line, '$.side') AS side,
  json_extract_string(line, '$.status') AS status,
  json_extract_string(line, '$.price')::DOUBLE AS price,
  json_extract_string(line, '$.quantity')::DOUBLE AS quantity,
  json_extract_string(line, '$.timestamp_ms')::BIGINT AS timestamp_ms
FROM lines
WHERE trim(line) <> ''`;

const DUPLICATE_SQL = `
SELECT line_no, trade_id
FROM (SELECT line_no, trade_id, row_number() OVER (PARTITION BY trade_id ORDER BY line_no) AS nth FROM trades)
WHERE nth > 1
ORDER BY line_no
LIMIT 1`;

/**
 * Opens an in-memory DuckDB, loads the NDJSON trades file into a temp table `trades(line_no,
 * trade_id, symbol, side, status, price, quantity, timestamp_ms)`, checks it, runs `query` and
 * closes the database.
 *
 * Throws {@link OracleError} when the path is not a plain existing file, when a line is not a
 * well-formed trade (valid JSON object; string trade_id, symbol, status; side BUY|SELL; finite
 * price and quantity > 0; integer timestamp_ms) or when a trade id repeats.
 */
export async function withTradeTable<T>(tradesNdjsonPath: string, query: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const path = checkedPath(tradesNdjsonPath);
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      await connection.run(LOAD_LINES_SQL, { path });
      const problem = (await connection.runAndReadAll(LINE_PROBLEMS_SQL)).getRowObjectsJS()[0];
      if (problem) {
        const line = toNumber(problem.line_no, 'line_no');
        const count = toNumber(problem.problems, 'problems');
        throw new OracleError('ORACLE_LINE_INVALID', `${path}:${line}: ${toText(problem.problem, 'problem')} (${count} invalid line(s) in all)`, line);
      }
      await connection.run(LOAD_TRADES_SQL);
      const duplicate = (await connection.runAndReadAll(DUPLICATE_SQL)).getRowObjectsJS()[0];
      if (duplicate) {
        const line = toNumber(duplicate.line_no, 'line_no');
        throw new OracleError('ORACLE_DUPLICATE_TRADE_ID', `${path}:${line}: trade_id ${toText(duplicate.trade_id, 'trade_id')} was already seen`, line);
      }
      return await query(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * The path is bound as a parameter, so it cannot inject SQL; but DuckDB's readers treat it as a
 * glob pattern or a URL, so it must also be a plain, existing, regular local file.
 */
function checkedPath(input: string): string {
  const path = resolve(input);
  if (GLOB_CHARS.test(path)) throw new OracleError('ORACLE_PATH_INVALID', `${path}: glob characters (* ? [ ] { }) are not allowed in the path`);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw new OracleError('ORACLE_PATH_INVALID', `${path}: not an existing regular file`);
  return path;
}
