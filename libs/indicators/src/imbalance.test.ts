import { describe, expect, it } from 'vitest';
import { imbalance } from './imbalance';

describe('imbalance', () => {
  it.each([
    [3, 1, 0.5],
    [1, 3, -0.5],
    [2, 2, 0],
    [5, 0, 1],
    [0, 5, -1],
    [0, 0, null],
    [null, 1, null],
    [1, undefined, null],
    [-1, 3, null],
    [9e-5, 1e-5, 0.8],
  ])('imbalance(%s, %s) = %s', (b, a, expected) => {
    const got = imbalance(b, a);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 15);
  });
});
