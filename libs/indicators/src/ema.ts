import { MAX_PERIOD, StateReader, checkPeriod } from './validation';

/** JSON-able snapshot of an {@link Ema}; restore with {@link Ema.fromState}. */
export interface EmaState {
  kind: 'ema';
  version: 1;
  period: number;
  /** Updates seen, capped at `period` (the warm-up length). */
  count: number;
  /** Running sum of the inputs while warming up; 0 afterwards. */
  sum: number;
  /** Current EMA; null while warming up. */
  value: number | null;
}

/**
 * Exponential moving average, TA-Lib convention (`TA_EMA`): alpha = 2/(period+1); seeded with the
 * simple mean of the first `period` inputs, so the first value appears on the `period`-th update
 * (bar index period−1). Then `ema = (x − ema)·alpha + ema`, the exact operation order of TA-Lib,
 * so outputs are bit-identical to it. O(1) per update, no allocation.
 *
 * Inputs are assumed finite (validated upstream); the output has the unit of the input.
 */
export class Ema {
  readonly period: number;
  private readonly alpha: number;
  private count = 0;
  private sum = 0;
  private current = 0;

  constructor(period: number) {
    this.period = checkPeriod('Ema', 'period', period);
    this.alpha = 2 / (period + 1);
  }

  /** Feeds one input; returns the EMA after it, or null while warming up. */
  update(x: number): number | null {
    if (this.count === this.period) {
      this.current = (x - this.current) * this.alpha + this.current;
      return this.current;
    }
    this.sum += x;
    this.count++;
    if (this.count < this.period) return null;
    this.current = this.sum / this.period;
    this.sum = 0;
    return this.current;
  }

  /** Current EMA; null until `period` updates have been seen. */
  get value(): number | null {
    return this.count === this.period ? this.current : null;
  }

  get ready(): boolean {
    return this.count === this.period;
  }

  toState(): EmaState {
    const ready = this.count === this.period;
    return {
      kind: 'ema',
      version: 1,
      period: this.period,
      count: this.count,
      sum: this.sum,
      value: ready ? this.current : null,
    };
  }

  static fromState(state: EmaState): Ema {
    const r = new StateReader('Ema', state, 'ema', 1);
    const ema = new Ema(r.integer('period', 1, MAX_PERIOD));
    ema.count = r.integer('count', 0, ema.period);
    ema.sum = r.number('sum');
    const value = r.nullableNumber('value');
    r.require((value !== null) === (ema.count === ema.period), 'state.value must be set exactly when count = period');
    ema.current = value ?? 0;
    return ema;
  }
}
