import { AnalyticsError } from './errors';

/**
 * Checks of the analytics functions' arguments, at the edge: they come from API callers. Past
 * these, values are bound as prepared-statement parameters, never spliced into SQL.
 */

/** An instant: epoch milliseconds (UTC) or a Date. */
export type TimeInput = number | Date;

/** Up to 9999-12-31T23:59:59.999Z: what `toISOString` formats as YYYY-MM-DD. */
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function epochMs(value: TimeInput, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0 || ms > MAX_MS) {
    throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `${name}: expected epoch milliseconds (an integer ≥ 0) or a valid Date, got ${describe(value)}`);
  }
  return ms;
}

/** A half-open range [from, to) of epoch ms; `from < to`. */
export function timeRange(from: TimeInput, to: TimeInput): { fromMs: number; toMs: number } {
  const fromMs = epochMs(from, 'from');
  const toMs = epochMs(to, 'to');
  if (fromMs >= toMs) throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `from (${fromMs}) must be before to (${toMs})`);
  return { fromMs, toMs };
}

/** UTC calendar date of an instant, `YYYY-MM-DD`. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A UTC calendar day `YYYY-MM-DD` that exists (no 2024-02-30). */
export function calendarDay(value: unknown, name: string): string {
  const m = typeof value === 'string' ? DAY.exec(value) : null;
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = new Date(Date.UTC(y, mo - 1, d));
    if (y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d) return value as string;
  }
  throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `${name}: expected a calendar date YYYY-MM-DD, got ${describe(value)}`);
}

export function intInRange(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `${name}: expected an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `${name}: expected one of ${allowed.join(' | ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** A non-empty identifier (account id, symbol) of at most `maxLength` characters, no control characters. */
export function identifier(value: unknown, name: string, maxLength = 128): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new AnalyticsError('ANALYTICS_INVALID_ARGUMENT', `${name}: expected a non-empty string of at most ${maxLength} characters without control characters, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
