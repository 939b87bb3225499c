/** Stable codes of the analytics library's errors. */
export const ANALYTICS_ERROR_CODES = [
  /** An argument of an analytics function is out of its domain (bad date, limit, time range…). */
  'ANALYTICS_INVALID_ARGUMENT',
  /** The lake root or reference file is unusable (missing, not a directory, glob characters). */
  'ANALYTICS_CONFIG_INVALID',
  /** DuckDB returned a value of an unexpected type: a bug in our SQL. */
  'ANALYTICS_RESULT_TYPE',
  /** Ad-hoc SQL: nothing to run. */
  'SQL_EMPTY',
  /** Ad-hoc SQL: DuckDB could not parse the text. */
  'SQL_PARSE_ERROR',
  /** Ad-hoc SQL: more than one statement. */
  'SQL_MULTIPLE_STATEMENTS',
  /** Ad-hoc SQL: not a read-only query (only SELECT / WITH / FROM / VALUES / DESCRIBE / SHOW / SUMMARIZE). */
  'SQL_NOT_READ_ONLY',
  /** Ad-hoc SQL: the query has `?` / `$n` placeholders, which the ad-hoc entry cannot fill. */
  'SQL_HAS_PARAMETERS',
  /** Ad-hoc SQL: the query failed while binding or running (includes DuckDB's permission errors). */
  'SQL_EXECUTION_ERROR',
  /** Ad-hoc SQL: the query ran longer than its time limit and was interrupted. */
  'SQL_TIMEOUT',
] as const;
export type AnalyticsErrorCode = (typeof ANALYTICS_ERROR_CODES)[number];

export class AnalyticsError extends Error {
  override readonly name = 'AnalyticsError';

  constructor(
    readonly code: AnalyticsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isAnalyticsError(err: unknown): err is AnalyticsError {
  return err instanceof AnalyticsError;
}
