/**
 * avsc types with the strictness the wire contract needs. avsc 5.x, as shipped:
 * - decodes NaN/±Infinity doubles, which the TS types (and JSON, ClickHouse) cannot carry;
 * - decodes an int varint wider than 32 bits as a larger number, and a boolean byte 2..255 as true;
 * - reads and writes negative longs below −2^52 inexactly (its zigzag goes through a double);
 * - allocates `new Array(n)` and loops n times for an array block count n read from the payload, so
 *   ten garbage bytes can claim 2^32 items and hang the process.
 * The subclasses below fix those, and reject non-finite numbers on encode and validation too.
 * Strings get a faster reader for short ASCII values (same results as avsc's).
 *
 * They override avsc's internal `_read` / `_write` / `_check` methods and use its `Tap`
 * (`buf`, `pos`): internals of avsc 5.x, pinned by the tests next to this file. Only the types
 * tickflow's schemas use are allowed; anything else fails at schema load rather than silently
 * going unchecked.
 */
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import type { SchemaErrorCode } from './errors';

/** avsc's internal cursor over a buffer. Reads past the end do not throw: they leave `pos > buf.length`. */
interface Tap {
  /** `utf8Slice`: Node's undocumented but long-standing Buffer method behind `toString('utf8')`, which avsc uses too. */
  buf: Buffer & { utf8Slice(start: number, end: number): string };
  pos: number;
  readDouble(): number;
  writeDouble(value: number): void;
  readInt(): number;
  readLong(): number;
  skipLong(): void;
  writeBytes(value: Buffer): void;
}

type ErrorHook = (value: unknown, type: Type) => void;

/** Thrown by the strict readers; the codec turns it into a `SchemaError` with the same code. */
export class BodyReadError extends Error {
  constructor(
    readonly code: Extract<SchemaErrorCode, 'MALFORMED_BODY' | 'NOT_FINITE' | 'LONG_OUT_OF_RANGE'>,
    message: string,
  ) {
    super(message);
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

class FiniteDoubleType extends avro.types.DoubleType {
  _read(tap: Tap): number {
    const value = tap.readDouble();
    if (value - value !== 0) throw new BodyReadError('NOT_FINITE', `non-finite double ${value}`);
    return value;
  }

  _check(value: unknown, _flags: number, hook?: ErrorHook): boolean {
    const ok = typeof value === 'number' && value - value === 0;
    if (!ok && hook) hook(value, this);
    return ok;
  }

  _write(tap: Tap, value: unknown): void {
    if (typeof value !== 'number' || value - value !== 0) throw new Error(`not a finite double: ${String(value)}`);
    tap.writeDouble(value);
  }
}

/**
 * Longs as JS numbers, exact over the whole safe-integer range; anything wider is an error, never a
 * rounded value.
 */
class SafeLongType extends avro.types.LongType {
  _read(tap: Tap): number {
    const buf = tap.buf;
    let pos = tap.pos;
    // Zigzag varint: bit 0 of the first byte is the sign, the remaining 63 bits the magnitude.
    // Past the end `buf[pos]` is undefined → 0: the tap is left invalid and the codec reports TRUNCATED.
    let byte = buf[pos++] ?? 0;
    const negative = byte & 1;
    let magnitude = (byte & 0x7f) >>> 1;
    let scale = 64;
    let length = 1;
    while (byte & 0x80) {
      if (length === 10) {
        tap.pos = pos;
        throw new BodyReadError('MALFORMED_BODY', 'long varint longer than 10 bytes');
      }
      byte = buf[pos++] ?? 0;
      magnitude += (byte & 0x7f) * scale;
      scale *= 128;
      length++;
    }
    tap.pos = pos;
    // Every partial sum is an integer below the total, so the sum is exact while it is ≤ 2^53.
    if (magnitude > (negative ? MAX_SAFE - 1 : MAX_SAFE)) {
      throw new BodyReadError('LONG_OUT_OF_RANGE', 'long outside ±(2^53 − 1)');
    }
    return negative ? -magnitude - 1 : magnitude;
  }

  _check(value: unknown, _flags: number, hook?: ErrorHook): boolean {
    const ok = Number.isSafeInteger(value);
    if (!ok && hook) hook(value, this);
    return ok;
  }

  _write(tap: Tap, value: unknown): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${String(value)}`);
    // Zigzag without doubling the value (2·|v| may exceed 2^53): the sign goes to bit 0 of the first byte.
    const negative = value < 0;
    let magnitude = negative ? -value - 1 : value;
    const buf = tap.buf;
    let pos = tap.pos;
    let byte = ((magnitude % 64) << 1) | (negative ? 1 : 0);
    magnitude = Math.floor(magnitude / 64);
    while (magnitude > 0) {
      buf[pos++] = byte | 0x80; // Writes past the end are dropped; the codec retries with a larger buffer.
      byte = magnitude % 128;
      magnitude = Math.floor(magnitude / 128);
    }
    buf[pos++] = byte;
    tap.pos = pos;
  }
}

class StrictIntType extends avro.types.IntType {
  _read(tap: Tap): number {
    const value = tap.readInt();
    if ((value | 0) !== value) throw new BodyReadError('MALFORMED_BODY', `int varint out of 32-bit range: ${value}`);
    return value;
  }
}

class StrictBooleanType extends avro.types.BooleanType {
  _read(tap: Tap): boolean {
    const byte = tap.buf[tap.pos++];
    if (byte === 1) return true;
    if (byte === 0 || byte === undefined) return false; // undefined: past the end → TRUNCATED
    throw new BodyReadError('MALFORMED_BODY', `boolean byte ${byte} (expected 0 or 1)`);
  }
}

const SHORT_STRING_BYTES = 24;

/**
 * Strings with a fast path for short ASCII ones (ids, symbols, statuses): most of a trade's decode
 * time is spent crossing into C++ to decode UTF-8; a short JS loop is cheaper. Anything else goes
 * to `utf8Slice` as in avsc.
 */
class FastStringType extends avro.types.StringType {
  _read(tap: Tap): string | undefined {
    const length = tap.readLong();
    const buf = tap.buf;
    const start = tap.pos;
    if (length < 0) {
      tap.pos = buf.length + 1;
      return '';
    }
    const end = start + length;
    tap.pos = end;
    if (end > buf.length) return undefined; // TRUNCATED
    if (length <= SHORT_STRING_BYTES) {
      let text = '';
      for (let i = start; i < end; i++) {
        const byte = buf[i] as number;
        if (byte >= 0x80) return buf.utf8Slice(start, end);
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return buf.utf8Slice(start, end);
  }
}

/** `bytes` that accepts any Uint8Array (the TS contract), not only a Buffer. */
class Uint8ArrayBytesType extends avro.types.BytesType {
  _check(value: unknown, _flags: number, hook?: ErrorHook): boolean {
    const ok = value instanceof Uint8Array;
    if (!ok && hook) hook(value, this);
    return ok;
  }

  _write(tap: Tap, value: unknown): void {
    if (!(value instanceof Uint8Array)) throw new Error('not a Uint8Array');
    tap.writeBytes(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
}

interface ItemsTyped {
  readonly itemsType: Type & { _read(tap: Tap): unknown };
}

/**
 * Arrays whose block counts are checked against the bytes left: every item of our schemas takes at
 * least one byte, so a count larger than the remainder is a truncated or corrupt payload.
 */
class BoundedArrayType extends avro.types.ArrayType {
  constructor(schema: Schema, opts: unknown) {
    super(schema, opts);
    if (minEncodedSize(this.itemsType) === 0) {
      throw new Error(`array items must take at least one byte each: ${JSON.stringify(this.itemsType.schema())}`);
    }
  }

  // Also used as the resolver's `_read` (avsc's ArrayType#_update copies `this._read`), where `this`
  // is the resolver and `itemsType` the items' resolver.
  _read(this: ItemsTyped, tap: Tap): unknown[] {
    const items = this.itemsType;
    const values: unknown[] = [];
    let count: number;
    while ((count = tap.readLong()) !== 0) {
      if (count < 0) {
        count = -count;
        tap.skipLong(); // block size in bytes
      }
      if (!(count <= tap.buf.length - tap.pos)) {
        tap.pos = tap.buf.length + 1; // mark the tap invalid: TRUNCATED
        return values;
      }
      while (count-- > 0) values.push(items._read(tap));
    }
    return values;
  }
}

function minEncodedSize(type: Type): number {
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'double':
      return 8;
    case 'record':
    case 'error':
      return (type as avro.types.RecordType).fields.reduce((sum, field) => sum + minEncodedSize(field.type), 0);
    default:
      return 1; // boolean, int, long, string, bytes, enum, array, union index
  }
}

const DOUBLE = new FiniteDoubleType();
const LONG = new SafeLongType();
const INT = new StrictIntType();
const BOOLEAN = new StrictBooleanType();
const BYTES = new Uint8ArrayBytesType();
const STRING = new FastStringType();

const UNSUPPORTED = new Set(['float', 'map', 'fixed']);

function strictTypeHook(schema: Schema, opts: unknown): Type | undefined {
  const typeName =
    typeof schema === 'string'
      ? schema
      : schema !== null && typeof schema === 'object' && !Array.isArray(schema) && typeof (schema as { type?: unknown }).type === 'string'
        ? ((schema as { type: string }).type)
        : undefined;
  switch (typeName) {
    case 'double':
      return DOUBLE;
    case 'long':
      return LONG;
    case 'int':
      return INT;
    case 'boolean':
      return BOOLEAN;
    case 'bytes':
      return BYTES;
    case 'string':
      return STRING;
    case 'array':
      return new BoundedArrayType(schema, opts);
    default:
      if (typeName !== undefined && UNSUPPORTED.has(typeName)) {
        throw new Error(`Avro type "${typeName}" is not supported by tickflow's strict codec (see create-strict-type.ts)`);
      }
      return undefined; // null, string, enum, record, unions and named references: avsc's own
  }
}

/**
 * Parses an Avro schema (JSON value) into an avsc type with strict readers and writers. Records
 * decode to instances of a per-record class without methods (`omitRecordMethods`), unions are
 * unwrapped (`["null", "double"]` decodes to `null | number`).
 */
export function createStrictType(schema: unknown): Type {
  return avro.Type.forSchema(schema as Schema, {
    typeHook: strictTypeHook,
    omitRecordMethods: true,
    wrapUnions: 'never',
  });
}
