import { MAX_DATETIME64_MS, MIN_DATETIME64_MS } from '@tickflow/clickhouse';
import { ApiError } from '../errors';
import type { AlertKey, OrderBookKey, SymbolKey, TimeKey } from './history-rows';

/**
 * Opaque pagination cursors: base64url of `[1, <listing>, ...sort key]` (JSON). Clients pass
 * `next_cursor` back unchanged; anything else — garbage, an edited cursor, one from another
 * listing — is refused with `BAD_CURSOR` rather than silently restarting the listing. The key
 * values are bound as query parameters downstream like any other input, so even a forged cursor
 * that passes these checks can only move the page start.
 */
export interface CursorKeys {
  symbols: SymbolKey;
  bars: TimeKey;
  aggregates: TimeKey;
  signals: TimeKey;
  orderbook: OrderBookKey;
  alerts: AlertKey;
}
export type CursorListing = keyof CursorKeys;

const VERSION = 1;
/** Longer than any cursor we make (an alert id is ≤ ~100 characters); bounds the work on garbage. */
export const MAX_CURSOR_LENGTH = 512;

interface KeyCodec<K> {
  toValues(key: K): unknown[];
  /** The key, or null when the values do not have the listing's shape. */
  fromValues(values: unknown[]): K | null;
}

const isInstant = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= MIN_DATETIME64_MS && v <= MAX_DATETIME64_MS;
const isSafeInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

const time: KeyCodec<TimeKey> = {
  toValues: (k) => [k.timeMs],
  fromValues: ([t, ...rest]) => (rest.length === 0 && isInstant(t) ? { timeMs: t } : null),
};

const CODECS: { readonly [L in CursorListing]: KeyCodec<CursorKeys[L]> } = {
  symbols: {
    toValues: (k) => [k.symbol],
    fromValues: ([s, ...rest]) => (rest.length === 0 && isText(s) ? { symbol: s } : null),
  },
  bars: time,
  aggregates: time,
  signals: time,
  orderbook: {
    toValues: (k) => [k.timeMs, k.seq],
    fromValues: ([t, seq, ...rest]) => (rest.length === 0 && isInstant(t) && isSafeInt(seq) ? { timeMs: t, seq } : null),
  },
  alerts: {
    toValues: (k) => [k.timeMs, k.alertId],
    fromValues: ([t, id, ...rest]) => (rest.length === 0 && isInstant(t) && isText(id) ? { timeMs: t, alertId: id } : null),
  },
};

/** The cursor for "after `key`" in `listing`; null stays null (last page). */
export function encodeCursor<L extends CursorListing>(listing: L, key: CursorKeys[L] | null): string | null {
  if (key === null) return null;
  return Buffer.from(JSON.stringify([VERSION, listing, ...CODECS[listing].toValues(key)]), 'utf8').toString('base64url');
}

/** The key a cursor of `listing` holds; throws `ApiError('BAD_CURSOR')` with the reason otherwise. */
export function decodeCursor<L extends CursorListing>(listing: L, cursor: string): CursorKeys[L] {
  const values = parse(cursor);
  if (values === null || values[0] !== VERSION || typeof values[1] !== 'string') {
    throw new ApiError('BAD_CURSOR', 'cursor is not one this API issued: pass back next_cursor from the previous page unchanged');
  }
  if (values[1] !== listing) {
    throw new ApiError('BAD_CURSOR', `cursor belongs to another listing (${String(values[1]).slice(0, 20)}), not ${listing}: start this listing without a cursor`);
  }
  const key = CODECS[listing].fromValues(values.slice(2));
  if (key === null) throw new ApiError('BAD_CURSOR', `cursor for ${listing} has an invalid position: pass back next_cursor unchanged`);
  return key;
}

function parse(cursor: string): unknown[] | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
