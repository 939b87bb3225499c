import { AnalyticsError } from './errors';

/**
 * DuckDB → JS number. `getRowObjectsJS()` gives `number` for DOUBLE/INTEGER and `bigint` for
 * BIGINT/HUGEINT; anything else (or a bigint outside the safe range) is a bug in our SQL.
 */
export function toNumber(value: unknown, column: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new AnalyticsError('ANALYTICS_RESULT_TYPE', `${column}: ${value} is outside the safe integer range`);
    }
    return Number(value);
  }
  throw new AnalyticsError('ANALYTICS_RESULT_TYPE', `${column}: expected a number, got ${value === null ? 'NULL' : typeof value}`);
}

export function toNullableNumber(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : toNumber(value, column);
}

export function toText(value: unknown, column: string): string {
  if (typeof value !== 'string') throw new AnalyticsError('ANALYTICS_RESULT_TYPE', `${column}: expected a string, got ${value === null ? 'NULL' : typeof value}`);
  return value;
}
