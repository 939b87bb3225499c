import { isUtf8 } from 'node:buffer';
import type { Type, types } from 'avsc';
import { BodyReadError } from './create-strict-type';
import { SchemaError } from './errors';
import type { SchemaErrorCode } from './errors';
import type { EventName, EventTypeMap, RawEventName } from './event-names';
import {
  SINGLE_OBJECT_HEADER_BYTES as HEADER_BYTES,
  SINGLE_OBJECT_MAGIC_0 as MAGIC_0,
  SINGLE_OBJECT_MAGIC_1 as MAGIC_1,
  registry as defaultRegistry,
} from './registry';
import type { SchemaRegistry, SchemaVersion } from './registry';

export interface DecodeSuccess<T> {
  readonly ok: true;
  readonly value: T;
  /** Schema version the payload was written with (Avro only; absent for JSON). */
  readonly writerVersion?: number;
}

export interface DecodeFailure {
  readonly ok: false;
  readonly error: SchemaError;
}

export type DecodeResult<T> = DecodeSuccess<T> | DecodeFailure;

type JsonDefault = (raw: Readonly<Record<string, unknown>>) => unknown;

/**
 * What outside JSON producers may leave out of a raw event, and what it becomes. Derived values
 * read fields that have already been validated. Nullable fields (Quote `last`) default to null
 * through their Avro default.
 */
const ENVELOPE_JSON_DEFAULTS = {
  event_ts: (raw) => raw.timestamp_ms,
  ingest_ts: () => 0,
  seq: () => 0,
  source: () => 'json',
  version: () => 1,
} as const satisfies Record<string, JsonDefault>;

const JSON_DEFAULTS: { readonly [N in RawEventName]: Readonly<Partial<Record<keyof EventTypeMap[N], JsonDefault>>> } = {
  RawTrade: { ...ENVELOPE_JSON_DEFAULTS, correlation_id: (raw) => raw.trade_id, exchange: () => '' },
  Quote: { ...ENVELOPE_JSON_DEFAULTS, correlation_id: (raw) => `${String(raw.symbol)}:${String(raw.timestamp_ms)}`, exchange: () => '' },
  BookSnapshot: { ...ENVELOPE_JSON_DEFAULTS, correlation_id: (raw) => `${String(raw.symbol)}:${String(raw.timestamp_ms)}`, exchange: () => '' },
};

/** Encode buffers up to this size are kept for the next call; larger ones are dropped after use. */
const MAX_KEPT_SCRATCH_BYTES = 1 << 20;

/**
 * Avro single-object encoding of tickflow's events: `C3 01`, the writer schema's CRC-64-AVRO
 * fingerprint (8 bytes, little-endian), then the Avro binary body. Decoding resolves any writer
 * version the registry knows against the event's reader schema. Decoding never throws on bad
 * bytes: it returns `{ ok: false, error }` with a stable code.
 */
export class Codec {
  private scratch = Buffer.allocUnsafe(4096);
  private readonly jsonPlans = new Map<EventName, JsonPlan>();

  constructor(readonly registry: SchemaRegistry = defaultRegistry) {}

  /**
   * Single-object encoding of `value` with the event's current schema. One allocation: the
   * returned buffer (which may share its ArrayBuffer with Node's buffer pool).
   * @throws SchemaError (SCHEMA_VIOLATION codes) if `value` does not fit the schema.
   */
  encode<N extends EventName>(eventName: N, value: EventTypeMap[N]): Buffer {
    const writer = this.registry.reader(eventName);
    let scratch = this.scratch;
    let end: number;
    try {
      end = writer.type.encode(value, scratch, HEADER_BYTES);
    } catch (err) {
      throw encodeError(eventName, writer.type, value, err);
    }
    if (end < 0) {
      // `end` is minus the number of bytes that did not fit.
      scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, scratch.length - end));
      end = writer.type.encode(value, scratch, HEADER_BYTES);
      if (scratch.length <= MAX_KEPT_SCRATCH_BYTES) this.scratch = scratch;
    }
    const out = Buffer.allocUnsafe(end);
    writer.header.copy(out, 0);
    scratch.copy(out, HEADER_BYTES, HEADER_BYTES, end);
    return out;
  }

  /**
   * Decodes an Avro single-object payload as `eventName`.
   * @throws TypeError only for an event name the registry does not hold (a programming error).
   */
  decode<N extends EventName>(eventName: N, bytes: Uint8Array | null | undefined): DecodeResult<EventTypeMap[N]> {
    const reader = this.registry.reader(eventName);
    if (bytes == null || bytes.length === 0) return failure('EMPTY_PAYLOAD', `${eventName}: empty payload`, eventName);
    if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) return headerFailure(eventName, bytes);
    // The fingerprint as two int32 halves: no BigInt, no allocation.
    const low = (bytes[2] as number) | ((bytes[3] as number) << 8) | ((bytes[4] as number) << 16) | ((bytes[5] as number) << 24);
    const high = (bytes[6] as number) | ((bytes[7] as number) << 8) | ((bytes[8] as number) << 16) | ((bytes[9] as number) << 24);
    let writer = reader;
    if (low !== reader.fingerprintLow || high !== reader.fingerprintHigh) {
      const known = this.registry.lookup(low, high);
      if (known === undefined || known.eventName !== eventName) return fingerprintFailure(eventName, bytes, known);
      writer = known;
    }
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = reader.type.decode(buf, HEADER_BYTES, writer.resolver);
    } catch (err) {
      return bodyFailure(eventName, writer, buf, err);
    }
    if (decoded.offset !== buf.length) {
      return decoded.offset < 0
        ? failure('TRUNCATED', `${eventName}: payload ends inside the body (${buf.length} bytes)`, eventName)
        : failure('TRAILING_BYTES', `${eventName}: ${buf.length - decoded.offset} bytes after the end of the body`, eventName);
    }
    return { ok: true, value: decoded.value as EventTypeMap[N], writerVersion: writer.version };
  }

  /**
   * Decodes a raw-topic payload, detected by its first byte: `C3` → Avro single-object (as
   * `decode`); `{` after optional UTF-8 BOM and whitespace → a JSON object from an outside
   * producer, checked field by field against the Avro schema, with missing envelope fields (and
   * `exchange`, Quote `last`) defaulted. Numbers given as strings are WRONG_TYPE; unknown JSON
   * fields are ignored.
   */
  decodeRaw<N extends RawEventName>(eventName: N, bytes: Uint8Array | null | undefined): DecodeResult<EventTypeMap[N]> {
    if (bytes == null || bytes.length === 0 || bytes[0] === MAGIC_0) return this.decode(eventName, bytes);
    this.registry.reader(eventName); // unknown event → TypeError, as in decode
    let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    while (start < bytes.length && isJsonWhitespace(bytes[start] as number)) start++;
    if (start === bytes.length) {
      return failure('EMPTY_PAYLOAD', `${eventName}: payload is only whitespace`, eventName);
    }
    if (bytes[start] !== 0x7b) {
      return failure(
        'BAD_MAGIC',
        `${eventName}: neither Avro single-object encoding (C3 01) nor a JSON object (first byte 0x${hexByte(bytes[start] as number)})`,
        eventName,
      );
    }
    const json = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isUtf8(json)) return failure('INVALID_JSON', `${eventName}: payload is not valid UTF-8`, eventName);
    const text = json.toString('utf8', start);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return failure('INVALID_JSON', `${eventName}: ${clip((err as Error).message, 200)}`, eventName);
    }
    return this.fromJson(eventName, parsed as Record<string, unknown>);
  }

  /** Validates a parsed JSON object (first char `{`, so an object) and builds the event. */
  private fromJson<N extends RawEventName>(eventName: N, raw: Record<string, unknown>): DecodeResult<EventTypeMap[N]> {
    let plan = this.jsonPlans.get(eventName);
    if (plan === undefined) {
      plan = jsonPlan(this.registry.reader(eventName).type as types.RecordType, JSON_DEFAULTS[eventName]);
      this.jsonPlans.set(eventName, plan);
    }
    const fields = plan.fields;
    const values: unknown[] = new Array(fields.length);
    let missing = false;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as JsonField;
      // JSON.parse only creates own properties, and no field is named like an Object.prototype member.
      const value = raw[field.name];
      if (value === undefined) {
        if (!field.hasDefault) {
          return failure('MISSING_FIELD', `${eventName}.${field.name}: missing`, eventName, field.name, attemptedIdOf(raw));
        }
        missing = true;
      } else if (!field.type.isValid(value)) {
        return { ok: false, error: violation(eventName, field.field, value, attemptedIdOf(raw)) };
      } else {
        values[i] = field.plain ? value : fromValidJson(field.type, value);
      }
    }
    if (missing) {
      // After validation: derived defaults read fields that are known to be valid.
      for (let i = 0; i < fields.length; i++) {
        if (values[i] !== undefined) continue;
        const field = fields[i] as JsonField;
        values[i] = field.makeDefault !== undefined ? field.makeDefault(raw) : field.field.defaultValue();
      }
    }
    return { ok: true, value: construct(plan.type, values) as EventTypeMap[N] };
  }
}

interface JsonField {
  readonly name: string;
  readonly field: types.Field;
  readonly type: Type;
  /** Absent from JSON → `makeDefault(raw)`, else the Avro default. */
  readonly hasDefault: boolean;
  readonly makeDefault: JsonDefault | undefined;
  /** A primitive (or enum): the JSON value is the decoded value. */
  readonly plain: boolean;
}

interface JsonPlan {
  readonly type: types.RecordType;
  readonly fields: readonly JsonField[];
}

function jsonPlan(type: types.RecordType, defaults: Readonly<Record<string, JsonDefault | undefined>> | undefined): JsonPlan {
  const fields = type.fields.map((field): JsonField => {
    if (field.name in Object.prototype) throw new Error(`field name ${field.name} shadows Object.prototype`);
    const makeDefault = defaults?.[field.name];
    return {
      name: field.name,
      field,
      type: field.type,
      hasDefault: makeDefault !== undefined || field.defaultValue() !== undefined,
      makeDefault,
      plain: !['record', 'array', 'union:unwrapped', 'union:wrapped'].includes(field.type.typeName),
    };
  });
  return { type, fields };
}

/**
 * Builds the value the Avro path would have produced from JSON already validated against `type`:
 * records become instances of the record class, unknown JSON fields are dropped.
 */
function fromValidJson(type: Type, value: unknown): unknown {
  switch (type.typeName) {
    case 'record': {
      const record = type as types.RecordType;
      const source = value as Record<string, unknown>;
      return construct(record, record.fields.map((f) => fromValidJson(f.type, source[f.name] ?? f.defaultValue())));
    }
    case 'array': {
      const items = (type as types.ArrayType).itemsType;
      return (value as unknown[]).map((item) => fromValidJson(items, item));
    }
    case 'union:unwrapped': {
      if (value === null) return null;
      const branch = (type as types.UnwrappedUnionType).types.find((t) => t.typeName !== 'null' && t.isValid(value));
      return branch ? fromValidJson(branch, value) : value;
    }
    default:
      return value;
  }
}

type RecordConstructor = new (...values: unknown[]) => unknown;

function construct(type: types.RecordType, values: unknown[]): unknown {
  return new (type.recordConstructor as RecordConstructor)(...values);
}

function failure(
  code: SchemaErrorCode,
  message: string,
  eventName: string,
  path?: string,
  attemptedId?: string,
): DecodeFailure {
  return { ok: false, error: new SchemaError(code, message, { eventName, path, attemptedId }) };
}

function headerFailure(eventName: string, bytes: Uint8Array): DecodeFailure {
  const b0 = bytes[0] as number;
  if (b0 !== MAGIC_0) {
    return failure('BAD_MAGIC', `${eventName}: not Avro single-object encoding (expected C3 01, first byte 0x${hexByte(b0)})`, eventName);
  }
  if (bytes.length >= 2 && bytes[1] !== MAGIC_1) {
    return failure('BAD_MAGIC', `${eventName}: not Avro single-object encoding (expected C3 01, got C3 ${hexByte(bytes[1] as number)})`, eventName);
  }
  return failure('TRUNCATED', `${eventName}: payload ends inside the ${HEADER_BYTES}-byte header (${bytes.length} bytes)`, eventName);
}

function fingerprintFailure(eventName: string, bytes: Uint8Array, known: SchemaVersion | undefined): DecodeFailure {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset + 2, 8).readBigUInt64LE(0).toString(16).padStart(16, '0');
  if (known === undefined) {
    return failure('UNKNOWN_FINGERPRINT', `${eventName}: unknown schema fingerprint ${hex} (not a known version of any event)`, eventName);
  }
  return failure(
    'EVENT_TYPE_MISMATCH',
    `${eventName}: payload was written as ${known.eventName} v${known.version} (fingerprint ${hex})`,
    eventName,
  );
}

/**
 * The compiled reader threw. Re-reads the body field by field with the writer schema to name the
 * field; reaching the end of the buffer first means the payload is truncated.
 */
function bodyFailure(eventName: string, writer: SchemaVersion, buf: Buffer, err: unknown): DecodeFailure {
  let pos = HEADER_BYTES;
  for (const field of (writer.type as types.RecordType).fields) {
    let step: { offset: number };
    try {
      step = field.type.decode(buf, pos);
    } catch (fieldErr) {
      return failure(readErrorCode(fieldErr), `${eventName}.${field.name}: ${errorMessage(fieldErr)}`, eventName, field.name);
    }
    if (step.offset < 0) {
      return failure('TRUNCATED', `${eventName}: payload ends inside field ${field.name}`, eventName, field.name);
    }
    pos = step.offset;
  }
  // Every field reads with the writer schema alone: the failure is in resolving to the reader.
  return failure(readErrorCode(err), `${eventName}: ${errorMessage(err)}`, eventName);
}

function readErrorCode(err: unknown): SchemaErrorCode {
  return err instanceof BodyReadError ? err.code : 'MALFORMED_BODY';
}

function errorMessage(err: unknown): string {
  return clip(err instanceof Error ? err.message : String(err), 200);
}

/** Finds the first offending value below `field` and names its path. */
function violation(eventName: string, field: types.Field, value: unknown, attemptedId: string | undefined): SchemaError {
  const leaf = firstInvalid(field.type, value);
  const path = field.name + leaf.path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  const [code, problem] = classify(leaf.value, leaf.type);
  return new SchemaError(code, `${eventName}.${path}: ${problem}`, { eventName, path, attemptedId });
}

interface InvalidValue {
  /** Below the checked value: field names and array indexes. */
  readonly path: readonly string[];
  readonly value: unknown;
  readonly type: Type;
}

/**
 * The first value avsc's validation rejects below `value`. avsc accepts an array where a record is
 * expected and then reports its "missing" fields; that is reported as the array, a WRONG_TYPE.
 */
function firstInvalid(type: Type, value: unknown): InvalidValue {
  let found: InvalidValue | undefined;
  type.isValid(value, {
    errorHook: (path, leafValue, leafType) => {
      found ??= { path, value: leafValue, type: leafType };
    },
  });
  if (!found) return { path: [], value, type };
  let current: unknown = value;
  let currentType = type;
  for (let i = 0; i <= found.path.length; i++) {
    if (currentType.typeName.startsWith('union')) {
      // Our unions are ["null", T]: a non-null value is checked against T.
      currentType = (currentType as types.UnwrappedUnionType).types.find((t) => t.typeName !== 'null') ?? currentType;
    }
    if (currentType.typeName === 'record' && Array.isArray(current)) return { path: found.path.slice(0, i), value: current, type: currentType };
    const segment = found.path[i];
    if (segment === undefined || current === null || typeof current !== 'object') break;
    current = (current as Record<string, unknown>)[segment];
    if (currentType.typeName === 'array') currentType = (currentType as types.ArrayType).itemsType;
    else if (currentType.typeName === 'record') currentType = (currentType as types.RecordType).field(segment).type;
    else break;
  }
  return found;
}

/** The code and the human description of a value that does not fit `type`. */
function classify(value: unknown, type: Type): [SchemaErrorCode, string] {
  if (value === undefined) return ['MISSING_FIELD', 'missing'];
  if (type.typeName === 'enum' && typeof value === 'string') {
    return ['INVALID_ENUM', `${JSON.stringify(clip(value, 40))} is not one of ${(type as types.EnumType).symbols.join(', ')}`];
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return ['NOT_FINITE', `expected a finite ${describeType(type)}, got ${value}`];
  if (type.typeName === 'long' && Number.isInteger(value)) return ['LONG_OUT_OF_RANGE', `${String(value)} is outside ±(2^53 − 1)`];
  return ['WRONG_TYPE', `expected ${describeType(type)}, got ${describeValue(value)}`];
}

function describeType(type: Type): string {
  switch (type.typeName) {
    case 'long':
      return 'long (an integer)';
    case 'int':
      return 'int (a 32-bit integer)';
    case 'double':
      return 'double (a number)';
    case 'enum':
      return `one of ${(type as types.EnumType).symbols.join(', ')}`;
    case 'record':
      return `an object (${type.name ?? 'record'})`;
    case 'array':
      return `an array of ${describeType((type as types.ArrayType).itemsType)}`;
    case 'union:unwrapped':
    case 'union:wrapped':
      return (type as types.UnwrappedUnionType).types.map(describeType).join(' or ');
    default:
      return type.typeName;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(clip(value, 40))}`;
    case 'number':
      return `number ${value}`;
    case 'object':
      return 'an object';
    default:
      return `${typeof value} ${clip(String(value), 40)}`;
  }
}

function encodeError(eventName: string, type: Type, value: unknown, err: unknown): SchemaError {
  const leaf = firstInvalid(type, value);
  if (leaf.path.length === 0 && leaf.value === value && type.isValid(value)) {
    return new SchemaError('WRONG_TYPE', `${eventName}: cannot encode: ${errorMessage(err)}`, { eventName });
  }
  const path = leaf.path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const [code, problem] = classify(leaf.value, leaf.type);
  return new SchemaError(code, `${eventName}${path ? `.${path}` : ''}: ${problem}`, { eventName, path: path || undefined });
}

function attemptedIdOf(raw: Readonly<Record<string, unknown>>): string | undefined {
  const id = typeof raw.trade_id === 'string' && raw.trade_id !== '' ? raw.trade_id : raw.symbol;
  return typeof id === 'string' ? clip(id, 128) : undefined;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const defaultCodec = new Codec();

/** `Codec#encode` with this package's schemas. */
export function encode<N extends EventName>(eventName: N, value: EventTypeMap[N]): Buffer {
  return defaultCodec.encode(eventName, value);
}

/** `Codec#decode` with this package's schemas. Never throws on bad bytes. */
export function decode<N extends EventName>(eventName: N, bytes: Uint8Array | null | undefined): DecodeResult<EventTypeMap[N]> {
  return defaultCodec.decode(eventName, bytes);
}

/** `Codec#decodeRaw` with this package's schemas: Avro or JSON, detected by the first byte. */
export function decodeRaw<N extends RawEventName>(eventName: N, bytes: Uint8Array | null | undefined): DecodeResult<EventTypeMap[N]> {
  return defaultCodec.decodeRaw(eventName, bytes);
}
