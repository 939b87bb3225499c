import { describe, expect, it } from 'vitest';
import { AUTH_FAILURE_CLOSE_CODES, BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelayMs, isAuthFailure } from './public/reconnect-backoff.js';

const low = () => 0;
const high = () => 0.999_999_999;

describe('backoffDelayMs (capped exponential backoff with equal jitter)', () => {
  it('doubles the ceiling per attempt from 0.5 s and caps it at 15 s', () => {
    const ceilings = Array.from({ length: 8 }, (_, a) => backoffDelayMs(a, { random: high }));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(BACKOFF_BASE_MS).toBe(500);
    expect(BACKOFF_CAP_MS).toBe(15_000);
  });

  it('always waits at least half the ceiling (the jitter is the upper half)', () => {
    expect(Array.from({ length: 7 }, (_, a) => backoffDelayMs(a, { random: low }))).toEqual([250, 500, 1000, 2000, 4000, 7500, 7500]);
  });

  it('spreads delays over [ceiling / 2, ceiling] with the random source', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      const seen = new Set<number>();
      for (let i = 0; i < 200; i += 1) {
        const d = backoffDelayMs(attempt);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
        expect(Number.isInteger(d)).toBe(true);
        seen.add(d);
      }
      expect(seen.size).toBeGreaterThan(20); // jittered, not one value
    }
    expect(backoffDelayMs(3, { random: () => 0.5 })).toBe(3000);
  });

  it('never exceeds the cap, however many attempts failed (no overflow to Infinity or NaN)', () => {
    for (const attempt of [30, 64, 1023, 1024, 5000, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      const d = backoffDelayMs(attempt, { random: high });
      expect(d, String(attempt)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
      expect(Number.isFinite(d)).toBe(true);
    }
  });

  it('treats negative, fractional and non-numeric attempts as their floor ≥ 0', () => {
    expect(backoffDelayMs(-3, { random: high })).toBe(500);
    expect(backoffDelayMs(Number.NaN, { random: high })).toBe(500);
    expect(backoffDelayMs(2.9, { random: high })).toBe(2000);
  });

  it('clamps a random source outside [0, 1)', () => {
    expect(backoffDelayMs(0, { random: () => 7 })).toBe(500);
    expect(backoffDelayMs(0, { random: () => -1 })).toBe(250);
    expect(backoffDelayMs(0, { random: () => Number.NaN })).toBe(250);
  });

  it('takes its own base and cap, and refuses non-positive ones', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, { baseMs: 100, capMs: 300, random: high }))).toEqual([100, 200, 300, 300]);
    expect(backoffDelayMs(0, { baseMs: 1000, capMs: 400, random: low })).toBe(200); // a cap below the base wins
    expect(() => backoffDelayMs(0, { baseMs: 0 })).toThrow(RangeError);
    expect(() => backoffDelayMs(0, { capMs: -1 })).toThrow(RangeError);
  });
});

describe('isAuthFailure (close codes that end the retries)', () => {
  it.each([
    [4401, true], // Unauthorized: unknown, revoked or malformed key
    [4403, true], // Forbidden: the key's scopes
    [1000, false],
    [1001, false], // server shutting down
    [1006, false], // dropped without a close frame (server down, network)
    [1011, false],
    [1013, false],
    [4000, false], // our own watchdog
    [4408, false], // auth timeout: a new connection sends auth at once
    [4429, false],
    [4509, false], // slow consumer
  ])('%i → %s', (code, expected) => {
    expect(isAuthFailure(code)).toBe(expected);
  });

  it('lists exactly 4401 and 4403', () => {
    expect([...AUTH_FAILURE_CLOSE_CODES].sort()).toEqual([4401, 4403]);
  });
});
