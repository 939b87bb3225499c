// Internal helpers for the growable, power-of-two rings of the time-windowed indicators.
import { IndicatorErrorCode, IndicatorRangeError } from './errors';

/** Recompute running sums exactly from the ring after this many evictions (stops rounding drift). */
export const RECOMPUTE_EVERY_EVICTIONS = 1024;

/** Largest ring we grow to: 2^26 entries (3 × 512 MiB of Float64Array for RollingVwap). */
export const MAX_RING_CAPACITY = 2 ** 26;

export function checkInitialCapacity(owner: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_RING_CAPACITY) {
    throw new IndicatorRangeError(
      IndicatorErrorCode.INVALID_OPTION,
      `${owner}: initialCapacity must be an integer in [1, ${MAX_RING_CAPACITY}], got ${String(value)}`,
    );
  }
  return nextPowerOfTwo(value);
}

export function nextPowerOfTwo(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_RING_CAPACITY && nextPowerOfTwo(n) === n;
}

/** Copies the `size` live entries of ring `from` (oldest at `head`, wrapping at its end) to the front of `to`. */
export function copyInOrder(from: Float64Array, head: number, size: number, to: Float64Array): void {
  const firstPart = Math.min(size, from.length - head);
  to.set(from.subarray(head, head + firstPart), 0);
  if (firstPart < size) to.set(from.subarray(0, size - firstPart), firstPart);
}

export function ringFull(owner: string): IndicatorRangeError {
  return new IndicatorRangeError(
    IndicatorErrorCode.INVALID_INPUT,
    `${owner}: more than ${MAX_RING_CAPACITY} updates inside one window`,
  );
}
