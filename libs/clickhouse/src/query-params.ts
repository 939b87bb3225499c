import { ClickHouseError } from './errors';
import type { QueryParam, QueryParams } from './clickhouse';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
/**
 * Dedup tokens travel as a setting, which chdb/connection splices into a `SET …` statement with
 * only `'` doubled (a backslash then escapes the closing quote: `a\'; DROP TABLE x; --` runs the
 * DROP). So tokens are limited to characters with no meaning inside a string literal.
 */
const DEDUP_TOKEN = /^[A-Za-z0-9_.:/=+@-]{1,256}$/;

/** DateTime64's range (1900-01-01 … 2299-12-31 23:59:59.999 UTC), in epoch ms. */
export const MIN_DATETIME64_MS = Date.UTC(1900, 0, 1);
export const MAX_DATETIME64_MS = Date.UTC(2300, 0, 1) - 1;

/**
 * Epoch ms → `'YYYY-MM-DD hh:mm:ss.sss'` (UTC), the text form every ClickHouse version parses
 * exactly for a `DateTime64(3, 'UTC')` column or parameter. Numbers are avoided on purpose: how a
 * JSON number is read for DateTime64 has changed between ClickHouse versions (seconds vs ticks).
 * Returns null for a value with no exact form (not an integer, or outside DateTime64's range).
 */
export function formatDateTime64(ms: number): string | null {
  if (!Number.isInteger(ms) || ms < MIN_DATETIME64_MS || ms > MAX_DATETIME64_MS) return null;
  const iso = new Date(ms).toISOString(); // 2024-01-02T14:30:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/**
 * Checks every parameter and turns it into the form both backends pass to the engine unchanged
 * (the HTTP client and chdb/connection format Dates and booleans differently).
 */
export function normalizeParams(params: QueryParams | undefined): Record<string, unknown> | undefined {
  if (params === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(params)) {
    if (!PARAM_NAME.test(name)) throw new ClickHouseError('CH_BAD_PARAM', `query parameter name ${JSON.stringify(name)}: expected letters, digits and _ (not starting with a digit)`);
    out[name] = normalizeValue(params[name], name);
  }
  return out;
}

function normalizeValue(value: QueryParam | undefined, name: string): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'bigint':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'number':
      if (!Number.isFinite(value)) throw new ClickHouseError('CH_BAD_PARAM', `query parameter ${name}: expected a finite number, got ${value}`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new ClickHouseError('CH_BAD_PARAM', `query parameter ${name}: ${value} is beyond ±2^53 and has lost precision; pass a bigint or a string`);
      }
      return value;
    case 'undefined':
      throw new ClickHouseError('CH_BAD_PARAM', `query parameter ${name} is undefined (use null for NULL)`);
  }
  if (value instanceof Date) {
    const text = formatDateTime64(value.getTime());
    if (text === null) throw new ClickHouseError('CH_BAD_PARAM', `query parameter ${name}: an invalid Date or one outside 1900–2299`);
    // Whole seconds without `.000`, so the same Date binds to DateTime as well as DateTime64;
    // a Date with milliseconds bound to a DateTime is refused by the engine rather than truncated.
    return text.endsWith('.000') ? text.slice(0, -4) : text;
  }
  if (Array.isArray(value)) return (value as readonly QueryParam[]).map((v, i) => normalizeValue(v, `${name}[${i}]`));
  throw new ClickHouseError('CH_BAD_PARAM', `query parameter ${name}: unsupported value of type ${Object.prototype.toString.call(value)}`);
}

/** `table` or `database.table`: the insert path is the one place a name goes into SQL text. */
export function checkTableName(table: string): string {
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new ClickHouseError('CH_BAD_PARAM', `table name ${JSON.stringify(table)}: expected [database.]table made of letters, digits and _`);
  }
  return table;
}

export function checkDedupToken(token: string): string {
  if (typeof token !== 'string' || !DEDUP_TOKEN.test(token)) {
    throw new ClickHouseError('CH_BAD_PARAM', `dedup token ${JSON.stringify(token)}: expected 1–256 letters, digits or _ . : / = + @ -`);
  }
  return token;
}
