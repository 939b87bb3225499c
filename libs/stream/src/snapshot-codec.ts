import { SnapshotError } from './errors';

/** `T` `F` `S`: marks bytes as a tickflow snapshot. */
export const SNAPSHOT_MAGIC: readonly number[] = Object.freeze([0x54, 0x46, 0x53]);
/** Format version written by {@link encodeSnapshot}; the only one {@link decodeSnapshot} reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

const HEADER_BYTES = 4;
const TRAILER_BYTES = 4;
/** Deeper nesting is refused (a cycle on encode, a hostile body on decode) before the stack overflows. */
const MAX_DEPTH = 1000;

/**
 * Deterministic bytes for a task's whole state.
 *
 * Layout (format 1): `T` `F` `S`, the format version byte, the canonical body, then a CRC-32 (IEEE)
 * of the body, big-endian. The checksum turns truncated or altered bytes into `CKPT_CORRUPT`
 * instead of silently wrong numbers.
 *
 * The body is a small canonical tag-length-value encoding of plain data: undefined, null, booleans,
 * numbers (integers up to 2^53 as varints, everything else — fractions, -0, ±Infinity, NaN — as
 * float64 with one NaN bit pattern), bigint, strings (lossless, lone surrogates included), arrays,
 * plain objects (own enumerable string keys in property order), Map and Set (insertion order),
 * Uint8Array, Float64Array.
 *
 * Determinism: the bytes are a function of the logical value only: equal values (same key and
 * insertion orders) give equal bytes, in any process, on any Node version, and decode → encode is
 * the identity. (`node:v8`'s serializer is not: its output follows V8's hidden representations, so
 * `{ sum: 3 }` can be written as an integer or a double depending on the heap's history, and a
 * decoded array re-encodes differently.)
 * @throws SnapshotError `CKPT_UNSERIALIZABLE` for a function, symbol, class instance (Date, RegExp…),
 *   other typed array, or nesting deeper than 1000 (a cycle). Shared references are written twice.
 */
export function encodeSnapshot(state: unknown): Uint8Array {
  const w = new Writer();
  w.bytes(SNAPSHOT_MAGIC);
  w.byte(SNAPSHOT_FORMAT_VERSION);
  try {
    writeValue(w, state, 0);
  } catch (err) {
    if (err instanceof UnserializableError) {
      const at = err.path.length === 0 ? 'the root' : err.path.reverse().join('');
      throw new SnapshotError('CKPT_UNSERIALIZABLE', `encodeSnapshot: ${err.message} at ${at}; state must be plain data`);
    }
    throw err;
  }
  const crc = crc32(w.buf, HEADER_BYTES, w.pos);
  w.ensure(TRAILER_BYTES);
  w.view.setUint32(w.pos, crc);
  w.pos += TRAILER_BYTES;
  return w.buf.slice(0, w.pos);
}

/**
 * The state encoded by {@link encodeSnapshot}: plain objects, arrays, Map, Set, Uint8Array, Float64Array and primitives.
 * @throws SnapshotError `CKPT_BAD_MAGIC` (not a tickflow snapshot), `CKPT_UNSUPPORTED_VERSION`
 *   (another format version), `CKPT_CORRUPT` (truncated, checksum mismatch or malformed body).
 */
export function decodeSnapshot(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotError('CKPT_BAD_MAGIC', 'decodeSnapshot: expected a Uint8Array');
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) {
    if (i >= bytes.length) throw new SnapshotError('CKPT_CORRUPT', `decodeSnapshot: truncated header (${bytes.length} bytes)`);
    if (bytes[i] !== SNAPSHOT_MAGIC[i]) throw new SnapshotError('CKPT_BAD_MAGIC', 'decodeSnapshot: not a tickflow snapshot (no TFS magic)');
  }
  if (bytes.length < HEADER_BYTES) throw new SnapshotError('CKPT_CORRUPT', `decodeSnapshot: truncated header (${bytes.length} bytes)`);
  const version = bytes[3];
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError('CKPT_UNSUPPORTED_VERSION', `decodeSnapshot: format version ${String(version)} is not supported (this build reads ${SNAPSHOT_FORMAT_VERSION})`);
  }
  const end = bytes.length - TRAILER_BYTES;
  if (end <= HEADER_BYTES) throw new SnapshotError('CKPT_CORRUPT', `decodeSnapshot: truncated (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (crc32(bytes, HEADER_BYTES, end) !== view.getUint32(end)) {
    throw new SnapshotError('CKPT_CORRUPT', 'decodeSnapshot: checksum mismatch (truncated or altered bytes)');
  }
  const r = new Reader(bytes, view, HEADER_BYTES, end);
  try {
    const value = readValue(r, 0);
    if (r.pos !== end) throw new CorruptError(`${end - r.pos} unread bytes after the value`);
    return value;
  } catch (err) {
    if (err instanceof CorruptError) throw new SnapshotError('CKPT_CORRUPT', `decodeSnapshot: malformed body at byte ${r.pos}: ${err.message}`);
    throw err;
  }
}

// ── body format ──────────────────────────────────────────────────────────────────────────────────
// value   := tag payload
// varint  := unsigned LEB128, shortest form, <= 2^53 − 1
// string  := varint(byte length) WTF-8 bytes (UTF-8 that also carries lone surrogates)

const T_UNDEFINED = 0x00;
const T_NULL = 0x01;
const T_FALSE = 0x02;
const T_TRUE = 0x03;
/** float64, big-endian; NaN always as 7ff8000000000000. */
const T_FLOAT64 = 0x04;
/** varint n: the integer n (0 <= n <= 2^53 − 1). */
const T_UINT = 0x05;
/** varint n: the integer −n (1 <= n <= 2^53 − 1). */
const T_NEGINT = 0x06;
const T_STRING = 0x07;
/** varint(length) value*. Holes are written as undefined. */
const T_ARRAY = 0x08;
/** varint(count) (string value)*. */
const T_OBJECT = 0x09;
/** varint(count) (value value)*. */
const T_MAP = 0x0a;
/** varint(count) value*. */
const T_SET = 0x0b;
/** varint(length) bytes. */
const T_BYTES = 0x0c;
/** string: decimal digits, optional leading '-'. */
const T_BIGINT = 0x0d;
/** varint(length) float64*: a Float64Array (numeric columns, ring buffers). */
const T_FLOAT64_ARRAY = 0x0e;

class UnserializableError extends Error {
  readonly path: string[] = [];
}

class CorruptError extends Error {}

class Writer {
  buf = new Uint8Array(1024);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(bs: ArrayLike<number>): void {
    this.ensure(bs.length);
    this.buf.set(bs, this.pos);
    this.pos += bs.length;
  }

  varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  float64(n: number): void {
    this.ensure(8);
    if (Number.isNaN(n)) {
      this.view.setUint32(this.pos, 0x7ff80000);
      this.view.setUint32(this.pos + 4, 0);
    } else {
      this.view.setFloat64(this.pos, n);
    }
    this.pos += 8;
  }

  string(s: string): void {
    const start = this.pos;
    const len = s.length;
    // Fast path: ASCII, where the byte length is the string length.
    this.varint(len);
    this.ensure(len);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = start;
        this.wtf8(s);
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  private wtf8(s: string): void {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (isHighSurrogate(c) && isLowSurrogate(s.charCodeAt(i + 1))) {
        n += 4;
        i++;
      } else n += 3;
    }
    this.varint(n);
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[pos++] = c;
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else if (isHighSurrogate(c) && isLowSurrogate(s.charCodeAt(i + 1))) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        buf[pos++] = 0xf0 | (c >> 18);
        buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else {
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = pos;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function writeValue(w: Writer, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'number':
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
        if (v >= 0) {
          w.byte(T_UINT);
          w.varint(v);
        } else {
          w.byte(T_NEGINT);
          w.varint(-v);
        }
      } else {
        w.byte(T_FLOAT64);
        w.float64(v);
      }
      return;
    case 'string':
      w.byte(T_STRING);
      w.string(v);
      return;
    case 'boolean':
      w.byte(v ? T_TRUE : T_FALSE);
      return;
    case 'undefined':
      w.byte(T_UNDEFINED);
      return;
    case 'bigint':
      w.byte(T_BIGINT);
      w.string(v.toString());
      return;
    case 'object':
      if (v === null) {
        w.byte(T_NULL);
        return;
      }
      if (depth >= MAX_DEPTH) throw new UnserializableError(`nesting deeper than ${MAX_DEPTH} (a cycle?)`);
      writeObject(w, v, depth + 1);
      return;
    default:
      throw new UnserializableError(`a ${typeof v}`);
  }
}

function writeObject(w: Writer, v: object, depth: number): void {
  let at = '';
  try {
    if (Array.isArray(v)) {
      w.byte(T_ARRAY);
      w.varint(v.length);
      for (let i = 0; i < v.length; i++) {
        at = `[${i}]`;
        writeValue(w, v[i], depth);
      }
    } else if (v instanceof Map) {
      w.byte(T_MAP);
      w.varint(v.size);
      let i = 0;
      for (const [key, value] of v) {
        at = `<map entry ${i++}>`;
        writeValue(w, key, depth);
        writeValue(w, value, depth);
      }
    } else if (v instanceof Set) {
      w.byte(T_SET);
      w.varint(v.size);
      let i = 0;
      for (const value of v) {
        at = `<set entry ${i++}>`;
        writeValue(w, value, depth);
      }
    } else if (v instanceof Uint8Array) {
      w.byte(T_BYTES);
      w.varint(v.length);
      w.bytes(v);
    } else if (v instanceof Float64Array) {
      w.byte(T_FLOAT64_ARRAY);
      w.varint(v.length);
      for (let i = 0; i < v.length; i++) w.float64(v[i] as number);
    } else {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
        throw new UnserializableError(`a ${typeof name === 'string' && name !== '' ? name : 'class instance'}`);
      }
      const keys = Object.keys(v);
      w.byte(T_OBJECT);
      w.varint(keys.length);
      for (const key of keys) {
        at = `.${key}`;
        w.string(key);
        writeValue(w, (v as Record<string, unknown>)[key], depth);
      }
    }
  } catch (err) {
    if (err instanceof UnserializableError && at !== '') err.path.push(at);
    throw err;
  }
}

class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    readonly view: DataView,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new CorruptError('unexpected end');
    return this.buf[this.pos++] as number;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new CorruptError('overlong varint');
        break;
      }
      scale *= 0x80;
      if (i >= 7) throw new CorruptError('varint too long');
    }
    if (n > Number.MAX_SAFE_INTEGER) throw new CorruptError('varint beyond 2^53');
    return n;
  }

  /** A count of items that each take at least one byte: bounded by the bytes left. */
  count(): number {
    const n = this.varint();
    if (n > this.end - this.pos) throw new CorruptError(`count ${n} exceeds the bytes left`);
    return n;
  }

  float64(): number {
    if (this.pos + 8 > this.end) throw new CorruptError('unexpected end');
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.count();
    const buf = this.buf;
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    let ascii = true;
    for (let i = start; i < end; i++) {
      if ((buf[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return fromCodeUnits(buf.subarray(start, end));
    const units: number[] = [];
    for (let i = start; i < end; ) {
      const b0 = buf[i++] as number;
      if (b0 < 0x80) {
        units.push(b0);
        continue;
      }
      const extra = b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : -1;
      if (extra < 0 || b0 > 0xf4 || i + extra > end) throw new CorruptError('bad WTF-8 lead byte');
      let cp = b0 & (0x3f >> extra);
      for (let k = 0; k < extra; k++) {
        const b = buf[i++] as number;
        if ((b & 0xc0) !== 0x80) throw new CorruptError('bad WTF-8 continuation byte');
        cp = (cp << 6) | (b & 0x3f);
      }
      const min = extra === 1 ? 0x80 : extra === 2 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10ffff) throw new CorruptError('overlong or out-of-range WTF-8 sequence');
      if (cp >= 0x10000) {
        cp -= 0x10000;
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        units.push(cp);
      }
    }
    return fromCodeUnits(units);
  }
}

function fromCodeUnits(units: ArrayLike<number>): string {
  const CHUNK = 8192;
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units as number[]);
  let s = '';
  for (let i = 0; i < units.length; i += CHUNK) {
    const part = units instanceof Uint8Array ? units.subarray(i, i + CHUNK) : Array.prototype.slice.call(units, i, i + CHUNK);
    s += String.fromCharCode.apply(null, part as number[]);
  }
  return s;
}

function readValue(r: Reader, depth: number): unknown {
  const tag = r.byte();
  switch (tag) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_FLOAT64:
      return r.float64();
    case T_UINT:
      return r.varint();
    case T_NEGINT: {
      const n = r.varint();
      if (n === 0) throw new CorruptError('negative zero as an integer');
      return -n;
    }
    case T_STRING:
      return r.string();
    case T_BIGINT: {
      const s = r.string();
      if (!/^-?\d+$/.test(s)) throw new CorruptError('malformed bigint');
      return BigInt(s);
    }
    case T_BYTES: {
      const n = r.count();
      const bytes = r.buf.slice(r.pos, r.pos + n);
      r.pos += n;
      return bytes;
    }
    case T_FLOAT64_ARRAY: {
      const n = r.count();
      const arr = new Float64Array(n);
      for (let i = 0; i < n; i++) arr[i] = r.float64();
      return arr;
    }
    default:
      break;
  }
  if (depth >= MAX_DEPTH) throw new CorruptError(`nesting deeper than ${MAX_DEPTH}`);
  switch (tag) {
    case T_ARRAY: {
      const n = r.count();
      const arr: unknown[] = [];
      for (let i = 0; i < n; i++) arr.push(readValue(r, depth + 1));
      return arr;
    }
    case T_OBJECT: {
      const n = r.count();
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.string();
        const value = readValue(r, depth + 1);
        // Never let a "__proto__" key set the prototype.
        if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        else obj[key] = value;
      }
      return obj;
    }
    case T_MAP: {
      const n = r.count();
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const key = readValue(r, depth + 1);
        map.set(key, readValue(r, depth + 1));
      }
      return map;
    }
    case T_SET: {
      const n = r.count();
      const set = new Set<unknown>();
      for (let i = 0; i < n; i++) set.add(readValue(r, depth + 1));
      return set;
    }
    default:
      throw new CorruptError(`unknown tag 0x${tag.toString(16)}`);
  }
}

const CRC_TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib/PNG) of data[start, end), unsigned. */
function crc32(data: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
