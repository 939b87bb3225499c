import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { AnalyticsError } from './errors';
import { LakeDatabase, type LakeDatabaseOptions } from './lake-database';

/** What an ad-hoc query may start with (after comments): the read-only statement forms. */
const READ_ONLY_KEYWORDS = ['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'DESCRIBE', 'SHOW', 'SUMMARIZE'] as const;

export interface AdhocQueryOptions {
  /** Rows to return at most; the result says whether more were left out. @defaultValue 1000 */
  maxRows?: number;
  /** Interrupt the query after this long, ms. @defaultValue 60_000 */
  timeoutMs?: number;
}

export interface AdhocResult {
  columns: Array<{ name: string; type: string }>;
  /** Rows as JSON-safe values: BIGINT and DECIMAL as strings, timestamps as ISO-like text, lists and structs as JSON. */
  rows: Array<Record<string, unknown>>;
  /** True when the query had more than `maxRows` rows. */
  truncated: boolean;
}

/**
 * The admin-only, read-only ad-hoc SQL entry over the lake (`tickflow sql`, and the API's admin
 * endpoint). Runs on a {@link LakeDatabase}, which is locked down before any query (external
 * access off except the lake root, configuration locked). On top of that, every query must be:
 *
 * 1. non-empty and start, after comments and parentheses, with one of SELECT, WITH, FROM, VALUES,
 *    TABLE, DESCRIBE, SHOW, SUMMARIZE — refused before DuckDB sees it otherwise;
 * 2. exactly one statement by DuckDB's own parser (so a `;` inside a string does not count);
 * 3. of statement type SELECT once prepared (DESCRIBE / SHOW / SUMMARIZE are SELECTs in DuckDB;
 *    COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, EXPLAIN ANALYZE, CREATE, INSERT… are not);
 * 4. without parameters.
 *
 * Preparing binds but does not execute, so a refused statement never runs.
 */
export class AdhocSql {
  private constructor(private readonly db: LakeDatabase) {}

  static async open(opts: LakeDatabaseOptions): Promise<AdhocSql> {
    return new AdhocSql(await LakeDatabase.open(opts));
  }

  close(): void {
    this.db.close();
  }

  async query(sql: string, opts: AdhocQueryOptions = {}): Promise<AdhocResult> {
    const maxRows = opts.maxRows ?? 1000;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `maxRows: expected a positive integer, got ${maxRows}`);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `timeoutMs: expected a positive integer, got ${timeoutMs}`);
    checkLeadingKeyword(sql);
    await this.db.refreshViews();
    const conn = await this.db.connect();
    try {
      const prepared = await prepareSingleReadOnly(conn, sql);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        conn.interrupt();
      }, timeoutMs);
      try {
        const reader = await prepared.streamAndReadUntil(maxRows + 1);
        const names = reader.columnNames();
        const types = reader.columnTypes().map((t) => t.toString());
        const all = reader.getRowObjectsJson() as Array<Record<string, unknown>>;
        return { columns: names.map((name, i) => ({ name, type: types[i] ?? 'UNKNOWN' })), rows: all.slice(0, maxRows), truncated: all.length > maxRows };
      } catch (err) {
        if (timedOut) throw new AnalyticsError('SQL_TIMEOUT', `query interrupted after ${timeoutMs} ms`);
        throw new AnalyticsError('SQL_EXECUTION_ERROR', duckdbMessage(err));
      } finally {
        clearTimeout(timer);
      }
    } finally {
      conn.closeSync();
    }
  }
}

/** Rule 1: the first word, after whitespace, comments and opening parentheses. */
function checkLeadingKeyword(sql: string): void {
  if (typeof sql !== 'string') throw new AnalyticsError('SQL_EMPTY', 'expected SQL text');
  let i = 0;
  for (;;) {
    while (i < sql.length && (/\s/.test(sql[i]!) || sql[i] === '(')) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else break;
  }
  if (i >= sql.length || sql.slice(i).trim() === ';') throw new AnalyticsError('SQL_EMPTY', 'no query to run');
  const word = /^[A-Za-z_]+/.exec(sql.slice(i))?.[0]?.toUpperCase() ?? sql.slice(i, i + 10);
  if (!(READ_ONLY_KEYWORDS as readonly string[]).includes(word)) {
    throw new AnalyticsError('SQL_NOT_READ_ONLY', `only read-only queries (${READ_ONLY_KEYWORDS.join(', ')}) are allowed; got ${JSON.stringify(word)}`);
  }
}

/** Rules 2–4, by DuckDB's parser and binder. */
async function prepareSingleReadOnly(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (err) {
    throw new AnalyticsError('SQL_PARSE_ERROR', duckdbMessage(err));
  }
  if (extracted.count === 0) throw new AnalyticsError('SQL_EMPTY', 'no query to run');
  if (extracted.count > 1) throw new AnalyticsError('SQL_MULTIPLE_STATEMENTS', `one statement at a time; got ${extracted.count}`);
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    throw new AnalyticsError('SQL_EXECUTION_ERROR', duckdbMessage(err));
  }
  if (prepared.statementType !== StatementType.SELECT) {
    throw new AnalyticsError('SQL_NOT_READ_ONLY', `only read-only queries are allowed; got a ${StatementType[prepared.statementType] ?? prepared.statementType} statement`);
  }
  if (prepared.parameterCount > 0) throw new AnalyticsError('SQL_HAS_PARAMETERS', `the query has ${prepared.parameterCount} parameter(s); inline the values`);
  return prepared;
}

function duckdbMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^Failed to extract statements: /, '').split('\n')[0]!.trim();
}
