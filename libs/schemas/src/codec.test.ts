import { existsSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Codec, decode, decodeRaw, encode } from './codec';
import type { DecodeResult } from './codec';
import { SCHEMA_ERROR_CODES, SchemaError } from './errors';
import type { SchemaErrorCode } from './errors';
import { EVENT_NAMES, RAW_EVENT_NAMES } from './event-names';
import type { EventName } from './event-names';
import { FIXTURES, microBar, rawTrade } from './fixtures';
import { AVRO_DIR, SchemaRegistry, registry } from './registry';
import type { MicroBar, Quote, RawTrade } from './types';

type Json = Record<string, unknown>;

function readSchema(path: string): Json {
  return JSON.parse(readFileSync(new URL(path, AVRO_DIR), 'utf8')) as Json;
}

/** Replaces fields of a schema (for payloads no tickflow writer would produce). */
function withFields(schema: Json, replace: Record<string, unknown>): Json {
  const fields = schema.fields as Json[];
  return { ...schema, fields: fields.map((f) => (String(f.name) in replace ? { name: f.name, type: replace[String(f.name)] } : f)) };
}

/** `header` + a body written by plain avsc (which lets NaN, big longs, bad indexes through). */
function foreignPayload(header: Buffer, schema: Json, value: unknown): Buffer {
  return Buffer.concat([header, avro.Type.forSchema(schema as avro.Schema).toBuffer(value)]);
}

function expectError(result: DecodeResult<unknown>, code: SchemaErrorCode, path?: string): SchemaError {
  if (result.ok) throw new Error(`expected ${code}, decoded ${JSON.stringify(result.value)}`);
  expect(result.error).toBeInstanceOf(SchemaError);
  expect({ code: result.error.code, errorType: result.error.errorType }).toEqual({ code, errorType: SCHEMA_ERROR_CODES[code] });
  if (path !== undefined) {
    expect(result.error.path).toBe(path);
    expect(result.error.message).toContain(path);
  }
  return result.error;
}

function expectValue<T>(result: DecodeResult<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

/** Decoding returned either an error or a value of the reader schema. */
function isWellFormed(eventName: EventName, result: DecodeResult<unknown>): boolean {
  if (!result.ok) return result.error instanceof SchemaError && result.error.code in SCHEMA_ERROR_CODES;
  return registry.reader(eventName).type.isValid(result.value);
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('encode / decode', () => {
  it.each(EVENT_NAMES)('%s: round-trips the fixture', (eventName) => {
    const bytes = encode(eventName, FIXTURES[eventName]);
    expect(bytes.subarray(0, 10)).toEqual(registry.reader(eventName).header);
    const result = decode(eventName, bytes);
    expect(expectValue(result)).toEqual(FIXTURES[eventName]);
    expect(result.ok && result.writerVersion).toBe(registry.reader(eventName).version);
  });

  it('round-trips nulls, extremes, empty arrays and big strings', () => {
    const quote: Quote = { ...FIXTURES.Quote, last: null, bid_size: 9e-5, seq: Number.MAX_SAFE_INTEGER, ingest_ts: 0 };
    expect(expectValue(decode('Quote', encode('Quote', quote)))).toEqual(quote);
    const book = { ...FIXTURES.BookSnapshot, bids: [], asks: [] };
    expect(expectValue(decode('BookSnapshot', encode('BookSnapshot', book)))).toEqual(book);
    const heartbeat = { ...FIXTURES.StatusHeartbeat, watermark_lag_ms: -(2 ** 52) - 3, watermark_ms: Number.MIN_SAFE_INTEGER };
    expect(expectValue(decode('StatusHeartbeat', encode('StatusHeartbeat', heartbeat)))).toEqual(heartbeat);
    const huge: RawTrade = { ...rawTrade, symbol: 'X'.repeat(1 << 20), trader_id: 'trader ✓ 東京' };
    expect(expectValue(decode('RawTrade', encode('RawTrade', huge)))).toEqual(huge);
  });

  it('decodes from any Uint8Array view, not only a Buffer', () => {
    const bytes = encode('RawTrade', rawTrade);
    const backing = new Uint8Array(bytes.length + 7);
    backing.set(bytes, 7);
    expect(expectValue(decode('RawTrade', backing.subarray(7)))).toEqual(rawTrade);
  });

  it('encodes a DlqRecord whose original is a plain Uint8Array', () => {
    const record = { ...FIXTURES.DlqRecord, original: new Uint8Array([0xc3, 0x01, 0xff]) };
    expect(expectValue(decode('DlqRecord', encode('DlqRecord', record))).original).toEqual(Buffer.from([0xc3, 0x01, 0xff]));
  });

  it('decodes records without enumerable methods (safe to spread, for-in and JSON.stringify)', () => {
    const value = expectValue(decode('RawTrade', encode('RawTrade', rawTrade)));
    const keys: string[] = [];
    for (const key in value) keys.push(key);
    expect(keys).toEqual(Object.keys(rawTrade));
    expect(JSON.parse(JSON.stringify(value))).toEqual(rawTrade);
  });

  it.each<[string, unknown, SchemaErrorCode, string | undefined]>([
    ['a NaN price', { ...rawTrade, price: NaN }, 'NOT_FINITE', 'price'],
    ['an infinite quantity', { ...rawTrade, quantity: -Infinity }, 'NOT_FINITE', 'quantity'],
    ['a missing field', { ...rawTrade, symbol: undefined }, 'MISSING_FIELD', 'symbol'],
    ['a string price', { ...rawTrade, price: '61837.63' }, 'WRONG_TYPE', 'price'],
    ['an unknown side', { ...rawTrade, side: 'HOLD' }, 'INVALID_ENUM', 'side'],
    ['a timestamp beyond 2^53', { ...rawTrade, timestamp_ms: 2 ** 60 }, 'LONG_OUT_OF_RANGE', 'timestamp_ms'],
    ['a fractional long', { ...rawTrade, seq: 1.5 }, 'WRONG_TYPE', 'seq'],
    ['not an object', 42, 'WRONG_TYPE', undefined],
  ])('encode throws a SchemaError for %s', (_, value, code, path) => {
    let thrown: unknown;
    try {
      encode('RawTrade', value as RawTrade);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SchemaError);
    expect((thrown as SchemaError).code).toBe(code);
    expect((thrown as SchemaError).path).toBe(path);
  });

  it('encodes values larger than its scratch buffer, and again after', () => {
    const book = { ...FIXTURES.BookSnapshot, bids: Array.from({ length: 20_000 }, (_, i) => ({ price: 100 - i / 100, quantity: i })) };
    expect(expectValue(decode('BookSnapshot', encode('BookSnapshot', book)))).toEqual(book);
    expect(expectValue(decode('RawTrade', encode('RawTrade', rawTrade)))).toEqual(rawTrade);
  });
});

describe('schema evolution (MicroBar v1 → v2 added is_final, default true)', () => {
  const v1 = readSchema('history/MicroBar.v1.avsc');
  const v2 = readSchema('MicroBar.avsc');
  const { is_final: _dropped, ...v1Bar } = microBar;
  /** A producer still on v1. */
  const v1Writer = new Codec(new SchemaRegistry([{ eventName: 'MicroBar', version: 1, schema: v1 }]));

  it('reads a v1 payload with the current reader: the added field takes its default', () => {
    const bytes = v1Writer.encode('MicroBar', v1Bar as MicroBar);
    expect(bytes.subarray(0, 10)).not.toEqual(registry.reader('MicroBar').header);
    const result = decode('MicroBar', bytes);
    expect(expectValue(result)).toEqual({ ...v1Bar, is_final: true });
    expect(result.ok && result.writerVersion).toBe(1);
  });

  it('reads a v2 payload with a v1 reader that knows the v2 writer schema: the extra field is ignored', () => {
    const v1Reader = new Codec(
      new SchemaRegistry([{ eventName: 'MicroBar', version: 1, schema: v1 }], [{ eventName: 'MicroBar', version: 2, schema: v2 }]),
    );
    const result = v1Reader.decode('MicroBar', encode('MicroBar', { ...microBar, is_final: false }));
    expect(expectValue(result)).toEqual(v1Bar);
    expect(result.ok && result.writerVersion).toBe(2);
  });

  it('a reader that has never seen the writer schema reports UNKNOWN_FINGERPRINT (deploy readers first)', () => {
    expectError(v1Writer.decode('MicroBar', encode('MicroBar', microBar)), 'UNKNOWN_FINGERPRINT');
  });
});

describe('decode rejects bad payloads with a code, never a throw', () => {
  const trade = encode('RawTrade', rawTrade);

  it.each([
    ['null', null, 'EMPTY_PAYLOAD'],
    ['undefined', undefined, 'EMPTY_PAYLOAD'],
    ['empty', Buffer.alloc(0), 'EMPTY_PAYLOAD'],
    ['JSON', utf8('{"trade_id":"1"}'), 'BAD_MAGIC'],
    ['a wrong second magic byte', Buffer.concat([Buffer.from([0xc3, 0x02]), trade.subarray(2)]), 'BAD_MAGIC'],
    ['Avro object container magic', Buffer.from('Obj\x01rest of a container file'), 'BAD_MAGIC'],
  ] as const)('%s → %s', (_, bytes, code) => {
    expectError(decode('RawTrade', bytes), code);
  });

  it('every strict prefix of a valid payload is TRUNCATED (or EMPTY_PAYLOAD when empty)', () => {
    for (const eventName of EVENT_NAMES) {
      const bytes = encode(eventName, FIXTURES[eventName]);
      for (let length = 0; length < bytes.length; length++) {
        expectError(decode(eventName, bytes.subarray(0, length)), length === 0 ? 'EMPTY_PAYLOAD' : 'TRUNCATED');
      }
    }
  });

  it('a flipped fingerprint byte is UNKNOWN_FINGERPRINT', () => {
    for (let i = 2; i < 10; i++) {
      const bytes = Buffer.from(trade);
      bytes[i] = (bytes[i] as number) ^ 0x01;
      expectError(decode('RawTrade', bytes), 'UNKNOWN_FINGERPRINT');
    }
  });

  it('a payload of another event is EVENT_TYPE_MISMATCH, naming it', () => {
    const error = expectError(decode('Quote', trade), 'EVENT_TYPE_MISMATCH');
    expect(error.message).toContain('RawTrade v1');
  });

  it('bytes after the body are TRAILING_BYTES', () => {
    expectError(decode('RawTrade', Buffer.concat([trade, Buffer.from([0])])), 'TRAILING_BYTES');
    expectError(decode('RawTrade', Buffer.concat([trade, trade])), 'TRAILING_BYTES');
  });

  it('a NaN or infinite double from a foreign writer is NOT_FINITE, naming the field', () => {
    const header = registry.reader('RawTrade').header;
    const schema = readSchema('RawTrade.avsc');
    expectError(decode('RawTrade', foreignPayload(header, schema, { ...rawTrade, price: NaN })), 'NOT_FINITE', 'price');
    const signal = { ...FIXTURES.Signal, rsi14: Infinity };
    expectError(decode('Signal', foreignPayload(registry.reader('Signal').header, readSchema('Signal.avsc'), signal)), 'NOT_FINITE', 'rsi14');
  });

  it('a long beyond ±(2^53 − 1) is LONG_OUT_OF_RANGE, not a rounded number', () => {
    // A writer with 64-bit longs (BigInt), on the same schema, hence the same fingerprint.
    const bigIntLong = avro.types.LongType.__with({
      fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
      toBuffer: (n: bigint) => {
        const buf = Buffer.alloc(8);
        buf.writeBigInt64LE(n);
        return buf;
      },
      fromJSON: BigInt,
      toJSON: Number,
      isValid: (n: unknown) => typeof n === 'bigint',
      compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
    });
    const writer = avro.Type.forSchema(readSchema('MicroBar.avsc') as avro.Schema, { registry: { long: bigIntLong } });
    const longs = ['window_start', 'window_end', 'count', 'event_ts', 'ingest_ts', 'seq'] as const;
    const asBigInts = (bar: MicroBar): Json => ({ ...bar, ...Object.fromEntries(longs.map((k) => [k, BigInt(bar[k])])) });
    const header = registry.reader('MicroBar').header;
    const payload = (bar: Json): Buffer => Buffer.concat([header, writer.toBuffer(bar)]);
    expect(expectValue(decode('MicroBar', payload(asBigInts(microBar))))).toEqual(microBar);
    expectError(decode('MicroBar', payload({ ...asBigInts(microBar), count: 2n ** 60n })), 'LONG_OUT_OF_RANGE', 'count');
    expectError(decode('MicroBar', payload({ ...asBigInts(microBar), seq: -(2n ** 53n) })), 'LONG_OUT_OF_RANGE', 'seq');
    const edge = { ...microBar, count: Number.MAX_SAFE_INTEGER, seq: Number.MIN_SAFE_INTEGER };
    expect(expectValue(decode('MicroBar', payload(asBigInts(edge))))).toEqual(edge);
  });

  it('an enum index, int or boolean outside the schema is MALFORMED_BODY, naming the field', () => {
    const tradeHeader = registry.reader('RawTrade').header;
    const raw = readSchema('RawTrade.avsc');
    const threeSides = withFields(raw, { side: { type: 'enum', name: 'Side', symbols: ['BUY', 'SELL', 'HOLD'] } });
    expectError(decode('RawTrade', foreignPayload(tradeHeader, threeSides, { ...rawTrade, side: 'HOLD' })), 'MALFORMED_BODY', 'side');
    const longVersion = withFields(raw, { version: 'long' });
    expectError(decode('RawTrade', foreignPayload(tradeHeader, longVersion, { ...rawTrade, version: 2 ** 40 })), 'MALFORMED_BODY', 'version');
    const intFinal = withFields(readSchema('MicroBar.avsc'), { is_final: 'int' });
    expectError(decode('MicroBar', foreignPayload(registry.reader('MicroBar').header, intFinal, { ...microBar, is_final: 1 })), 'MALFORMED_BODY', 'is_final');
  });

  it('a book claiming 2^31 levels fails fast as TRUNCATED', () => {
    const header = registry.reader('BookSnapshot').header;
    const started = Date.now();
    expectError(decode('BookSnapshot', Buffer.concat([header, Buffer.from([0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00])])), 'TRUNCATED');
    expect(Date.now() - started).toBeLessThan(1_000); // looping over the claimed count would take seconds
  });

  it('property: random bytes never throw, and decode to an error or a valid value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_NAMES), fc.uint8Array({ maxLength: 300 }), fc.boolean(), (eventName, body, withHeader) => {
        const bytes = withHeader ? Buffer.concat([registry.reader(eventName).header, body]) : Buffer.from(body);
        return isWellFormed(eventName, decode(eventName, bytes));
      }),
      { numRuns: 5_000 },
    );
  });

  it('property: corrupted valid payloads never throw, and decode to an error or a valid value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_NAMES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (eventName, edits, cut) => {
          const bytes = Buffer.from(encode(eventName, FIXTURES[eventName]));
          for (const [at, byte] of edits) bytes[10 + (at % (bytes.length - 10))] = byte;
          const result = decode(eventName, cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes);
          return isWellFormed(eventName, result);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('decodeRaw', () => {
  /** First line of /work/shared/data/trades-binance-spot-2024-08-08.ndjson, byte for byte. */
  const TRADE_LINE =
    '{"trade_id": "3735683259", "order_id": "O-3735683259", "symbol": "BTCUSDT", "side": "SELL", "quantity": 0.02, "price": 61837.63, "status": "FILLED", "exchange": "BINANCE", "trader_id": "", "account_id": "", "timestamp_ms": 1723161255342, "event_type": "TRADE"}';
  const QUOTE_LINE =
    '{"symbol": "BTCUSDT", "timestamp_ms": 1723161254087, "bid": 61837.63, "bid_size": 3.78826, "ask": 61837.64, "ask_size": 1.54698, "exchange": "BINANCE"}';
  const tradeJson = JSON.parse(TRADE_LINE) as Json;

  it('decodes the recorded trade line, defaulting the envelope', () => {
    const result = decodeRaw('RawTrade', utf8(TRADE_LINE));
    expect(expectValue(result)).toEqual({
      trade_id: '3735683259',
      order_id: 'O-3735683259',
      symbol: 'BTCUSDT',
      side: 'SELL',
      quantity: 0.02,
      price: 61837.63,
      status: 'FILLED',
      exchange: 'BINANCE',
      trader_id: '',
      account_id: '',
      timestamp_ms: 1723161255342,
      event_type: 'TRADE',
      event_ts: 1723161255342,
      ingest_ts: 0,
      seq: 0,
      source: 'json',
      correlation_id: '3735683259',
      version: 1,
    } satisfies RawTrade);
    expect(result.ok && result.writerVersion).toBeUndefined();
  });

  it('decodes the recorded quote line, defaulting the envelope and last', () => {
    expect(expectValue(decodeRaw('Quote', utf8(QUOTE_LINE)))).toEqual({
      symbol: 'BTCUSDT',
      timestamp_ms: 1723161254087,
      bid: 61837.63,
      bid_size: 3.78826,
      ask: 61837.64,
      ask_size: 1.54698,
      last: null,
      exchange: 'BINANCE',
      event_ts: 1723161254087,
      ingest_ts: 0,
      seq: 0,
      source: 'json',
      correlation_id: 'BTCUSDT:1723161254087',
      version: 1,
    } satisfies Quote);
  });

  it('decodes Avro single-object payloads like decode', () => {
    for (const eventName of RAW_EVENT_NAMES) {
      expect(expectValue(decodeRaw(eventName, encode(eventName, FIXTURES[eventName])))).toEqual(FIXTURES[eventName]);
    }
  });

  it('round-trips each raw fixture through JSON, keeping given envelope fields', () => {
    for (const eventName of RAW_EVENT_NAMES) {
      expect(expectValue(decodeRaw(eventName, utf8(JSON.stringify(FIXTURES[eventName]))))).toEqual(FIXTURES[eventName]);
    }
  });

  it('gives JSON values the same shape as Avro ones (record classes, unknown fields dropped)', () => {
    const json = { ...FIXTURES.BookSnapshot, extra: 1, bids: [{ price: 1, quantity: 2, note: 'x' }] };
    const fromJson = expectValue(decodeRaw('BookSnapshot', utf8(JSON.stringify(json))));
    const fromAvro = expectValue(decode('BookSnapshot', encode('BookSnapshot', { ...FIXTURES.BookSnapshot, bids: [{ price: 1, quantity: 2 }] })));
    expect(fromJson).toStrictEqual(fromAvro);
  });

  it('accepts a UTF-8 BOM and leading whitespace', () => {
    expect(decodeRaw('RawTrade', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(` \r\n\t${TRADE_LINE}\n`)])).ok).toBe(true);
  });

  const tradeWith = (patch: Json, drop: string[] = []): Buffer => {
    const value: Json = { ...tradeJson, ...patch };
    for (const key of drop) delete value[key];
    return utf8(JSON.stringify(value));
  };

  it.each<[string, Buffer, SchemaErrorCode, string | undefined]>([
    ['a numeric string price', tradeWith({ price: '61837.63' }), 'WRONG_TYPE', 'price'],
    ['a numeric string timestamp', tradeWith({ timestamp_ms: '1723161255342' }), 'WRONG_TYPE', 'timestamp_ms'],
    ['a null quantity', tradeWith({ quantity: null }), 'WRONG_TYPE', 'quantity'],
    ['a fractional timestamp', tradeWith({ timestamp_ms: 1723161255342.5 }), 'WRONG_TYPE', 'timestamp_ms'],
    ['a numeric trade_id', tradeWith({ trade_id: 3735683259 }), 'WRONG_TYPE', 'trade_id'],
    ['an object symbol', tradeWith({ symbol: { s: 1 } }), 'WRONG_TYPE', 'symbol'],
    ['a fractional version', tradeWith({ version: 1.5 }), 'WRONG_TYPE', 'version'],
    ['a 40-bit version', tradeWith({ version: 2 ** 40 }), 'WRONG_TYPE', 'version'],
    ['a missing symbol', tradeWith({}, ['symbol']), 'MISSING_FIELD', 'symbol'],
    ['a missing trader_id', tradeWith({}, ['trader_id']), 'MISSING_FIELD', 'trader_id'],
    ['a lower-case side', tradeWith({ side: 'buy' }), 'INVALID_ENUM', 'side'],
    ['an unknown side', tradeWith({ side: 'HOLD' }), 'INVALID_ENUM', 'side'],
    ['price 1e999', utf8(TRADE_LINE.replace('61837.63', '1e999')), 'NOT_FINITE', 'price'],
    ['quantity -1e999', utf8(TRADE_LINE.replace('0.02', '-1e999')), 'NOT_FINITE', 'quantity'],
    ['timestamp 1e999', utf8(TRADE_LINE.replace('1723161255342', '1e999')), 'NOT_FINITE', 'timestamp_ms'],
    ['a timestamp beyond 2^53', utf8(TRADE_LINE.replace('1723161255342', '1152921504606846976')), 'LONG_OUT_OF_RANGE', 'timestamp_ms'],
    ['a given but null envelope field', tradeWith({ seq: null }), 'WRONG_TYPE', 'seq'],
  ])('RawTrade with %s → %s', (_, bytes, code, path) => {
    const error = expectError(decodeRaw('RawTrade', bytes), code, path);
    expect(error.eventName).toBe('RawTrade');
    expect(error.attemptedId).toBe(path === 'trade_id' ? 'BTCUSDT' : '3735683259');
  });

  it.each<[string, Json, SchemaErrorCode, string]>([
    ['a level without quantity', { bids: [{ price: 1, quantity: 1 }, { price: 1 }] }, 'MISSING_FIELD', 'bids[1].quantity'],
    ['a string level price', { asks: [{ price: '1', quantity: 1 }] }, 'WRONG_TYPE', 'asks[0].price'],
    ['levels as pairs', { bids: [[1, 2]] }, 'WRONG_TYPE', 'bids[0]'],
    ['bids not an array', { bids: {} }, 'WRONG_TYPE', 'bids'],
  ])('BookSnapshot with %s → %s at %s', (_, patch, code, path) => {
    expectError(decodeRaw('BookSnapshot', utf8(JSON.stringify({ ...FIXTURES.BookSnapshot, ...patch }))), code, path);
  });

  it('Quote with a string last → WRONG_TYPE', () => {
    expectError(decodeRaw('Quote', utf8(QUOTE_LINE.replace('}', ', "last": "61837.6"}'))), 'WRONG_TYPE', 'last');
    expect(expectValue(decodeRaw('Quote', utf8(QUOTE_LINE.replace('}', ', "last": 61837.6}')))).last).toBe(61837.6);
  });

  it.each([
    ['truncated JSON', utf8(TRADE_LINE.slice(0, 40)), 'INVALID_JSON'],
    ['JSON followed by garbage', utf8(`${TRADE_LINE} x`), 'INVALID_JSON'],
    ['two JSON lines', utf8(`${TRADE_LINE}\n${TRADE_LINE}`), 'INVALID_JSON'],
    ['invalid UTF-8', Buffer.concat([utf8('{"symbol": "'), Buffer.from([0xff, 0xfe]), utf8('"}')]), 'INVALID_JSON'],
    ['a JSON array', utf8('[1, 2]'), 'BAD_MAGIC'],
    ['a JSON string', utf8('"BTCUSDT"'), 'BAD_MAGIC'],
    ['CSV', utf8('3735683259,O-3735683259,BTCUSDT'), 'BAD_MAGIC'],
    ['only whitespace', utf8(' \n\t '), 'EMPTY_PAYLOAD'],
    ['nothing', Buffer.alloc(0), 'EMPTY_PAYLOAD'],
    ['null', null, 'EMPTY_PAYLOAD'],
    ['an empty object', utf8('{}'), 'MISSING_FIELD'],
    ['a lone magic byte', Buffer.from([0xc3]), 'TRUNCATED'],
  ] as const)('%s → %s', (_, bytes, code) => {
    expectError(decodeRaw('RawTrade', bytes), code);
  });

  it('decodes a 1 MB symbol (length limits are business rules, decided later)', () => {
    const symbol = 'A'.repeat(1 << 20);
    expect(expectValue(decodeRaw('RawTrade', tradeWith({ symbol }))).symbol).toBe(symbol);
    expect(expectError(decodeRaw('RawTrade', tradeWith({ symbol, price: 'x' })), 'WRONG_TYPE').message.length).toBeLessThan(300);
  });

  it('property: arbitrary JSON never throws, and decodes to an error or a valid value', () => {
    const jsonObject = fc.dictionary(fc.string(), fc.jsonValue());
    const nearTrade = fc.record({
      trade_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      symbol: fc.oneof(fc.string(), fc.constant(undefined)),
      side: fc.constantFrom('BUY', 'SELL', 'buy', 1),
      quantity: fc.oneof(fc.double(), fc.string()),
      price: fc.oneof(fc.double(), fc.constant('1')),
      timestamp_ms: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String)),
    });
    fc.assert(
      fc.property(fc.constantFrom(...RAW_EVENT_NAMES), fc.oneof(jsonObject, nearTrade.map((t) => ({ ...tradeJson, ...t }))), (eventName, value) => {
        return isWellFormed(eventName, decodeRaw(eventName, utf8(JSON.stringify(value))));
      }),
      { numRuns: 3_000 },
    );
  });

  const TRADES_FILE = new URL('../../../../shared/data/trades-binance-spot-2024-08-08.ndjson', import.meta.url);
  const QUOTES_FILE = new URL('../../../../shared/data/quotes-binance-spot-btcusdt-2024-08-08.ndjson', import.meta.url);

  it.skipIf(!existsSync(TRADES_FILE) || !existsSync(QUOTES_FILE))('decodes every recorded trade and quote, and round-trips them through Avro', () => {
    const files = [
      ['RawTrade', TRADES_FILE],
      ['Quote', QUOTES_FILE],
    ] as const;
    for (const [eventName, file] of files) {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe(eventName === 'RawTrade' ? TRADE_LINE : QUOTE_LINE);
      for (const line of lines) {
        const value = expectValue(decodeRaw(eventName, utf8(line)));
        expect(expectValue(decode(eventName, encode(eventName, value)))).toEqual(value);
      }
    }
  });
});
