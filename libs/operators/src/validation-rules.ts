/** Limits the validators apply; every field is in the unit its name says. */
export interface ValidationOptions {
  /** Largest accepted price. @defaultValue 1e9 */
  maxPrice: number;
  /** Largest accepted quantity. @defaultValue 1e12 */
  maxQuantity: number;
  /** Longest accepted id / exchange / status string. @defaultValue 64 */
  maxIdLength: number;
  /** Earliest accepted event time (2000-01-01 UTC). @defaultValue 946_684_800_000 */
  minTimestampMs: number;
  /** How far ahead of processing time an event time may be. @defaultValue 86_400_000 (1 day) */
  maxFutureMs: number;
  /** Most levels per book side. @defaultValue 1000 */
  maxBookLevels: number;
}

export const DEFAULT_VALIDATION: Readonly<ValidationOptions> = Object.freeze({
  maxPrice: 1e9,
  maxQuantity: 1e12,
  maxIdLength: 64,
  minTimestampMs: 946_684_800_000,
  maxFutureMs: 86_400_000,
  maxBookLevels: 1000,
});

/** Symbols in the wild: AAPL, BRK.B, BTC-USD, BTCUSD_PERP, BTC/USD, BTCUSDT.P — uppercase, ≤ 32 chars. */
export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9._/-]{0,31}$/;
