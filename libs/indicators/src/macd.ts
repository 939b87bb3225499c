import { IndicatorErrorCode, IndicatorRangeError } from './errors';
import { MAX_PERIOD, StateReader, checkPeriod } from './validation';

/** JSON-able snapshot of a {@link Macd}; restore with {@link Macd.fromState}. */
export interface MacdState {
  kind: 'macd';
  version: 1;
  fastPeriod: number;
  slowPeriod: number;
  signalPeriod: number;
  /** Updates seen, capped at `slowPeriod` (after that the two EMAs run). */
  count: number;
  /** Running sum of the first `slowPeriod` inputs while warming up; 0 afterwards. */
  slowSum: number;
  /** The last min(count, fastPeriod) inputs, oldest first, while count < slowPeriod; empty afterwards. */
  recent: number[];
  fastEma: number | null;
  slowEma: number | null;
  /** MACD-line values seen since the EMAs started, capped at `signalPeriod`. */
  signalCount: number;
  /** Running sum of the first `signalPeriod` MACD-line values while the signal warms up; 0 afterwards. */
  signalSum: number;
  signalEma: number | null;
  /** Latest MACD line (fast − slow EMA); null before bar slowPeriod−1. */
  macd: number | null;
}

/**
 * MACD(fast, slow, signal), reproducing TA-Lib's `TA_MACD` exactly:
 * - both EMAs start at bar index slow−1: the slow EMA is seeded with the mean of bars 0..slow−1, the
 *   fast EMA with the mean of the last `fast` of them (bars slow−fast..slow−1) — not with the mean of
 *   bars 0..fast−1, as a standalone EMA(fast) would be. This is what makes TA-Lib's first MACD values
 *   differ from EMA12 − EMA26 computed independently (they converge after ~100 bars);
 * - macd = fastEma − slowEma; signal = EMA(signal) of the MACD line seeded with the mean of its first
 *   `signal` values; hist = macd − signal;
 * - all three outputs are null until the signal exists: first values on update number
 *   slow + signal − 1 (bar index 33 for 12/26/9).
 *
 * Warm-up keeps a fixed ring of the last `fast` inputs (allocated at construction). O(1) per update
 * after that; the one-off O(fast) seed sum runs once. Inputs are assumed finite.
 */
export class Macd {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly fastAlpha: number;
  private readonly slowAlpha: number;
  private readonly signalAlpha: number;
  /** Ring of the last `fast` inputs during warm-up; slot of the next write is `count % fast`. */
  private readonly recent: Float64Array;
  private count = 0;
  private slowSum = 0;
  private fastEma = 0;
  private slowEma = 0;
  private signalCount = 0;
  private signalSum = 0;
  private signalEma = 0;
  private line = 0;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.fastPeriod = checkPeriod('Macd', 'fast', fast);
    this.slowPeriod = checkPeriod('Macd', 'slow', slow);
    this.signalPeriod = checkPeriod('Macd', 'signal', signal);
    if (fast >= slow) {
      throw new IndicatorRangeError(
        IndicatorErrorCode.INVALID_OPTION,
        `Macd: fast period must be smaller than slow period, got fast=${fast} slow=${slow}`,
      );
    }
    this.fastAlpha = 2 / (fast + 1);
    this.slowAlpha = 2 / (slow + 1);
    this.signalAlpha = 2 / (signal + 1);
    this.recent = new Float64Array(fast);
  }

  /** Feeds one input; returns true when `macd`, `signal` and `hist` are available. */
  update(x: number): boolean {
    if (this.count < this.slowPeriod) {
      this.slowSum += x;
      this.recent[this.count % this.fastPeriod] = x;
      this.count++;
      if (this.count < this.slowPeriod) return false;
      // Bar slow−1: seed both EMAs here, as TA_INT_MACD does (fast seed = mean of the last `fast`
      // inputs, summed oldest first like TA-Lib's loop so the seed is bit-identical).
      let sum = 0;
      const oldest = this.count % this.fastPeriod;
      for (let i = 0; i < this.fastPeriod; i++) {
        const j = oldest + i;
        sum += this.recent[j < this.fastPeriod ? j : j - this.fastPeriod] as number;
      }
      this.fastEma = sum / this.fastPeriod;
      this.slowEma = this.slowSum / this.slowPeriod;
      this.slowSum = 0;
      this.recent.fill(0);
    } else {
      this.fastEma = (x - this.fastEma) * this.fastAlpha + this.fastEma;
      this.slowEma = (x - this.slowEma) * this.slowAlpha + this.slowEma;
    }
    const line = this.fastEma - this.slowEma;
    this.line = line;
    if (this.signalCount === this.signalPeriod) {
      this.signalEma = (line - this.signalEma) * this.signalAlpha + this.signalEma;
      return true;
    }
    this.signalSum += line;
    this.signalCount++;
    if (this.signalCount < this.signalPeriod) return false;
    this.signalEma = this.signalSum / this.signalPeriod;
    this.signalSum = 0;
    return true;
  }

  get ready(): boolean {
    return this.signalCount === this.signalPeriod;
  }

  /** MACD line (fast EMA − slow EMA), in input units; null until the signal exists. */
  get macd(): number | null {
    return this.signalCount === this.signalPeriod ? this.line : null;
  }

  /** Signal line (EMA of the MACD line); null while warming up. */
  get signal(): number | null {
    return this.signalCount === this.signalPeriod ? this.signalEma : null;
  }

  /** Histogram = macd − signal; null while warming up. */
  get hist(): number | null {
    return this.signalCount === this.signalPeriod ? this.line - this.signalEma : null;
  }

  toState(): MacdState {
    const started = this.count === this.slowPeriod;
    const recent: number[] = [];
    if (!started) {
      const n = Math.min(this.count, this.fastPeriod);
      for (let i = this.count - n; i < this.count; i++) recent.push(this.recent[i % this.fastPeriod] as number);
    }
    return {
      kind: 'macd',
      version: 1,
      fastPeriod: this.fastPeriod,
      slowPeriod: this.slowPeriod,
      signalPeriod: this.signalPeriod,
      count: this.count,
      slowSum: this.slowSum,
      recent,
      fastEma: started ? this.fastEma : null,
      slowEma: started ? this.slowEma : null,
      signalCount: this.signalCount,
      signalSum: this.signalSum,
      signalEma: this.signalCount === this.signalPeriod ? this.signalEma : null,
      macd: started ? this.line : null,
    };
  }

  static fromState(state: MacdState): Macd {
    const r = new StateReader('Macd', state, 'macd', 1);
    const fast = r.integer('fastPeriod', 1, MAX_PERIOD);
    const slow = r.integer('slowPeriod', 1, MAX_PERIOD);
    const signal = r.integer('signalPeriod', 1, MAX_PERIOD);
    r.require(fast < slow, 'state.fastPeriod must be smaller than state.slowPeriod');
    const m = new Macd(fast, slow, signal);
    m.count = r.integer('count', 0, slow);
    m.slowSum = r.number('slowSum');
    const started = m.count === slow;
    const recent = r.numberArray('recent', fast);
    r.require(recent.length === (started ? 0 : Math.min(m.count, fast)), 'state.recent has the wrong length');
    for (let i = 0; i < recent.length; i++) m.recent[(m.count - recent.length + i) % fast] = recent[i] as number;
    const fastEma = r.nullableNumber('fastEma');
    const slowEma = r.nullableNumber('slowEma');
    const line = r.nullableNumber('macd');
    r.require(
      (fastEma !== null) === started && (slowEma !== null) === started && (line !== null) === started,
      'state.fastEma, state.slowEma and state.macd must be set exactly when count = slowPeriod',
    );
    m.fastEma = fastEma ?? 0;
    m.slowEma = slowEma ?? 0;
    m.line = line ?? 0;
    m.signalCount = r.integer('signalCount', 0, signal);
    r.require(started || m.signalCount === 0, 'state.signalCount must be 0 before count = slowPeriod');
    r.require(!started || m.signalCount >= 1, 'state.signalCount must be ≥ 1 once count = slowPeriod');
    m.signalSum = r.number('signalSum');
    const signalEma = r.nullableNumber('signalEma');
    r.require((signalEma !== null) === (m.signalCount === signal), 'state.signalEma must be set exactly when signalCount = signalPeriod');
    m.signalEma = signalEma ?? 0;
    return m;
  }
}
