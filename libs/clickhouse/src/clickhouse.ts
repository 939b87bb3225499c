/**
 * The ClickHouse port: the few operations tickflow needs, with one implementation per backend
 * (`createClickHouse`: a server over HTTP, or embedded chDB). Callers write the same SQL for both.
 *
 * User input never enters SQL text: bind it as `{name:Type}` placeholders with `params`, e.g.
 * `WHERE symbol = {symbol:String} AND window_start >= {from:DateTime64(3, 'UTC')}`, and table or
 * column names as `{table:Identifier}`. Unqualified table names resolve to `database`.
 */
export interface ClickHouse {
  /** `server` (HTTP, `CLICKHOUSE_URL`) or `chdb` (embedded, `TICKFLOW_CLICKHOUSE_PATH`). */
  readonly backend: ClickHouseBackend;
  /** The database unqualified table names resolve to (created on open if missing). */
  readonly database: string;
  /** Runs a statement that returns no rows (DDL, `INSERT … SELECT`, `OPTIMIZE`, …). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /**
   * Runs a query and returns its rows as objects (JSONEachRow). Column types come back as:
   * numbers for all integer and float types (64-bit integers beyond ±2^53 lose precision: select
   * `toString(x)` for those), `'YYYY-MM-DD hh:mm:ss.sss'` strings for `DateTime64(3, 'UTC')`
   * (select `toUnixTimestamp64Milli(ts)` for epoch ms), booleans for `Bool`, `null` for NULL.
   */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /**
   * Inserts rows (JSONEachRow: keys are column names; omitted columns take their DEFAULT) as one
   * block. With `dedupToken`, a retry of the same batch carrying the same token is dropped by the
   * table's block deduplication (and so are the rows its materialized views would add).
   */
  insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  /** Releases the connection; later calls fail with `CH_CLOSED`. Idempotent. */
  close(): Promise<void>;
}

export type ClickHouseBackend = 'server' | 'chdb';

/**
 * A value bound to a `{name:Type}` placeholder. The engine parses it as the placeholder's type, so
 * `"x' OR 1=1 --"` bound to `{s:String}` is just that string. A `Date` binds as
 * `'YYYY-MM-DD hh:mm:ss[.sss]'` in UTC: declare the placeholder `DateTime64(3, 'UTC')` (or
 * `DateTime('UTC')` for whole seconds; milliseconds there are refused, not truncated). For epoch
 * ms numbers use `fromUnixTimestamp64Milli({ms:Int64}, 'UTC')` in the SQL.
 */
export type QueryParam = string | number | bigint | boolean | Date | null | readonly QueryParam[];
export type QueryParams = Readonly<Record<string, QueryParam>>;

export interface InsertOptions {
  /**
   * Same token for the same batch: a retry after a crash or a timeout is then dropped instead of
   * doubling rows. Letters, digits and `_ . : / = + @ -`, at most 256 characters (e.g.
   * `enriched.trades:3:1200-1699`).
   * @defaultValue none: identical blocks are still dropped by content hash on the tickflow tables
   */
  dedupToken?: string;
}
