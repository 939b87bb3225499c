import type { BookSnapshot, Quote, RawTrade } from '@tickflow/schemas';
import { reject, type Rejection } from './errors';
import { DEFAULT_VALIDATION, SYMBOL_PATTERN, type ValidationOptions } from './validation-rules';

/**
 * Business rules for decoded raw events (seed 003's rules translated to market data). Pure: the
 * processing time used for the far-future check is passed in. Returns null when the event is valid.
 * Status is only checked for presence: whether it is a *known* status is the router's decision,
 * so unknown ones reach `dlq.trades.unroutable` rather than the validation DLQ.
 */
export function validateTrade(t: RawTrade, nowMs: number, opts: ValidationOptions = DEFAULT_VALIDATION): Rejection | null {
  if (t.trade_id.length === 0) return reject('REQUIRED_FIELD_EMPTY', 'trade_id is empty');
  if (t.order_id.length === 0) return reject('REQUIRED_FIELD_EMPTY', 'order_id is empty');
  if (t.status.length === 0) return reject('REQUIRED_FIELD_EMPTY', 'status is empty');
  // One call per field rather than a loop over [name, value] pairs: this runs for every trade and
  // the pairs would be eight allocations each time.
  const tooLong =
    checkLength('trade_id', t.trade_id, opts.maxIdLength) ??
    checkLength('order_id', t.order_id, opts.maxIdLength) ??
    checkLength('status', t.status, opts.maxIdLength) ??
    checkLength('exchange', t.exchange, opts.maxIdLength) ??
    checkLength('trader_id', t.trader_id, opts.maxIdLength) ??
    checkLength('account_id', t.account_id, opts.maxIdLength) ??
    checkLength('event_type', t.event_type, opts.maxIdLength);
  if (tooLong) return tooLong;
  const symbolError = checkSymbol(t.symbol);
  if (symbolError) return symbolError;
  if (t.side !== 'BUY' && t.side !== 'SELL') return reject('SIDE_UNKNOWN', `side must be BUY or SELL, got ${JSON.stringify(String(t.side).slice(0, 32))}`);
  const priceError = checkPositive('price', t.price, opts.maxPrice, 'PRICE_NOT_POSITIVE', 'PRICE_ABSURD');
  if (priceError) return priceError;
  const qtyError = checkPositive('quantity', t.quantity, opts.maxQuantity, 'QUANTITY_NOT_POSITIVE', 'QUANTITY_ABSURD');
  if (qtyError) return qtyError;
  return checkTimestamp(t.timestamp_ms, nowMs, opts);
}

/** Quotes: positive bid/ask, non-negative sizes, not crossed (bid > ask); a locked quote (bid = ask) is accepted. */
export function validateQuote(q: Quote, nowMs: number, opts: ValidationOptions = DEFAULT_VALIDATION): Rejection | null {
  const symbolError = checkSymbol(q.symbol);
  if (symbolError) return symbolError;
  const bidError = checkPositive('bid', q.bid, opts.maxPrice, 'PRICE_NOT_POSITIVE', 'PRICE_ABSURD');
  if (bidError) return bidError;
  const askError = checkPositive('ask', q.ask, opts.maxPrice, 'PRICE_NOT_POSITIVE', 'PRICE_ABSURD');
  if (askError) return askError;
  if (q.last !== null) {
    const lastError = checkPositive('last', q.last, opts.maxPrice, 'PRICE_NOT_POSITIVE', 'PRICE_ABSURD');
    if (lastError) return lastError;
  }
  for (const [name, size] of [['bid_size', q.bid_size], ['ask_size', q.ask_size]] as const) {
    if (!Number.isFinite(size)) return reject('NOT_FINITE', `${name} must be a finite number`);
    if (size < 0) return reject('SIZE_NEGATIVE', `${name} must be ≥ 0, got ${size}`);
    if (size > opts.maxQuantity) return reject('QUANTITY_ABSURD', `${name} ${size} exceeds ${opts.maxQuantity}`);
  }
  if (q.bid > q.ask) return reject('QUOTE_CROSSED', `bid ${q.bid} is above ask ${q.ask}`);
  return checkTimestamp(q.timestamp_ms, nowMs, opts);
}

/**
 * Book snapshots: bids strictly descending, asks strictly ascending, positive prices, non-negative
 * quantities. A crossed book (best bid ≥ best ask) is accepted and flagged by the metrics instead:
 * it is a real market state worth reporting, not a malformed message.
 */
export function validateBook(b: BookSnapshot, nowMs: number, opts: ValidationOptions = DEFAULT_VALIDATION): Rejection | null {
  const symbolError = checkSymbol(b.symbol);
  if (symbolError) return symbolError;
  if (b.bids.length > opts.maxBookLevels || b.asks.length > opts.maxBookLevels) {
    return reject('BOOK_TOO_DEEP', `a book side has more than ${opts.maxBookLevels} levels`);
  }
  const bidsError = checkLevels('bids', b.bids, -1, opts);
  if (bidsError) return bidsError;
  const asksError = checkLevels('asks', b.asks, 1, opts);
  if (asksError) return asksError;
  return checkTimestamp(b.timestamp_ms, nowMs, opts);
}

function checkLevels(side: string, levels: BookSnapshot['bids'], direction: 1 | -1, opts: ValidationOptions): Rejection | null {
  let previous = Number.NaN;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    const priceError = checkPositive(`${side}[${i}].price`, level.price, opts.maxPrice, 'PRICE_NOT_POSITIVE', 'PRICE_ABSURD');
    if (priceError) return priceError;
    if (!Number.isFinite(level.quantity)) return reject('NOT_FINITE', `${side}[${i}].quantity must be a finite number`);
    if (level.quantity < 0) return reject('SIZE_NEGATIVE', `${side}[${i}].quantity must be ≥ 0, got ${level.quantity}`);
    if (i > 0 && (level.price - previous) * direction <= 0) {
      return reject('BOOK_LEVELS_UNORDERED', `${side} must be strictly ${direction < 0 ? 'descending' : 'ascending'} by price (level ${i})`);
    }
    previous = level.price;
  }
  return null;
}

function checkLength(name: string, value: string, max: number): Rejection | null {
  return value.length > max ? reject('FIELD_TOO_LONG', `${name} is ${value.length} characters long; at most ${max} are allowed`) : null;
}

function checkSymbol(symbol: string): Rejection | null {
  if (symbol.length === 0) return reject('REQUIRED_FIELD_EMPTY', 'symbol is empty');
  if (!SYMBOL_PATTERN.test(symbol)) {
    return reject('SYMBOL_FORMAT', `symbol ${JSON.stringify(symbol.slice(0, 40))} must be 1–32 uppercase letters, digits or . _ / -`);
  }
  return null;
}

function checkPositive(
  name: string,
  value: number,
  max: number,
  notPositive: 'PRICE_NOT_POSITIVE' | 'QUANTITY_NOT_POSITIVE',
  absurd: 'PRICE_ABSURD' | 'QUANTITY_ABSURD',
): Rejection | null {
  if (!Number.isFinite(value)) return reject('NOT_FINITE', `${name} must be a finite number`);
  if (value <= 0) return reject(notPositive, `${name} must be > 0, got ${value}`);
  if (value > max) return reject(absurd, `${name} ${value} exceeds the limit ${max}`);
  return null;
}

function checkTimestamp(tsMs: number, nowMs: number, opts: ValidationOptions): Rejection | null {
  if (!Number.isFinite(tsMs)) return reject('NOT_FINITE', 'timestamp_ms must be a finite number');
  if (tsMs < opts.minTimestampMs) return reject('TIMESTAMP_TOO_OLD', `timestamp_ms ${tsMs} is before ${new Date(opts.minTimestampMs).toISOString()}`);
  if (tsMs > nowMs + opts.maxFutureMs) {
    return reject('TIMESTAMP_IN_FUTURE', `timestamp_ms ${tsMs} is more than ${opts.maxFutureMs} ms ahead of processing time`);
  }
  return null;
}
