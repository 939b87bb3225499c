import { MAX_DATETIME64_MS, MIN_DATETIME64_MS } from '@tickflow/clickhouse';
import { ApiError } from '../errors';

/**
 * Meanings of query values the schema can only check as strings. Each function returns the
 * typed value or throws `ApiError('VALIDATION_FAILED')` naming the parameter, what it expects and
 * what it got.
 */

const EPOCH_MS = /^-?\d{1,16}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;
const EXPECTED = 'ISO-8601 with an offset (2024-08-08T09:30:00Z), a UTC day (2024-08-08) or epoch milliseconds (1723109400000)';

/**
 * An instant as epoch ms from ISO-8601 with an explicit offset (fractions beyond milliseconds are
 * truncated), a UTC calendar day (its midnight) or epoch ms; within 1900–2299, the range stored
 * timestamps can have. A time without an offset is refused: its zone would be a guess.
 */
export function parseInstant(text: string, param: string): number {
  let ms: number | null;
  if (EPOCH_MS.test(text)) ms = Number(text);
  else {
    const day = DAY.exec(text);
    const iso = day ? null : ISO.exec(text);
    const m = day ?? iso;
    ms = m ? fromParts(m, iso !== null) : null;
  }
  if (ms === null) throw invalid(param, `expected ${EXPECTED}, got ${quote(text)}`);
  if (!Number.isSafeInteger(ms) || ms < MIN_DATETIME64_MS || ms > MAX_DATETIME64_MS) throw invalid(param, `${quote(text)} is outside 1900-01-01 … 2299-12-31 (UTC)`);
  return ms;
}

/**
 * Calendar fields checked one by one: `Date.UTC` would roll 2024-02-30 over to March 1st (and read
 * years 0–99 as 1900–1999, hence `utc`).
 */
function fromParts(m: RegExpExecArray, withTime: boolean): number | null {
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(utc(y, mo, 0)).getUTCDate()) return null;
  if (!withTime) return utc(y, mo - 1, d);
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return null;
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = m[8]!.toUpperCase();
  let offsetMin = 0;
  if (zone !== 'Z') {
    const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (oh > 23 || om > 59) return null;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return utc(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

function utc(year: number, monthIndex: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

/** `[from, to)` from optional `from` / `to` parameters; `from` after `to` is refused. */
export function parseRange(query: { from?: string; to?: string }): { fromMs?: number; toMs?: number } {
  const fromMs = query.from === undefined ? undefined : parseInstant(query.from, 'from');
  const toMs = query.to === undefined ? undefined : parseInstant(query.to, 'to');
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    throw invalid('from', `from (${new Date(fromMs).toISOString()}) is after to (${new Date(toMs).toISOString()})`);
  }
  return { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
}

/** ISO-8601 UTC with milliseconds, as every instant in a response. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

function invalid(param: string, message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', `invalid querystring: ${param}: ${message}`, { errors: [{ location: `querystring/${param}`, message }] });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
