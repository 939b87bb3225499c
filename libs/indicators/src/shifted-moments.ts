// Internal helper shared by the windowed variance indicators (Bollinger, RealizedVol).

/** Sums of a window's deviations from a reference value: what a variance needs, without cancellation. */
export interface ShiftedMoments {
  /** Σ (x − reference) */
  sum: number;
  /** Σ (x − reference)² */
  sumSquares: number;
  /** How many values differ from the reference (0 → the window is flat: variance exactly 0). */
  offReference: number;
  /** Largest (x − reference)²: the scale against which a small variance is judged imprecise. */
  peakSquare: number;
}

/**
 * Exact shifted moments of the `count` values of `ring` starting at `start` (oldest first, wrapping at
 * the ring's end). Runs only on a recompute (amortised O(1) per update), so it may allocate.
 */
export function shiftedMoments(ring: Float64Array, start: number, count: number, reference: number): ShiftedMoments {
  const len = ring.length;
  let sum = 0;
  let sumSquares = 0;
  let offReference = 0;
  let peakSquare = 0;
  for (let i = 0; i < count; i++) {
    const j = start + i;
    const d = (ring[j < len ? j : j - len] as number) - reference;
    if (d !== 0) {
      const square = d * d;
      sum += d;
      sumSquares += square;
      offReference++;
      if (square > peakSquare) peakSquare = square;
    }
  }
  return { sum, sumSquares, offReference, peakSquare };
}
