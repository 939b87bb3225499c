import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ema } from './ema';
import { IndicatorErrorCode, IndicatorRangeError } from './errors';

describe('Ema', () => {
  it('is null for period−1 updates, then seeded with the SMA of the first period inputs', () => {
    const ema = new Ema(3);
    expect(ema.update(1)).toBeNull();
    expect(ema.value).toBeNull();
    expect(ema.update(2)).toBeNull();
    expect(ema.ready).toBe(false);
    expect(ema.update(6)).toBe(3); // (1 + 2 + 6) / 3
    expect(ema.value).toBe(3);
    expect(ema.ready).toBe(true);
    // alpha = 2 / (3 + 1) = 0.5
    expect(ema.update(5)).toBe(4);
    expect(ema.update(0)).toBe(2);
  });

  it('matches the TA-Lib recurrence (x − ema)·alpha + ema bit for bit on random series', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.double({ min: 1, max: 1e5, noNaN: true }), { maxLength: 120 }),
        (period, xs) => {
          const ema = new Ema(period);
          const alpha = 2 / (period + 1);
          let sum = 0;
          let model: number | null = null;
          xs.forEach((x, i) => {
            if (i < period) {
              sum += x;
              if (i === period - 1) model = sum / period;
            } else {
              model = (x - (model as number)) * alpha + (model as number);
            }
            expect(ema.update(x)).toBe(model);
          });
        },
      ),
    );
  });

  it('Ema(1) is the identity', () => {
    const ema = new Ema(1);
    for (const x of [3, 1.5, 1e9, 7]) expect(ema.update(x)).toBe(x);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 100_001])('rejects period %s with a RangeError', (period) => {
    expect(() => new Ema(period)).toThrow(RangeError);
    try {
      new Ema(period);
    } catch (e) {
      expect(e).toBeInstanceOf(IndicatorRangeError);
      expect((e as IndicatorRangeError).code).toBe(IndicatorErrorCode.INVALID_OPTION);
      expect((e as Error).message).toMatch(/Ema: period must be an integer in \[1, 100000\]/);
    }
  });
});
