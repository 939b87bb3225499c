import { shiftedMoments } from './shifted-moments';
import {
  RECOMPUTE_EVERY_EVICTIONS,
  MAX_RING_CAPACITY,
  checkInitialCapacity,
  copyInOrder,
  isPowerOfTwo,
  ringFull,
} from './ring-capacity';
import { StateReader, checkDurationMs, invalidInput } from './validation';

/** JSON-able snapshot of a {@link RealizedVol}; restore with {@link RealizedVol.fromState}. */
export interface RealizedVolState {
  kind: 'realized-vol';
  version: 1;
  windowMs: number;
  /** Ring capacity (a power of two); kept so a restored instance grows — and recomputes — at the same update. */
  capacity: number;
  /** Event time of the latest update; null before the first. */
  latestTsMs: number | null;
  /** Close of the latest update; null before the first. */
  previousClose: number | null;
  /** Log returns in the window, oldest first, with the event time of the update that closed each. */
  tsMs: number[];
  returns: number[];
  /** Shift subtracted from every return inside the sums. */
  reference: number;
  /** Σ (r − reference) over the window. */
  sum: number;
  /** Σ (r − reference)² over the window. */
  sumSquares: number;
  /** Returns in the window that differ from `reference`. */
  offReference: number;
  /** Evictions since the sums were last recomputed from the ring. */
  evictionsSinceRecompute: number;
  /** Largest (r − reference)² added since the last recompute. */
  peakSquare: number;
}

/**
 * Realized volatility: population standard deviation (divide by n) of the log returns
 * ln(close_t / close_{t−1}) between consecutive updates whose event time lies in
 * `(latestTsMs − windowMs, latestTsMs]` (a return carries the time of the update that closes it).
 * Null until at least 2 returns are in the window. Dimensionless, per update interval — not
 * annualised. Returns are between consecutive updates whatever the gap between them (no bar for a
 * quiet second, so one return may span several seconds).
 *
 * Growable ring of (time, return) with running shifted sums Σd, Σd² (d = r − reference), recomputed
 * exactly on every capacity change, every 1024 evictions, and as soon as the variance becomes small
 * next to the largest d² added since the last recompute (a burst followed by a quiet window, where the
 * sums' rounding residue would otherwise dominate); reset to exact zeros when every return in the
 * window equals the reference (so a flat market gives exactly 0); negative variance is clamped to 0.
 * O(1) amortised, no allocation except when the ring doubles.
 *
 * Contract: close > 0 (else `INVALID_INPUT`), event times non-decreasing (else `INVALID_INPUT`);
 * inputs assumed finite (validated upstream).
 */
export class RealizedVol {
  readonly windowMs: number;
  private capacity: number;
  private mask: number;
  private tsCol: Float64Array;
  private returnCol: Float64Array;
  private head = 0;
  private size = 0;
  private latestTsMs = Number.NEGATIVE_INFINITY;
  private previousClose = 0;
  private reference = 0;
  private sum = 0;
  private sumSquares = 0;
  private offReference = 0;
  private evictionsSinceRecompute = 0;
  private peakSquare = 0;
  private sd = 0;

  /** @param initialCapacity ring entries allocated up front (rounded up to a power of two); it grows as needed. */
  constructor(windowMs = 60_000, initialCapacity = 128) {
    this.windowMs = checkDurationMs('RealizedVol', 'windowMs', windowMs);
    this.capacity = checkInitialCapacity('RealizedVol', initialCapacity);
    this.mask = this.capacity - 1;
    this.tsCol = new Float64Array(this.capacity);
    this.returnCol = new Float64Array(this.capacity);
  }

  /** Feeds one close (price > 0) at an event time in UTC epoch ms; returns the volatility after it. */
  update(close: number, eventTsMs: number): number | null {
    // Kept small so V8 inlines it into the caller's loop (a non-inlined call would box the returned
    // double); the longer paths are separate methods returning nothing.
    if (!(close > 0) || eventTsMs < this.latestTsMs) this.reject(close, eventTsMs);
    const first = this.latestTsMs === Number.NEGATIVE_INFINITY;
    this.latestTsMs = eventTsMs;
    const cutoff = eventTsMs - this.windowMs;
    if (this.size > 0 && (this.tsCol[this.head] as number) <= cutoff) this.evict(cutoff);
    if (!first) this.push(Math.log(close / this.previousClose), eventTsMs);
    this.previousClose = close;
    this.settle();
    return this.size >= 2 ? this.sd : null;
  }

  private reject(close: number, eventTsMs: number): never {
    if (!(close > 0)) throw invalidInput('RealizedVol', `close must be > 0, got ${close}`);
    throw invalidInput('RealizedVol', `event time went back from ${this.latestTsMs} to ${eventTsMs}`);
  }

  /** Drops the returns with ts ≤ cutoff from the front. */
  private evict(cutoff: number): void {
    const ts = this.tsCol;
    const returns = this.returnCol;
    const mask = this.mask;
    const ref = this.reference;
    let head = this.head;
    let size = this.size;
    let sum = this.sum;
    let sumSquares = this.sumSquares;
    let off = this.offReference;
    let evicted = 0;
    do {
      const d = (returns[head] as number) - ref;
      if (d !== 0) {
        sum -= d;
        sumSquares -= d * d;
        off--;
      }
      head = (head + 1) & mask;
      size--;
      evicted++;
    } while (size > 0 && (ts[head] as number) <= cutoff);
    this.head = head;
    this.size = size;
    this.sum = sum;
    this.sumSquares = sumSquares;
    this.offReference = off;
    this.evictionsSinceRecompute += evicted;
  }

  private push(r: number, eventTsMs: number): void {
    let grew = false;
    if (this.size === 0) {
      // Empty window: restart the sums exactly, shifted around this return.
      this.reference = r;
      this.sum = 0;
      this.sumSquares = 0;
      this.offReference = 0;
      this.peakSquare = 0;
      this.evictionsSinceRecompute = 0;
    } else if (this.size === this.capacity) {
      this.grow();
      grew = true;
    }
    const slot = (this.head + this.size) & this.mask;
    this.tsCol[slot] = eventTsMs;
    this.returnCol[slot] = r;
    this.size++;
    const d = r - this.reference;
    if (d !== 0) {
      const square = d * d;
      this.sum += d;
      this.sumSquares += square;
      this.offReference++;
      if (square > this.peakSquare) this.peakSquare = square;
    }
    if (grew) this.recompute();
  }

  /** Drift control and the cached σ, after the window changed. */
  private settle(): void {
    if (this.evictionsSinceRecompute >= RECOMPUTE_EVERY_EVICTIONS) this.recompute();
    else if (this.offReference === 0) {
      this.sum = 0;
      this.sumSquares = 0;
    }
    if (this.size < 2) return;
    let variance = this.variance();
    // Right after a recompute around a return of the window, variance ≥ peakSquare/(2·size), so this
    // fires only after new, larger returns came and went: amortised O(1).
    if (variance < this.peakSquare * Math.min(2 ** -10, 0.25 / this.size)) {
      this.recompute();
      variance = this.variance();
    }
    this.sd = variance > 0 ? Math.sqrt(variance) : 0;
  }

  /** Population σ of the log returns in the window; null while fewer than 2 returns are in it. */
  get value(): number | null {
    return this.size >= 2 ? this.sd : null;
  }

  get ready(): boolean {
    return this.size >= 2;
  }

  /** Number of returns in the window. */
  get length(): number {
    return this.size;
  }

  private variance(): number {
    const mean = this.sum / this.size;
    return this.sumSquares / this.size - mean * mean;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    if (capacity > MAX_RING_CAPACITY) throw ringFull('RealizedVol');
    const ts = new Float64Array(capacity);
    const returns = new Float64Array(capacity);
    copyInOrder(this.tsCol, this.head, this.size, ts);
    copyInOrder(this.returnCol, this.head, this.size, returns);
    this.tsCol = ts;
    this.returnCol = returns;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.head = 0;
  }

  /** Exact sums from the ring, oldest first, shifted around the newest return. */
  private recompute(): void {
    const ref = this.size > 0 ? (this.returnCol[(this.head + this.size - 1) & this.mask] as number) : 0;
    const m = shiftedMoments(this.returnCol, this.head, this.size, ref);
    this.reference = ref;
    this.sum = m.sum;
    this.sumSquares = m.sumSquares;
    this.offReference = m.offReference;
    this.evictionsSinceRecompute = 0;
    this.peakSquare = m.peakSquare;
  }


  toState(): RealizedVolState {
    const tsMs: number[] = [];
    const returns: number[] = [];
    for (let i = 0, j = this.head; i < this.size; i++, j = (j + 1) & this.mask) {
      tsMs.push(this.tsCol[j] as number);
      returns.push(this.returnCol[j] as number);
    }
    const started = this.latestTsMs !== Number.NEGATIVE_INFINITY;
    return {
      kind: 'realized-vol',
      version: 1,
      windowMs: this.windowMs,
      capacity: this.capacity,
      latestTsMs: started ? this.latestTsMs : null,
      previousClose: started ? this.previousClose : null,
      tsMs,
      returns,
      reference: this.reference,
      sum: this.sum,
      sumSquares: this.sumSquares,
      offReference: this.offReference,
      evictionsSinceRecompute: this.evictionsSinceRecompute,
      peakSquare: this.peakSquare,
    };
  }

  static fromState(state: RealizedVolState): RealizedVol {
    const r = new StateReader('RealizedVol', state, 'realized-vol', 1);
    const windowMs = r.integer('windowMs', 1, Number.MAX_SAFE_INTEGER);
    const capacity = r.integer('capacity', 1, MAX_RING_CAPACITY);
    r.require(isPowerOfTwo(capacity), 'state.capacity must be a power of two');
    const v = new RealizedVol(windowMs, capacity);
    const tsMs = r.numberArray('tsMs', capacity);
    const returns = r.numberArray('returns', capacity);
    r.require(returns.length === tsMs.length, 'state.tsMs and state.returns must have equal lengths');
    const latest = r.nullableNumber('latestTsMs');
    const previousClose = r.nullableNumber('previousClose');
    r.require((latest === null) === (previousClose === null), 'state.latestTsMs and state.previousClose must be both set or both null');
    r.require(previousClose === null || previousClose > 0, 'state.previousClose must be > 0');
    r.require(latest !== null || tsMs.length === 0, 'state.latestTsMs must be set when the window is not empty');
    for (let i = 0; i < tsMs.length; i++) {
      const t = tsMs[i] as number;
      r.require(i === 0 || t >= (tsMs[i - 1] as number), 'state.tsMs must be non-decreasing');
      r.require(latest !== null && t > latest - windowMs && t <= latest, 'state.tsMs must lie inside the window');
      v.tsCol[i] = t;
      v.returnCol[i] = returns[i] as number;
    }
    v.size = tsMs.length;
    v.latestTsMs = latest ?? Number.NEGATIVE_INFINITY;
    v.previousClose = previousClose ?? 0;
    v.reference = r.number('reference');
    v.sum = r.number('sum');
    v.sumSquares = r.number('sumSquares');
    v.offReference = r.integer('offReference', 0, tsMs.length);
    v.evictionsSinceRecompute = r.integer('evictionsSinceRecompute', 0, Number.MAX_SAFE_INTEGER);
    v.peakSquare = r.number('peakSquare');
    if (v.size >= 2) {
      // the state was taken after update() settled, so no early recompute is due here
      const variance = v.variance();
      v.sd = variance > 0 ? Math.sqrt(variance) : 0;
    }
    return v;
  }
}
