import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, retryDelayMs } from './delivery-backoff';

describe('retryDelayMs', () => {
  const base = { baseMs: 1000, capMs: 60_000, retryAfterMs: null, maxRetryAfterMs: 3_600_000 };

  it.each([
    // attempt, random, expected: uniform in [0, min(cap, base·2^(attempt−1)))
    [1, 0, 0],
    [1, 0.5, 500],
    [1, 0.999, 999],
    [2, 0.5, 1000],
    [3, 0.5, 2000],
    [6, 0.999, 31_968],
    [7, 0.5, 30_000], // 64 s capped to 60 s
    [20, 0.5, 30_000],
    [2000, 0.5, 30_000], // no overflow
  ])('attempt %i with random %f waits %i ms', (attempt, r, expected) => {
    expect(retryDelayMs({ ...base, attempt, random: () => r })).toBe(expected);
  });

  it('stays within [0, ceiling) with Math.random', () => {
    for (let i = 0; i < 1000; i++) {
      const d = retryDelayMs({ ...base, attempt: 3 });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(4000);
    }
  });

  it.each([
    [1000, 1000],
    [0, 0],
    [7_200_000, 3_600_000], // cut to maxRetryAfterMs
  ])('Retry-After of %i ms waits %i ms, whatever the attempt', (retryAfterMs, expected) => {
    expect(retryDelayMs({ ...base, attempt: 5, retryAfterMs, random: () => 0.9 })).toBe(expected);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2024-08-08T12:00:00Z');

  it.each([
    ['1', 1000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Thu, 08 Aug 2024 12:00:30 GMT', 30_000],
    ['Thu, 08 Aug 2024 11:00:00 GMT', 0],
    [['5', '9'], 5000],
  ] as const)('%j → %i ms', (value, expected) => {
    expect(parseRetryAfterMs(value as string | string[], now)).toBe(expected);
  });

  it.each([undefined, '', '-1', '1.5', 'soon', 'Thu, 08 Aug 2024 12:00:30', 'Xyz, 99 Foo 2024 12:00:30 GMT'])('%j is ignored', (value) => {
    expect(parseRetryAfterMs(value, now)).toBeNull();
  });
});
