import type { DlqErrorType } from './types';

/**
 * Stable codes of everything `decode` / `decodeRaw` / `encode` can reject, each with the DLQ
 * `error_type` a record failing that way is filed under. Apps map codes (never messages) to DLQ
 * topics, metrics and API errors.
 */
export const SCHEMA_ERROR_CODES = {
  // ── DESERIALIZATION_ERROR: the bytes cannot be read as any version of the event. ──
  /** Zero-length value (or a tombstone, or only whitespace). */
  EMPTY_PAYLOAD: 'DESERIALIZATION_ERROR',
  /** Not Avro single-object encoding (`C3 01`), nor (raw topics) a JSON object. */
  BAD_MAGIC: 'DESERIALIZATION_ERROR',
  /** The schema fingerprint in the header is not a known version of any event. */
  UNKNOWN_FINGERPRINT: 'DESERIALIZATION_ERROR',
  /** The fingerprint is a known schema, but of another event (a producer wrote to the wrong topic). */
  EVENT_TYPE_MISMATCH: 'DESERIALIZATION_ERROR',
  /** The payload ends before the header or the body does. */
  TRUNCATED: 'DESERIALIZATION_ERROR',
  /** Bytes left over after a complete body. */
  TRAILING_BYTES: 'DESERIALIZATION_ERROR',
  /** The body is not a valid Avro encoding (bad union/enum index, boolean byte, varint, int range). */
  MALFORMED_BODY: 'DESERIALIZATION_ERROR',
  /** Not valid UTF-8 or not valid JSON. */
  INVALID_JSON: 'DESERIALIZATION_ERROR',

  // ── SCHEMA_VIOLATION: readable, but a field does not fit the event's schema. ──
  /** A required field is absent (JSON) or `undefined` (encode). */
  MISSING_FIELD: 'SCHEMA_VIOLATION',
  /** A field has the wrong JSON type: `"123"` for a number, `1.5` for a long, `null` for a non-null field… */
  WRONG_TYPE: 'SCHEMA_VIOLATION',
  /** A string that is not one of the enum's symbols (e.g. `side: "buy"`). */
  INVALID_ENUM: 'SCHEMA_VIOLATION',
  /** NaN or ±Infinity where a number is expected (JSON `1e999`, or a non-finite Avro double). */
  NOT_FINITE: 'SCHEMA_VIOLATION',
  /** An integer outside ±(2^53 − 1): it cannot be held by a JS number without losing precision. */
  LONG_OUT_OF_RANGE: 'SCHEMA_VIOLATION',
} as const satisfies Record<string, DlqErrorType>;

export type SchemaErrorCode = keyof typeof SCHEMA_ERROR_CODES;
/** The DLQ error types a `SchemaError` can carry. */
export type SchemaErrorType = (typeof SCHEMA_ERROR_CODES)[SchemaErrorCode];

/** Every code, for `it.each`, dashboards and exhaustive mappings. */
export const SCHEMA_ERROR_CODE_LIST = Object.keys(SCHEMA_ERROR_CODES) as SchemaErrorCode[];

export interface SchemaErrorOptions {
  /** Event the payload was decoded (or encoded) as. */
  eventName?: string;
  /** Path of the offending field, e.g. `price` or `bids[3].quantity`. */
  path?: string;
  /** `trade_id` (else `symbol`) when it could be read from the rejected payload, for the DLQ's `attempted_id`. */
  attemptedId?: string;
}

/**
 * Why a payload was rejected. Returned (never thrown) by `decode` / `decodeRaw`; thrown by `encode`.
 * `message` is for humans and names the field; `code` is the stable contract.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  readonly code: SchemaErrorCode;
  /** DLQ `error_type`: `DESERIALIZATION_ERROR` or `SCHEMA_VIOLATION`. */
  readonly errorType: SchemaErrorType;
  readonly eventName: string | undefined;
  readonly path: string | undefined;
  readonly attemptedId: string | undefined;

  constructor(code: SchemaErrorCode, message: string, options: SchemaErrorOptions = {}) {
    super(message);
    this.code = code;
    this.errorType = SCHEMA_ERROR_CODES[code];
    this.eventName = options.eventName;
    this.path = options.path;
    this.attemptedId = options.attemptedId;
  }
}

export function isSchemaError(err: unknown): err is SchemaError {
  return err instanceof SchemaError;
}
