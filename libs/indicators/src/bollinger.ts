import { shiftedMoments } from './shifted-moments';
import { IndicatorErrorCode, IndicatorRangeError } from './errors';
import { MAX_PERIOD, StateReader, checkPeriod } from './validation';

/** JSON-able snapshot of a {@link Bollinger}; restore with {@link Bollinger.fromState}. */
export interface BollingerState {
  kind: 'bollinger';
  version: 1;
  period: number;
  k: number;
  /** The last min(updates, period) inputs, oldest first. */
  window: number[];
  /** Shift subtracted from every input before it enters the sums; null before the first update. */
  reference: number | null;
  /** Σ(x − reference) over the window. */
  sum: number;
  /** Σ(x − reference)² over the window. */
  sumSquares: number;
  /** Inputs in the window that differ from `reference`. */
  offReference: number;
  /** Updates since the sums were last recomputed from the window. */
  sinceRecompute: number;
  /** Largest (x − reference)² added since the last recompute. */
  peakSquare: number;
}

/**
 * Bollinger bands, TA-Lib `TA_BBANDS(period, k, k, SMA)` convention: middle = SMA(period),
 * upper/lower = middle ± k·σ with the population standard deviation (divide by N, ddof 0). First
 * values on the `period`-th update (bar index 19 for 20).
 *
 * O(1) per update with a fixed ring and running sums. The sums are of the inputs shifted by a
 * reference value (first input, then the newest input at each recompute), so the variance
 * Σd²/N − (Σd/N)² does not cancel catastrophically at large price levels (BTC ≈ 61,837 with σ ≈ 1
 * would otherwise lose ~8 digits); they are recomputed exactly from the ring every `period` updates
 * (amortised O(1)) so rounding cannot drift. A negative variance is clamped to 0, and a window whose
 * inputs all equal the reference has σ exactly 0 (so a flat window gives upper = middle = lower).
 *
 * TA-Lib itself uses unshifted running sums and zeroes any variance below its epsilon; on normal data
 * the two agree to ~1e-12 relative. Inputs are assumed finite; outputs have the input's unit.
 */
export class Bollinger {
  readonly period: number;
  readonly k: number;
  private readonly ring: Float64Array;
  /** Slot of the oldest input once the ring is full; slot of the next write. */
  private head = 0;
  private count = 0;
  private reference = 0;
  private sum = 0;
  private sumSquares = 0;
  private offReference = 0;
  private sinceRecompute = 0;
  private peakSquare = 0;
  /** Recompute early when variance < peakSquare·this (see update). */
  private readonly cancellationLimit: number;
  private mid = 0;
  private sd = 0;

  constructor(period = 20, k = 2) {
    this.period = checkPeriod('Bollinger', 'period', period);
    if (!Number.isFinite(k) || k < 0) {
      throw new IndicatorRangeError(
        IndicatorErrorCode.INVALID_OPTION,
        `Bollinger: k must be a finite number ≥ 0, got ${String(k)}`,
      );
    }
    this.k = k;
    this.ring = new Float64Array(period);
    // Right after a recompute around a value of the window, variance ≥ peakSquare/(2·period), so a
    // limit below 1/(2·period) can only fire again after new, larger deviations (amortised O(1)).
    this.cancellationLimit = Math.min(2 ** -10, 1 / (4 * period));
  }

  /** Feeds one input; returns true when the bands are available. */
  update(x: number): boolean {
    const n = this.period;
    if (this.count === 0) this.reference = x;
    const ref = this.reference;
    if (this.count === n) {
      const old = (this.ring[this.head] as number) - ref;
      this.sum -= old;
      this.sumSquares -= old * old;
      if (old !== 0) this.offReference--;
    } else {
      this.count++;
    }
    this.ring[this.head] = x;
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    const d = x - ref;
    if (d !== 0) {
      const square = d * d;
      this.sum += d;
      this.sumSquares += square;
      this.offReference++;
      if (square > this.peakSquare) this.peakSquare = square;
    }
    if (++this.sinceRecompute >= n) this.recompute(x);
    else if (this.offReference === 0) {
      this.sum = 0;
      this.sumSquares = 0;
    }
    if (this.count < n) return false;
    let mean = this.sum / n;
    let variance = this.sumSquares / n - mean * mean;
    // The sums carry rounding residue of order eps·peakSquare from values added since the last
    // recompute; once the variance is small next to that (a big move followed by a quiet window),
    // recompute now instead of waiting for the scheduled one.
    if (variance < this.peakSquare * this.cancellationLimit && this.sinceRecompute !== 0) {
      this.recompute(x);
      mean = this.sum / n;
      variance = this.sumSquares / n - mean * mean;
    }
    this.mid = this.reference + mean;
    this.sd = variance > 0 ? Math.sqrt(variance) : 0;
    return true;
  }

  /** Recomputes the shifted sums from the ring, oldest first, around a new reference. */
  private recompute(reference: number): void {
    const m = shiftedMoments(this.ring, this.count === this.period ? this.head : 0, this.count, reference);
    this.reference = reference;
    this.sum = m.sum;
    this.sumSquares = m.sumSquares;
    this.offReference = m.offReference;
    this.sinceRecompute = 0;
    this.peakSquare = m.peakSquare;
  }

  get ready(): boolean {
    return this.count === this.period;
  }

  /** Middle band = SMA(period); null while warming up. */
  get middle(): number | null {
    return this.count === this.period ? this.mid : null;
  }

  /** Upper band = middle + k·σ; null while warming up. */
  get upper(): number | null {
    return this.count === this.period ? this.mid + this.sd * this.k : null;
  }

  /** Lower band = middle − k·σ; null while warming up. */
  get lower(): number | null {
    return this.count === this.period ? this.mid - this.sd * this.k : null;
  }

  /** Population standard deviation σ of the window; null while warming up. */
  get stddev(): number | null {
    return this.count === this.period ? this.sd : null;
  }

  toState(): BollingerState {
    const n = this.period;
    const start = this.count === n ? this.head : 0;
    const window: number[] = [];
    for (let i = 0; i < this.count; i++) window.push(this.ring[(start + i) % n] as number);
    return {
      kind: 'bollinger',
      version: 1,
      period: n,
      k: this.k,
      window,
      reference: this.count === 0 ? null : this.reference,
      sum: this.sum,
      sumSquares: this.sumSquares,
      offReference: this.offReference,
      sinceRecompute: this.sinceRecompute,
      peakSquare: this.peakSquare,
    };
  }

  static fromState(state: BollingerState): Bollinger {
    const r = new StateReader('Bollinger', state, 'bollinger', 1);
    const k = r.number('k');
    r.require(k >= 0, 'state.k must be ≥ 0');
    const b = new Bollinger(r.integer('period', 1, MAX_PERIOD), k);
    const n = b.period;
    const window = r.numberArray('window', n);
    const reference = r.nullableNumber('reference');
    r.require((reference === null) === (window.length === 0), 'state.reference must be null exactly when the window is empty');
    b.count = window.length;
    for (let i = 0; i < window.length; i++) b.ring[i] = window[i] as number;
    b.head = b.count === n ? 0 : b.count;
    b.reference = reference ?? 0;
    b.sum = r.number('sum');
    b.sumSquares = r.number('sumSquares');
    b.offReference = r.integer('offReference', 0, window.length);
    b.sinceRecompute = r.integer('sinceRecompute', 0, n - 1);
    b.peakSquare = r.number('peakSquare');
    if (b.count === n) {
      // the state was taken after update() settled, so no early recompute is due here
      const mean = b.sum / n;
      b.mid = b.reference + mean;
      const variance = b.sumSquares / n - mean * mean;
      b.sd = variance > 0 ? Math.sqrt(variance) : 0;
    }
    return b;
  }
}
