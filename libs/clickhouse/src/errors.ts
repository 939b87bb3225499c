/**
 * Stable codes of everything `@tickflow/clickhouse` can fail with. Apps map codes (never messages)
 * to exit codes, HTTP problem+json and metrics. Bad configuration is not here: it is a
 * `ConfigError` (`@tickflow/config`) naming the variable.
 */
export const CLICKHOUSE_ERROR_CODES = {
  /** The server cannot be reached (refused, DNS, timeout, reset): retry later. */
  CH_UNAVAILABLE: 'the ClickHouse server cannot be reached',
  /** The server refused the credentials (`CLICKHOUSE_USER` / `CLICKHOUSE_PASSWORD`). */
  CH_AUTH_FAILED: 'the ClickHouse server refused the credentials',
  /** chDB binds one data directory per process and another one is open. */
  CH_PATH_IN_USE: 'another chDB data directory is open in this process',
  /** The engine rejected a statement (syntax, unknown table, type mismatch, …); `serverCode` says why. */
  CH_QUERY_FAILED: 'the statement failed',
  /** A query parameter, table name or dedup token that cannot be bound safely. Nothing was sent. */
  CH_BAD_PARAM: 'a parameter cannot be bound',
  /** A row mapper got a value that has no exact ClickHouse form (e.g. a timestamp outside DateTime64's range). */
  CH_ROW_INVALID: 'an event cannot be stored as a row',
  /** The port was used after `close()`. */
  CH_CLOSED: 'the ClickHouse connection is closed',
  /** A migration file name, version or content is not acceptable (nothing was applied). */
  CH_MIGRATION_INVALID: 'a migration file is not valid',
  /** An applied migration's file changed since it was applied (nothing was applied). */
  CH_MIGRATION_CHECKSUM: 'an applied migration was edited',
  /** The database records a migration this build does not have (nothing was applied). */
  CH_MIGRATION_UNKNOWN: 'the database has a migration this build does not know',
  /** A statement of a migration failed; earlier migrations stay applied. */
  CH_MIGRATION_FAILED: 'a migration statement failed',
} as const;

export type ClickHouseErrorCode = keyof typeof CLICKHOUSE_ERROR_CODES;

/** Every code, for `it.each` and exhaustive mappings. */
export const CLICKHOUSE_ERROR_CODE_LIST = Object.keys(CLICKHOUSE_ERROR_CODES) as ClickHouseErrorCode[];

export interface ClickHouseErrorOptions {
  cause?: unknown;
  /** ClickHouse's numeric error code (e.g. 60 UNKNOWN_TABLE), when the engine gave one. */
  serverCode?: number;
  /** ClickHouse's error name (e.g. `UNKNOWN_TABLE`), when the engine gave one. */
  serverType?: string;
  /** The setting behind the failure (`CLICKHOUSE_URL`, `TICKFLOW_CLICKHOUSE_PATH`, …), when there is one. */
  setting?: string;
  /** Migration file involved, for the `CH_MIGRATION_*` codes. */
  file?: string;
}

/** A failure of the ClickHouse port, with a stable `code`; `message` is for humans. */
export class ClickHouseError extends Error {
  override readonly name = 'ClickHouseError';
  readonly code: ClickHouseErrorCode;
  readonly serverCode: number | undefined;
  readonly serverType: string | undefined;
  readonly setting: string | undefined;
  readonly file: string | undefined;

  constructor(code: ClickHouseErrorCode, message: string, options: ClickHouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.serverCode = options.serverCode;
    this.serverType = options.serverType;
    this.setting = options.setting;
    this.file = options.file;
  }
}

export function isClickHouseError(err: unknown): err is ClickHouseError {
  return err instanceof ClickHouseError;
}
