import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotError, type SnapshotErrorCode } from './errors';
import { SNAPSHOT_FORMAT_VERSION, decodeSnapshot, encodeSnapshot } from './snapshot-codec';

function sampleState() {
  return {
    watermark: { currentMs: 1_700_000_000_000, maxEventTsMs: 1_700_000_002_000 },
    windows: { sizeMs: 60_000, watermarkMs: -8.64e15, ends: [{ endMs: 60_000, keys: ['AAPL'], versions: [0], accs: [{ sum: 1.5, n: 3 }] }] },
    special: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, null, true, 'ü€'],
    map: new Map<string, number>([
      ['b', 2],
      ['a', 1],
    ]),
    nested: { deep: { deeper: [1, [2, [3]]] } },
  };
}

function codeOf(fn: () => unknown): SnapshotErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return (err as SnapshotError).code;
  }
  return undefined;
}

describe('snapshot codec', () => {
  it('round-trips plain data, Map (with insertion order), NaN, ±Infinity and -0', () => {
    const decoded = decodeSnapshot(encodeSnapshot(sampleState())) as ReturnType<typeof sampleState>;
    expect(decoded).toEqual(sampleState());
    expect(Object.is(decoded.special[3], -0)).toBe(true);
    expect(Number.isNaN(decoded.special[0])).toBe(true);
    expect([...decoded.map.keys()]).toEqual(['b', 'a']);
  });

  it('round-trips top-level primitives', () => {
    for (const v of [null, undefined, 0, -1, 'x', '', false, true, [], {}, 10n, -(2n ** 70n)]) expect(decodeSnapshot(encodeSnapshot(v))).toEqual(v);
  });

  it.each([
    ['max safe integer', Number.MAX_SAFE_INTEGER],
    ['min safe integer', Number.MIN_SAFE_INTEGER],
    ['2^53 (beyond safe: float64)', 2 ** 53],
    ['-8.64e15', -8.64e15],
    ['a fraction', 0.1 + 0.2],
    ['the smallest subnormal', Number.MIN_VALUE],
    ['the largest double', Number.MAX_VALUE],
  ])('round-trips numbers exactly: %s', (_name, n) => {
    expect(Object.is(decodeSnapshot(encodeSnapshot(n)), n)).toBe(true);
  });

  it('round-trips strings losslessly: non-ASCII, astral and lone surrogates', () => {
    for (const s of ['AAPL', 'é', '€uro', '𝄞 clef', '\ud800', 'a\udc00b', '\udbff\udfff', '\u0000', 'x'.repeat(20_000) + 'ü']) {
      expect(decodeSnapshot(encodeSnapshot({ [s]: s }))).toEqual({ [s]: s });
    }
  });

  it('round-trips a Float64Array, NaN and -0 included', () => {
    const col = Float64Array.from([1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 1_700_000_000_000]);
    const decoded = decodeSnapshot(encodeSnapshot({ col })) as { col: Float64Array };
    expect(decoded.col).toBeInstanceOf(Float64Array);
    expect(Object.is(decoded.col[1], -0)).toBe(true);
    expect([...decoded.col]).toEqual([...col]);
  });

  it('round-trips Set, Uint8Array and a "__proto__" key without touching prototypes', () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}, "b": 1}') as Record<string, unknown>;
    const decoded = decodeSnapshot(encodeSnapshot({ v, set: new Set(['b', 'a']), bytes: new Uint8Array([1, 2, 255]) })) as {
      v: Record<string, unknown>;
      set: Set<string>;
      bytes: Uint8Array;
    };
    expect(Object.getPrototypeOf(decoded.v)).toBe(Object.prototype);
    expect(Object.keys(decoded.v)).toEqual(['__proto__', 'b']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([...decoded.set]).toEqual(['b', 'a']);
    expect([...decoded.bytes]).toEqual([1, 2, 255]);
  });

  it('property: any plain value round-trips, and its bytes do not depend on how it was built', () => {
    const plain = fc.anything({ withMap: true, withSet: true, withBigInt: true, withNullPrototype: true, withTypedArray: false, maxDepth: 4 });
    fc.assert(
      fc.property(plain, (v) => {
        const bytes = encodeSnapshot(v);
        const decoded = decodeSnapshot(bytes);
        expect(decoded).toEqual(v);
        expect(Buffer.from(encodeSnapshot(decoded)).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(encodeSnapshot(structuredClone(v))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('starts with the TFS magic and the format version', () => {
    const bytes = encodeSnapshot({ a: 1 });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes.subarray(0, 4)]).toEqual([0x54, 0x46, 0x53, SNAPSHOT_FORMAT_VERSION]);
  });

  it('ends with a big-endian CRC-32 (IEEE) of the body', () => {
    expect(crc32Reference(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
    const bytes = encodeSnapshot(sampleState());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(bytes.length - 4)).toBe(crc32Reference(bytes.subarray(4, bytes.length - 4)));
  });

  it('is deterministic: the same value gives the same bytes, and decode → encode is the identity', () => {
    const a = encodeSnapshot(sampleState());
    const b = encodeSnapshot(sampleState());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(encodeSnapshot(decodeSnapshot(a))).equals(Buffer.from(a))).toBe(true);
  });

  it("is independent of V8's hidden representations (where node:v8 serialize is not)", () => {
    const computed = { sum: 0.5 };
    computed.sum += 2.5; // 3, computed through doubles
    const holey = new Array<number>(3);
    holey[0] = 1;
    holey[1] = 2;
    holey[2] = 3;
    const doubles = [1.5, 2, 3];
    doubles[0] = 1;
    const same = (x: unknown, y: unknown): boolean => Buffer.from(encodeSnapshot(x)).equals(Buffer.from(encodeSnapshot(y)));
    expect(same(computed, { sum: 3 })).toBe(true);
    expect(same(holey, [1, 2, 3])).toBe(true);
    expect(same(doubles, [1, 2, 3])).toBe(true);
    expect(same(structuredClone({ a: [1, 2, 3] }), { a: [1, 2, 3] })).toBe(true);
  });

  it('keeps insertion order significant (a different order is a different state)', () => {
    expect(Buffer.from(encodeSnapshot({ a: 1, b: 2 })).equals(Buffer.from(encodeSnapshot({ b: 2, a: 1 })))).toBe(false);
  });

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeSnapshot({ x: [1, 2, 3] });
    const big = new Uint8Array(bytes.length + 20);
    big.set(bytes, 7);
    expect(decodeSnapshot(big.subarray(7, 7 + bytes.length))).toEqual({ x: [1, 2, 3] });
  });

  describe('rejects bad bytes with a stable code', () => {
    const good = (): Uint8Array => encodeSnapshot(sampleState());

    it.each<[string, () => Uint8Array, SnapshotErrorCode]>([
      ['foreign bytes (JSON)', () => new TextEncoder().encode('{"currentMs":1}'), 'CKPT_BAD_MAGIC'],
      ['foreign bytes (node:v8 serialize output)', () => new Uint8Array([0xff, 0x0f, 0x49, 0x02]), 'CKPT_BAD_MAGIC'],
      ['wrong magic, right length', () => Object.assign(good(), { 1: 0x00 }), 'CKPT_BAD_MAGIC'],
      ['empty', () => new Uint8Array(0), 'CKPT_CORRUPT'],
      ['header only', () => good().subarray(0, 4), 'CKPT_CORRUPT'],
      ['truncated magic', () => good().subarray(0, 2), 'CKPT_CORRUPT'],
      ['a future format version', () => Object.assign(good(), { 3: SNAPSHOT_FORMAT_VERSION + 1 }), 'CKPT_UNSUPPORTED_VERSION'],
      ['format version 0', () => Object.assign(good(), { 3: 0 }), 'CKPT_UNSUPPORTED_VERSION'],
      ['truncated body', () => good().subarray(0, 30), 'CKPT_CORRUPT'],
      ['last byte dropped', () => good().subarray(0, good().length - 1), 'CKPT_CORRUPT'],
      ['trailing garbage', () => new Uint8Array([...good(), 0x00]), 'CKPT_CORRUPT'],
    ])('%s → %s', (_why, bytes, code) => {
      expect(codeOf(() => decodeSnapshot(bytes()))).toBe(code);
    });

    it('any single flipped bit in the body or checksum → CKPT_CORRUPT (numbers too, not just structure)', () => {
      const bytes = good();
      for (let i = 4; i < bytes.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const flipped = Uint8Array.from(bytes);
          flipped[i] = (flipped[i] as number) ^ bit;
          expect(codeOf(() => decodeSnapshot(flipped))).toBe('CKPT_CORRUPT');
        }
      }
    });

    it.each<[string, number[]]>([
      ['trailing bytes after the value', [0x01, 0x02, 0x03]],
      ['an unknown tag', [0x7f]],
      ['an overlong varint', [0x05, 0x80, 0x00]],
      ['a count beyond the bytes left', [0x08, 0x7f, 0x01]],
      ['a string cut short', [0x07, 0x05, 0x61]],
      ['invalid WTF-8', [0x07, 0x02, 0xc0, 0x80]],
      ['an integer beyond 2^53', [0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
      ['negative zero as an integer', [0x06, 0x00]],
      ['a malformed bigint', [0x0d, 0x02, 0x31, 0x78]],
      ['nesting deeper than 1000', [...new Array<number>(1001).fill(0x08).flatMap((t) => [t, 0x01]), 0x01]],
    ])('a checksummed body with %s → CKPT_CORRUPT', (_why, body) => {
      expect(codeOf(() => decodeSnapshot(forge(body)))).toBe('CKPT_CORRUPT');
    });
  });

  it('refuses to encode what is not plain data, naming where it is', () => {
    expect(codeOf(() => encodeSnapshot({ a: [{ f: () => 1 }] }))).toBe('CKPT_UNSERIALIZABLE');
    expect(() => encodeSnapshot({ a: [{ f: () => 1 }] })).toThrow(/a function at \.a\[0\]\.f/);
    expect(() => encodeSnapshot({ when: new Date(0) })).toThrow(/a Date at \.when/);
    expect(codeOf(() => encodeSnapshot({ s: Symbol('x') }))).toBe('CKPT_UNSERIALIZABLE');
    expect(codeOf(() => encodeSnapshot(new Int32Array(2)))).toBe('CKPT_UNSERIALIZABLE');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => encodeSnapshot(cyclic))).toBe('CKPT_UNSERIALIZABLE');
  });
});

/** A format-1 container with a valid checksum around an arbitrary body. */
function forge(body: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + body.length + 4);
  bytes.set([0x54, 0x46, 0x53, SNAPSHOT_FORMAT_VERSION], 0);
  bytes.set(body, 4);
  new DataView(bytes.buffer).setUint32(4 + body.length, crc32Reference(Uint8Array.from(body)));
  return bytes;
}
/** Bitwise CRC-32 (IEEE), independent of the table-driven one under test. */
function crc32Reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
