import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { parseInstant, parseRange } from './request-inputs';

describe('parseInstant', () => {
  it.each([
    ['1723123800000', Date.UTC(2024, 7, 8, 13, 30)],
    ['0', 0],
    ['-1', -1],
    ['2024-08-08', Date.UTC(2024, 7, 8)],
    ['2024-08-08T13:30Z', Date.UTC(2024, 7, 8, 13, 30)],
    ['2024-08-08T13:30:00Z', Date.UTC(2024, 7, 8, 13, 30)],
    ['2024-08-08t13:30:00z', Date.UTC(2024, 7, 8, 13, 30)],
    ['2024-08-08T13:30:00.5Z', Date.UTC(2024, 7, 8, 13, 30, 0, 500)],
    ['2024-08-08T13:30:00.123456789Z', Date.UTC(2024, 7, 8, 13, 30, 0, 123)],
    ['2024-08-08T15:30:00.001+02:00', Date.UTC(2024, 7, 8, 13, 30, 0, 1)],
    ['2024-08-08T08:00:00-05:30', Date.UTC(2024, 7, 8, 13, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['1900-01-01', Date.UTC(1900, 0, 1)],
    ['2299-12-31T23:59:59.999Z', Date.UTC(2299, 11, 31, 23, 59, 59, 999)],
  ])('%s → %i', (text, ms) => {
    expect(parseInstant(text, 'from')).toBe(ms);
  });

  it.each([
    ['yesterday', /expected ISO-8601/],
    ['2024-08-08T13:30:00', /expected ISO-8601 with an offset/], // no zone: a guess
    ['2024-08-08 13:30:00Z', /expected ISO-8601/],
    ['2023-02-29', /expected ISO-8601/],
    ['2024-04-31T00:00:00Z', /expected ISO-8601/],
    ['2024-13-01', /expected ISO-8601/],
    ['2024-08-08T24:00:00Z', /expected ISO-8601/],
    ['2024-08-08T23:60:00Z', /expected ISO-8601/],
    ['2024-08-08T23:59:60Z', /expected ISO-8601/],
    ['2024-08-08T00:00:00+24:00', /expected ISO-8601/],
    ['1.5e12', /expected ISO-8601/],
    ['12345678901234567', /expected ISO-8601/],
    ['', /expected ISO-8601/],
    ['1899-12-31', /outside 1900-01-01/],
    ['0050-01-01', /outside 1900-01-01/], // not 1950: Date.UTC's two-digit years do not apply
    ['2300-01-01', /outside/],
    ['-2208988800001', /outside/],
  ])('refuses %j with a 400 naming the parameter', (text, message) => {
    let err: unknown;
    try {
      parseInstant(text, 'to');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('VALIDATION_FAILED');
    expect((err as ApiError).detail).toMatch(/^invalid querystring: to: /);
    expect((err as ApiError).detail).toMatch(message);
    expect((err as ApiError).extra.errors).toEqual([{ location: 'querystring/to', message: expect.any(String) }]);
  });
});

describe('parseRange', () => {
  it('keeps what was given, and allows an empty range', () => {
    expect(parseRange({})).toEqual({});
    expect(parseRange({ from: '2024-08-08' })).toEqual({ fromMs: Date.UTC(2024, 7, 8) });
    expect(parseRange({ to: '5' })).toEqual({ toMs: 5 });
    expect(parseRange({ from: '5', to: '5' })).toEqual({ fromMs: 5, toMs: 5 });
  });

  it('refuses from after to', () => {
    expect(() => parseRange({ from: '6', to: '5' })).toThrow(/from \(1970-01-01T00:00:00.006Z\) is after to \(1970-01-01T00:00:00.005Z\)/);
  });
});
