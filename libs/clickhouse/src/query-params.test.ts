import { describe, expect, it } from 'vitest';
import { ClickHouseError } from './errors';
import { MAX_DATETIME64_MS, MIN_DATETIME64_MS, checkDedupToken, checkTableName, formatDateTime64, normalizeParams } from './query-params';

describe('formatDateTime64', () => {
  it.each([
    [Date.UTC(2024, 0, 2, 14, 30, 0, 1), '2024-01-02 14:30:00.001'],
    [Date.UTC(2024, 0, 2, 14, 30, 0, 999), '2024-01-02 14:30:00.999'],
    [Date.UTC(2024, 1, 29, 23, 59, 59, 999), '2024-02-29 23:59:59.999'],
    [Date.UTC(2030, 11, 31, 23, 59, 59, 0), '2030-12-31 23:59:59.000'],
    [0, '1970-01-01 00:00:00.000'],
    [-1, '1969-12-31 23:59:59.999'],
    [MIN_DATETIME64_MS, '1900-01-01 00:00:00.000'],
    [MAX_DATETIME64_MS, '2299-12-31 23:59:59.999'],
  ])('%d ms → %s (UTC)', (ms, text) => {
    expect(formatDateTime64(ms)).toBe(text);
  });

  it.each([Number.NaN, Infinity, 1.5, MIN_DATETIME64_MS - 1, MAX_DATETIME64_MS + 1, 1e20])('has no exact form for %d', (ms) => {
    expect(formatDateTime64(ms)).toBeNull();
  });
});

describe('normalizeParams', () => {
  it('passes strings, numbers, bigints and null; Dates become UTC text (.sss only when not 0); booleans 1/0', () => {
    expect(
      normalizeParams({
        s: "x' OR 1=1 --",
        n: 1.5,
        i: -3,
        b: 12345678901234567890n,
        z: null,
        d: new Date(Date.UTC(2030, 5, 1, 0, 0, 0, 1)),
        t: true,
        f: false,
        a: ['a', new Date(Date.UTC(2024, 0, 1)), [1, 2]],
      }),
    ).toEqual({
      s: "x' OR 1=1 --",
      n: 1.5,
      i: -3,
      b: 12345678901234567890n,
      z: null,
      d: '2030-06-01 00:00:00.001',
      t: 1,
      f: 0,
      a: ['a', '2024-01-01 00:00:00', [1, 2]],
    });
    expect(normalizeParams(undefined)).toBeUndefined();
  });

  it.each([
    ['a name that could leave the placeholder', { 's} OR 1=1 --': 'x' }, /query parameter name/],
    ['a name starting with a digit', { '1a': 'x' }, /query parameter name/],
    ['NaN', { n: Number.NaN }, /n: expected a finite number/],
    ['Infinity inside an array', { a: [1, Infinity] }, /a\[1\]: expected a finite number/],
    ['an unsafe integer', { n: 2 ** 60 }, /beyond ±2\^53/],
    ['undefined', { u: undefined as unknown as null }, /u is undefined/],
    ['an invalid Date', { d: new Date(Number.NaN) }, /invalid Date/],
    ['an object', { o: { a: 1 } as unknown as string }, /unsupported value/],
  ])('rejects %s with CH_BAD_PARAM', (_name, params, message) => {
    const run = () => normalizeParams(params);
    expect(run).toThrow(ClickHouseError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (err) {
      expect((err as ClickHouseError).code).toBe('CH_BAD_PARAM');
    }
  });
});

describe('checkTableName', () => {
  it.each(['micro_bars', 'tickflow.micro_bars', '_t1'])('accepts %s', (name) => {
    expect(checkTableName(name)).toBe(name);
  });
  it.each(['', 'micro bars', 'x; DROP TABLE signals', 'micro_bars (symbol) SELECT 1', '`t`', 'a.b.c', '1t', "t'--"])('rejects %j', (name) => {
    expect(() => checkTableName(name)).toThrow(expect.objectContaining({ code: 'CH_BAD_PARAM' }));
  });
});

describe('checkDedupToken', () => {
  it.each(['enriched.trades:3:1200-1699', 'a', 'x'.repeat(256), 'p/q=r+s@t_u'])('accepts %s', (t) => {
    expect(checkDedupToken(t)).toBe(t);
  });
  it.each(['', 'x'.repeat(257), "a'; DROP TABLE signals; --", "a\\'; DROP TABLE signals; --", 'with space', 'new\nline'])('rejects %j', (t) => {
    expect(() => checkDedupToken(t)).toThrow(expect.objectContaining({ code: 'CH_BAD_PARAM' }));
  });
});
