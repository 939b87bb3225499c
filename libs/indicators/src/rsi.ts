import { MAX_PERIOD, StateReader, checkPeriod } from './validation';

/** JSON-able snapshot of an {@link Rsi}; restore with {@link Rsi.fromState}. */
export interface RsiState {
  kind: 'rsi';
  version: 1;
  period: number;
  /** Updates seen, capped at period + 1 (the warm-up length). */
  count: number;
  /** Previous input; null before the first update. */
  previous: number | null;
  /** Sum of gains while warming up, Wilder-smoothed average gain afterwards. */
  gain: number;
  /** Sum of losses (positive) while warming up, Wilder-smoothed average loss afterwards. */
  loss: number;
}

/**
 * Relative strength index, TA-Lib / Wilder convention (`TA_RSI`, default compatibility):
 * average gain and loss are seeded with the simple mean of the first `period` changes, then smoothed
 * as `avg = (avg·(period−1) + x) / period`; RSI = 100·(avgGain / (avgGain + avgLoss)). The first
 * value appears on update period+1 (bar index 14 for RSI(14)). Same operation order as TA-Lib, so the
 * outputs are bit-identical to it.
 *
 * Flat window (avgGain + avgLoss = 0): RSI is 0, as TA-Lib outputs — not 50. TA-Lib decides "zero"
 * with an absolute band (|sum| < 1e-8 in 0.4, 1e-14 in 0.6); we test for exact zero instead, so
 * instruments priced below a cent (changes ≪ 1e-8) are not reported as RSI 0.
 *
 * Output in [0, 100]. Inputs are assumed finite (validated upstream). O(1), no allocation.
 */
export class Rsi {
  readonly period: number;
  private readonly periodMinusOne: number;
  private count = 0;
  private previous = 0;
  private gain = 0;
  private loss = 0;
  private current = 0;

  constructor(period = 14) {
    this.period = checkPeriod('Rsi', 'period', period);
    this.periodMinusOne = period - 1;
  }

  /** Feeds one input; returns the RSI after it, or null while warming up. */
  update(x: number): number | null {
    const change = x - this.previous;
    this.previous = x;
    if (this.count > this.period) {
      let loss = this.loss * this.periodMinusOne;
      let gain = this.gain * this.periodMinusOne;
      if (change < 0) loss -= change;
      else gain += change;
      this.loss = loss / this.period;
      this.gain = gain / this.period;
      return (this.current = rsiOf(this.gain, this.loss));
    }
    if (this.count++ === 0) return null;
    if (change < 0) this.loss -= change;
    else this.gain += change;
    if (this.count <= this.period) return null;
    this.loss /= this.period;
    this.gain /= this.period;
    return (this.current = rsiOf(this.gain, this.loss));
  }

  /** Current RSI in [0, 100]; null until period+1 updates have been seen. */
  get value(): number | null {
    return this.count > this.period ? this.current : null;
  }

  get ready(): boolean {
    return this.count > this.period;
  }

  toState(): RsiState {
    return {
      kind: 'rsi',
      version: 1,
      period: this.period,
      count: this.count,
      previous: this.count === 0 ? null : this.previous,
      gain: this.gain,
      loss: this.loss,
    };
  }

  static fromState(state: RsiState): Rsi {
    const r = new StateReader('Rsi', state, 'rsi', 1);
    const rsi = new Rsi(r.integer('period', 1, MAX_PERIOD));
    rsi.count = r.integer('count', 0, rsi.period + 1);
    const previous = r.nullableNumber('previous');
    r.require((previous === null) === (rsi.count === 0), 'state.previous must be null exactly when count = 0');
    rsi.previous = previous ?? 0;
    rsi.gain = r.number('gain');
    rsi.loss = r.number('loss');
    r.require(rsi.gain >= 0 && rsi.loss >= 0, 'state.gain and state.loss must be ≥ 0');
    if (rsi.count > rsi.period) rsi.current = rsiOf(rsi.gain, rsi.loss);
    return rsi;
  }
}

function rsiOf(gain: number, loss: number): number {
  const sum = gain + loss;
  return sum === 0 ? 0 : 100 * (gain / sum);
}
