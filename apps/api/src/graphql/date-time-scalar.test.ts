import { describe, expect, it } from 'vitest';
import { DateTimeScalar, parseIsoInstant } from './date-time-scalar';

describe('DateTime', () => {
  it.each([
    ['2024-01-02T14:30:00Z', Date.UTC(2024, 0, 2, 14, 30)],
    ['2024-01-02T14:30Z', Date.UTC(2024, 0, 2, 14, 30)],
    ['2024-01-02T14:30:00.123Z', Date.UTC(2024, 0, 2, 14, 30, 0, 123)],
    ['2024-01-02T14:30:00.1239999Z', Date.UTC(2024, 0, 2, 14, 30, 0, 123)],
    ['2024-01-02T15:30:00+01:00', Date.UTC(2024, 0, 2, 14, 30)],
    ['2024-01-02T09:00:00-05:30', Date.UTC(2024, 0, 2, 14, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('parses %s', (text, ms) => {
    expect(parseIsoInstant(text)).toBe(ms);
  });

  it.each([
    ['no zone (local time is ambiguous)', '2024-01-02T14:30:00'],
    ['a date only', '2024-01-02'],
    ['not a date', 'yesterday'],
    ['an impossible day', '2023-02-29T00:00:00Z'],
    ['an impossible hour', '2024-01-02T24:00:00Z'],
    ['out of DateTime64 range', '1899-12-31T23:59:59Z'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseIsoInstant(text)).toThrow(/DateTime/);
  });

  it('serializes epoch ms as UTC with milliseconds, and refuses anything else', () => {
    expect(DateTimeScalar.serialize(Date.UTC(2024, 0, 2, 14, 30, 0, 5))).toBe('2024-01-02T14:30:00.005Z');
    expect(() => DateTimeScalar.serialize('2024-01-02')).toThrow(/epoch milliseconds/);
    expect(() => DateTimeScalar.parseValue(1704205800000)).toThrow(/ISO-8601/);
  });
});
