import { GraphQLError, GraphQLScalarType, Kind } from './graphql-js';
import { MAX_DATETIME64_MS, MIN_DATETIME64_MS } from '@tickflow/clickhouse';

/** `2024-01-02T14:30:00Z`, `2024-01-02T14:30:00.123Z`, `2024-01-02T15:30:00+01:00`; a zone is required. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `DateTime`: an instant as an ISO-8601 string. Output is always UTC with milliseconds
 * (`2024-01-02T14:30:00.123Z`, from epoch-ms numbers inside the API); input must carry a zone
 * (`Z` or `±hh:mm`) so nothing depends on the server's local time, and must lie within
 * 1900–2299 (ClickHouse's DateTime64 range). Digits below the millisecond are dropped.
 */
export const DateTimeScalar = new GraphQLScalarType<number, string>({
  name: 'DateTime',
  description: "An instant as an ISO-8601 string. Output: UTC with milliseconds (2024-01-02T14:30:00.123Z). Input: with a zone ('Z' or ±hh:mm).",
  serialize(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new GraphQLError(`DateTime cannot represent ${String(value)}: expected epoch milliseconds`);
    return new Date(value).toISOString();
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new GraphQLError(`DateTime must be an ISO-8601 string such as 2024-01-02T14:30:00Z, got ${JSON.stringify(value)}`);
    return parseIsoInstant(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string such as "2024-01-02T14:30:00Z"', { nodes: [ast] });
    return parseIsoInstant(ast.value);
  },
});

/** Epoch ms of an ISO-8601 instant with a zone; throws a GraphQLError saying what is wrong. */
export function parseIsoInstant(text: string): number {
  const m = ISO_8601.exec(text);
  if (!m) throw new GraphQLError(`DateTime ${JSON.stringify(text.slice(0, 64))} is not an ISO-8601 instant with a zone, e.g. 2024-01-02T14:30:00Z or 2024-01-02T15:30:00+01:00`);
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2024-02-30 over to March: a calendar check catches impossible dates and times.
  const back = new Date(utc);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new GraphQLError(`DateTime ${JSON.stringify(text)} is not a valid date and time`);
  }
  let offsetMs = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const [oh, om] = zone!.slice(1).split(':').map(Number) as [number, number];
    if (oh > 23 || om > 59) throw new GraphQLError(`DateTime ${JSON.stringify(text)} has an invalid zone offset`);
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  const epochMs = utc - offsetMs;
  if (epochMs < MIN_DATETIME64_MS || epochMs > MAX_DATETIME64_MS) throw new GraphQLError(`DateTime ${JSON.stringify(text)} is outside 1900–2299`);
  return epochMs;
}
