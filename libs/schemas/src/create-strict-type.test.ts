import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyReadError, createStrictType } from './create-strict-type';

const record = (fields: unknown[], name = 'R'): unknown => ({ type: 'record', name, fields });

function readError(fn: () => unknown): BodyReadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BodyReadError);
    return err as BodyReadError;
  }
  throw new Error('expected a BodyReadError');
}

describe('createStrictType', () => {
  const longs = createStrictType(record([{ name: 'n', type: 'long' }]));
  const plainLongs = avro.Type.forSchema(record([{ name: 'n', type: 'long' }]) as avro.Schema);

  it.each([0, 1, -1, 63, -64, 64, 1_723_161_255_342, -1_723_161_255_342, 2 ** 52 + 1, -(2 ** 52) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])(
    'round-trips long %d exactly, with the standard zigzag varint encoding',
    (n) => {
      const buf = longs.toBuffer({ n });
      expect(longs.fromBuffer(buf)).toEqual({ n });
      if (Math.abs(n) <= 2 ** 52) expect(buf).toEqual(plainLongs.toBuffer({ n })); // avsc is exact there
    },
  );

  it('matches the zigzag encoding of a BigInt-exact reference over the whole safe range', () => {
    const zigzag = (n: bigint): number[] => {
      let z = n >= 0n ? n << 1n : ((-n - 1n) << 1n) | 1n;
      const out: number[] = [];
      do {
        const low = Number(z & 0x7fn);
        z >>= 7n;
        out.push(z > 0n ? low | 0x80 : low);
      } while (z > 0n);
      return out;
    };
    for (let i = 0; i < 2_000; i++) {
      const n = Math.floor((Math.random() * 2 - 1) * Number.MAX_SAFE_INTEGER);
      expect([...longs.toBuffer({ n })]).toEqual(zigzag(BigInt(n)));
      expect(longs.fromBuffer(Buffer.from(zigzag(BigInt(n))))).toEqual({ n });
    }
  });

  it('reads a long beyond ±(2^53 − 1) as LONG_OUT_OF_RANGE, never a rounded number', () => {
    const bigLongs = avro.Type.forSchema(record([{ name: 'n', type: 'long' }]) as avro.Schema, {
      registry: {
        long: avro.types.LongType.__with({
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
        }),
      },
    });
    for (const n of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(readError(() => longs.fromBuffer(bigLongs.toBuffer({ n }))).code).toBe('LONG_OUT_OF_RANGE');
    }
    expect(longs.fromBuffer(bigLongs.toBuffer({ n: 2n ** 53n - 1n }))).toEqual({ n: Number.MAX_SAFE_INTEGER });
    expect(readError(() => longs.fromBuffer(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).code).toBe('MALFORMED_BODY');
    expect(() => longs.toBuffer({ n: 2 ** 53 })).toThrow();
    expect(longs.isValid({ n: 2 ** 53 })).toBe(false);
    expect(longs.isValid({ n: 1.5 })).toBe(false);
  });

  it('rejects non-finite doubles when reading, writing and validating', () => {
    const doubles = createStrictType(record([{ name: 'x', type: 'double' }, { name: 'y', type: ['null', 'double'], default: null }]));
    const plain = avro.Type.forSchema(record([{ name: 'x', type: 'double' }, { name: 'y', type: ['null', 'double'], default: null }]) as avro.Schema);
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(readError(() => doubles.fromBuffer(plain.toBuffer({ x: bad, y: null }))).code).toBe('NOT_FINITE');
      expect(readError(() => doubles.fromBuffer(plain.toBuffer({ x: 1, y: bad }))).code).toBe('NOT_FINITE');
      expect(() => doubles.toBuffer({ x: bad, y: null })).toThrow();
      expect(doubles.isValid({ x: 1, y: bad })).toBe(false);
    }
    expect(doubles.fromBuffer(doubles.toBuffer({ x: -0.5, y: 1e308 }))).toEqual({ x: -0.5, y: 1e308 });
  });

  it('rejects an int varint wider than 32 bits and a boolean byte other than 0/1', () => {
    const ints = createStrictType(record([{ name: 'i', type: 'int' }]));
    expect(readError(() => ints.fromBuffer(plainLongs.toBuffer({ n: 2 ** 40 }))).code).toBe('MALFORMED_BODY');
    expect(ints.fromBuffer(plainLongs.toBuffer({ n: -(2 ** 31) }))).toEqual({ i: -(2 ** 31) });
    const booleans = createStrictType(record([{ name: 'b', type: 'boolean' }]));
    expect(booleans.fromBuffer(Buffer.from([1]))).toEqual({ b: true });
    expect(readError(() => booleans.fromBuffer(Buffer.from([2]))).code).toBe('MALFORMED_BODY');
  });

  it('stops at an array block count larger than the bytes left, instead of looping over it', () => {
    const levels = createStrictType(
      record([{ name: 'levels', type: { type: 'array', items: record([{ name: 'p', type: 'double' }], 'Level') } }]),
    );
    // Block count 2^31 - 1 (zigzag varint), then nothing: avsc alone would allocate and loop 2^31 times.
    const started = Date.now();
    const { offset } = levels.decode(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]), 0);
    expect(offset).toBe(-1);
    expect(Date.now() - started).toBeLessThan(1_000); // looping over the claimed count would take seconds
    // Negative block counts (with a byte size) are read too.
    const plain = avro.Type.forSchema(record([{ name: 'levels', type: { type: 'array', items: 'double' } }]) as avro.Schema);
    const strict = createStrictType(record([{ name: 'levels', type: { type: 'array', items: 'double' } }]));
    const sized = Buffer.concat([Buffer.from([0x03, 0x20]), plain.toBuffer({ levels: [1, 2] }).subarray(1)]); // count -2, 16 bytes
    expect(strict.fromBuffer(sized)).toEqual({ levels: [1, 2] });
  });

  it('reads strings exactly as avsc does, short ASCII fast path included', () => {
    const strict = createStrictType(record([{ name: 's', type: 'string' }, { name: 'n', type: 'int' }]));
    const plain = avro.Type.forSchema(record([{ name: 's', type: 'string' }, { name: 'n', type: 'int' }]) as avro.Schema);
    for (const s of ['', 'A', 'BTCUSDT', 'x'.repeat(24), 'x'.repeat(25), 'trader ✓ 東京', 'é', `${'a'.repeat(23)}é`, 'x'.repeat(100_000)]) {
      expect(strict.fromBuffer(plain.toBuffer({ s, n: 7 }))).toEqual({ s, n: 7 });
    }
    // Arbitrary bytes as string content (invalid UTF-8 included): same value as avsc, or both fail.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const body = Buffer.concat([plainLongs.toBuffer({ n: bytes.length }), Buffer.from(bytes), Buffer.from([14])]);
        expect(strict.fromBuffer(body)).toEqual(plain.fromBuffer(body));
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts any Uint8Array for bytes, and decodes to a Buffer', () => {
    const bytes = createStrictType(record([{ name: 'b', type: 'bytes' }]));
    const value = { b: new Uint8Array([1, 2, 3]) };
    expect(bytes.isValid(value)).toBe(true);
    expect(bytes.fromBuffer(bytes.toBuffer(value))).toEqual({ b: Buffer.from([1, 2, 3]) });
  });

  it('refuses arrays of items that take no bytes (the block-count bound would not hold)', () => {
    expect(() => createStrictType(record([{ name: 'a', type: { type: 'array', items: 'null' } }]))).toThrow(/at least one byte/);
  });
});
