// Internal helpers: option checks for constructors and shape checks for `fromState`.
// Not exported from the package entry.
import { IndicatorErrorCode, IndicatorRangeError } from './errors';

/** TA-Lib's upper bound for every period option; also bounds the rings we allocate up front. */
export const MAX_PERIOD = 100_000;

export function checkPeriod(owner: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PERIOD) {
    throw new IndicatorRangeError(
      IndicatorErrorCode.INVALID_OPTION,
      `${owner}: ${name} must be an integer in [1, ${MAX_PERIOD}], got ${String(value)}`,
    );
  }
  return value;
}

export function checkDurationMs(owner: string, name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new IndicatorRangeError(
      IndicatorErrorCode.INVALID_OPTION,
      `${owner}: ${name} must be a positive integer number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

export function invalidInput(owner: string, message: string): IndicatorRangeError {
  return new IndicatorRangeError(IndicatorErrorCode.INVALID_INPUT, `${owner}: ${message}`);
}

/** Reads a snapshot produced by `toState`, failing with `INVALID_STATE` on any mismatch. */
export class StateReader {
  private readonly record: Record<string, unknown>;

  constructor(
    private readonly owner: string,
    state: unknown,
    kind: string,
    version: number,
  ) {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw this.fail('state must be an object');
    }
    this.record = state as Record<string, unknown>;
    if (this.record['kind'] !== kind) {
      throw this.fail(`state.kind must be '${kind}', got ${JSON.stringify(this.record['kind'])}`);
    }
    if (this.record['version'] !== version) {
      throw this.fail(`state.version must be ${version}, got ${JSON.stringify(this.record['version'])}`);
    }
  }

  number(key: string): number {
    const v = this.record[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.fail(`state.${key} must be a finite number`);
    return v;
  }

  integer(key: string, min: number, max: number): number {
    const v = this.number(key);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw this.fail(`state.${key} must be an integer in [${min}, ${max}], got ${v}`);
    }
    return v;
  }

  nullableNumber(key: string): number | null {
    const v = this.record[key];
    if (v === null) return null;
    return this.number(key);
  }

  numberArray(key: string, maxLength: number): number[] {
    const v = this.record[key];
    if (!Array.isArray(v) || v.length > maxLength) {
      throw this.fail(`state.${key} must be an array of at most ${maxLength} numbers`);
    }
    for (const x of v) {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw this.fail(`state.${key} must hold finite numbers only`);
    }
    return v as number[];
  }

  /** Cross-field invariant check. */
  require(condition: boolean, message: string): void {
    if (!condition) throw this.fail(message);
  }

  fail(message: string): IndicatorRangeError {
    return new IndicatorRangeError(IndicatorErrorCode.INVALID_STATE, `${this.owner}.fromState: ${message}`);
  }
}
