import { parseArgs } from 'node:util';
import { AdhocSql, isAnalyticsError, type AdhocResult } from '@tickflow/analytics';
import { intSetting, stringSetting } from '@tickflow/config';
import { BUILTIN_REFERENCE } from '../reference/load-reference';

export const SQL_USAGE = `Usage: tickflow sql [options] "<query>"

Admin-only, read-only SQL over the Parquet lake (DuckDB, in memory). Views:
  enriched_trades; trade_aggregates (every row: corrections have higher versions, sector-scope rows
  are one partial sum per processor task); symbol_aggregates_latest (symbol-scope windows at their
  highest version); each with hive columns date (DATE) and hour (INTEGER). Table symbols holds the
  reference data.
Before the query runs, DuckDB's external access is switched off (only the lake directory stays
readable), extensions cannot be installed or loaded, and the configuration is locked. Only one
SELECT / WITH / FROM / VALUES / TABLE / DESCRIBE / SHOW / SUMMARIZE statement is accepted.

  --json             print rows as a JSON array instead of a table
  --lake-dir DIR     lake root (env TICKFLOW_LAKE_DIR, default ./data/lake)
  --reference FILE   reference symbols .csv/.parquet (env TICKFLOW_REFERENCE, default built-in)
  --max-rows N       print at most N rows (default 1000)
  --timeout-ms N     interrupt the query after N ms (default 60000)

Exit status: 0 ok, 1 query refused or failed, 2 usage error.`;

export interface SqlCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const CONSOLE_IO: SqlCommandIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

export async function sqlCommand(args: string[], io: SqlCommandIo = CONSOLE_IO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      'lake-dir': { type: 'string' },
      reference: { type: 'string' },
      'max-rows': { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(SQL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`tickflow sql: expected one query argument (quote it), got ${positionals.length}\n\n${SQL_USAGE}`);
    return 2;
  }
  const env = process.env;
  const lakeRoot = stringSetting({ flag: 'lake-dir', env: 'TICKFLOW_LAKE_DIR' }, values, env, { default: './data/lake', pattern: /^[^*?[\]{}]+$/, describe: 'a directory path without glob characters' })!;
  const referencePath = stringSetting({ flag: 'reference', env: 'TICKFLOW_REFERENCE' }, values, env, { default: BUILTIN_REFERENCE })!;
  const maxRows = intSetting({ flag: 'max-rows' }, values, env, { default: 1000, min: 1, max: 1_000_000 });
  const timeoutMs = intSetting({ flag: 'timeout-ms' }, values, env, { default: 60_000, min: 1, max: 86_400_000 });

  let sql: AdhocSql;
  try {
    sql = await AdhocSql.open({ lakeRoot, referencePath });
  } catch (err) {
    if (!isAnalyticsError(err)) throw err;
    io.err(`tickflow sql: ${err.code}: ${err.message}`);
    return 2;
  }
  try {
    const result = await sql.query(positionals[0]!, { maxRows, timeoutMs });
    io.out(values.json ? JSON.stringify(result.rows, null, 2) : formatTable(result));
    if (result.truncated) io.err(`tickflow sql: output cut at ${maxRows} rows (--max-rows)`);
    return 0;
  } catch (err) {
    if (!isAnalyticsError(err)) throw err;
    io.err(`tickflow sql: ${err.code}: ${err.message}`);
    return 1;
  } finally {
    sql.close();
  }
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;
const MAX_CELL = 80;

/** A plain-text table: header, rule, rows (numbers right-aligned), and a row count. */
export function formatTable(result: AdhocResult): string {
  const names = result.columns.map((c) => c.name);
  const right = result.columns.map((c) => NUMERIC.test(c.type));
  const cells = result.rows.map((row) => names.map((n) => cell(row[n])));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' │ ').trimEnd();
  const out = [line(names), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.map(line)];
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? ', more not shown' : ''})`);
  return out.join('\n');
}

function cell(value: unknown): string {
  const text = value === null || value === undefined ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}
