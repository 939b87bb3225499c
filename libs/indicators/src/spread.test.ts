import { describe, expect, it } from 'vitest';
import { spread } from './spread';

describe('spread', () => {
  it.each([
    [61_837.63, 61_837.64, 61_837.64 - 61_837.63],
    [100, 100, 0],
    [101, 100, -1], // crossed book: returned as is
    [null, 100, null],
    [100, undefined, null],
    [0, 100, null], // an empty side is often sent as 0
    [100, 0, null],
    [-1, 100, null],
    [Number.NaN, 100, null],
  ])('spread(%s, %s) = %s', (bid, ask, expected) => {
    expect(spread(bid, ask)).toBe(expected);
  });
});
