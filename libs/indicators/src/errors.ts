/**
 * Stable error codes of `@tickflow/indicators`. Every error this library throws is an
 * {@link IndicatorRangeError} — a `RangeError` subclass, so `instanceof RangeError` holds — carrying
 * one of these codes, so callers can map them without parsing messages.
 */
export const IndicatorErrorCode = {
  /** A constructor option is out of range (period not a positive integer, fast ≥ slow, …). */
  INVALID_OPTION: 'INDICATOR_INVALID_OPTION',
  /** An `update` argument breaks the contract (non-positive close, negative volume, time going back). */
  INVALID_INPUT: 'INDICATOR_INVALID_INPUT',
  /** `fromState` was given a snapshot that is not a valid state of that indicator. */
  INVALID_STATE: 'INDICATOR_INVALID_STATE',
} as const;

export type IndicatorErrorCode = (typeof IndicatorErrorCode)[keyof typeof IndicatorErrorCode];

export class IndicatorRangeError extends RangeError {
  readonly code: IndicatorErrorCode;

  constructor(code: IndicatorErrorCode, message: string) {
    super(message);
    this.name = 'IndicatorRangeError';
    this.code = code;
  }
}
