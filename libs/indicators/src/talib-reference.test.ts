// Reference test against TA-Lib C 0.6.0 outputs recorded in /work/shared/data/indicators/.
// Tolerance: pure relative error, |ours − talib| ≤ 1e-9·|talib| (so an exact 0 must be matched
// exactly). EMA, MACD and RSI reproduce TA-Lib's operation order and are in fact bit-identical,
// which is asserted too; Bollinger uses shifted sums where TA-Lib uses raw running sums, and agrees
// to ~1e-13 relative.
import { describe, expect, it } from 'vitest';
import { Bollinger, Ema, Macd, Rsi } from './index';
import { readIndicatorCsv, readTalibCheckpoints, relativeError } from './reference-data.test-helper';
import type { CsvRow } from './reference-data.test-helper';

const TOLERANCE = 1e-9;
/** Half a unit of the 6th decimal: the rounding of the checkpoints' `abs_diff` field. */
const ABS_DIFF_ROUNDING = 5e-7;

const COLUMNS = [
  'ema12',
  'ema26',
  'macd',
  'macd_signal',
  'macd_hist',
  'rsi14',
  'bb_upper',
  'bb_middle',
  'bb_lower',
] as const;
type Column = (typeof COLUMNS)[number];

/** Our value of every reference column after each close of the series. */
function replay(rows: CsvRow[]): Record<Column, number | null>[] {
  const ema12 = new Ema(12);
  const ema26 = new Ema(26);
  const macd = new Macd(12, 26, 9);
  const rsi = new Rsi(14);
  const bb = new Bollinger(20, 2);
  return rows.map((row) => {
    const close = row['close'];
    if (close == null) throw new Error('row without close');
    ema12.update(close);
    ema26.update(close);
    macd.update(close);
    rsi.update(close);
    bb.update(close);
    return {
      ema12: ema12.value,
      ema26: ema26.value,
      macd: macd.macd,
      macd_signal: macd.signal,
      macd_hist: macd.hist,
      rsi14: rsi.value,
      bb_upper: bb.upper,
      bb_middle: bb.middle,
      bb_lower: bb.lower,
    };
  });
}

describe.each(['talib_regtest_252bars_talib.csv', 'orcl_2000_daily_talib.csv'])('TA-Lib reference %s', (file) => {
  const rows = readIndicatorCsv(file);
  const ours = replay(rows);

  it('has the expected shape', () => {
    expect(rows.length).toBe(252);
    expect(ours.length).toBe(rows.length);
  });

  it.each(COLUMNS)('%s: null exactly where TA-Lib is empty, within 1e-9 relative elsewhere', (column) => {
    let compared = 0;
    rows.forEach((row, i) => {
      const expected = row[column] ?? null;
      const actual = ours[i]?.[column] ?? null;
      if (expected === null) {
        expect(actual, `${column} bar ${i} must be null`).toBeNull();
        return;
      }
      expect(actual, `${column} bar ${i} must be a number`).not.toBeNull();
      expect(relativeError(actual as number, expected), `${column} bar ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
        TOLERANCE,
      );
      compared++;
    });
    expect(compared).toBeGreaterThan(200);
  });

  it.each(['ema12', 'ema26', 'macd', 'macd_signal', 'macd_hist', 'rsi14'] as const)(
    '%s is bit-identical to TA-Lib (same operation order)',
    (column) => {
      rows.forEach((row, i) => expect(ours[i]?.[column] ?? null, `${column} bar ${i}`).toBe(row[column] ?? null));
    },
  );

  it('warm-up lengths follow TA-Lib: EMA12 bar 11, EMA26 bar 25, RSI14 bar 14, BB20 bar 19, MACD bar 33', () => {
    const firstBar = (c: Column) => ours.findIndex((o) => o[c] !== null);
    expect(firstBar('ema12')).toBe(11);
    expect(firstBar('ema26')).toBe(25);
    expect(firstBar('rsi14')).toBe(14);
    expect(firstBar('bb_middle')).toBe(19);
    expect(firstBar('macd')).toBe(33);
    expect(firstBar('macd_signal')).toBe(33);
    expect(firstBar('macd_hist')).toBe(33);
  });
});

describe('TA-Lib regression-test checkpoints (talib_regtest_checkpoints.json)', () => {
  const rows = readIndicatorCsv('talib_regtest_252bars_talib.csv');
  const ours = replay(rows);
  const ema10 = new Ema(10);
  const ema10Values = rows.map((row) => ema10.update(row['close'] as number));

  // `what` of each checkpoint → our value at the bar it names.
  const ours_: Record<string, number | null | undefined> = {
    'EMA(10) close, out[0] (bar 9)': ema10Values[9],
    'EMA(10) out[1]': ema10Values[10],
    'EMA(10) out[20]': ema10Values[29],
    'EMA(10) last (bar 251)': ema10Values[251],
    'RSI(14) out[0] (bar 14)': ours[14]?.rsi14,
    'RSI(14) out[1]': ours[15]?.rsi14,
    'RSI(14) out[2]': ours[16]?.rsi14,
    'RSI(14) last': ours[251]?.rsi14,
    'MACD(12,26,9) line out[0] (bar 33)': ours[33]?.macd,
    'MACD signal out[0]': ours[33]?.macd_signal,
    'BBANDS(20,2,2,SMA) upper out[0] (bar 19)': ours[19]?.bb_upper,
    'BBANDS middle out[0]': ours[19]?.bb_middle,
    'BBANDS lower out[0]': ours[19]?.bb_lower,
  };
  const checks = readTalibCheckpoints();

  it('covers every checkpoint in the file', () => {
    expect(checks.map((c) => c.what).sort()).toEqual(Object.keys(ours_).sort());
  });

  it.each(checks.map((c) => [c.what, c] as const))('%s', (_what, check) => {
    const actual = ours_[check.what];
    expect(actual).toBeTypeOf('number');
    const value = actual as number;
    // Equal to this TA-Lib build's full-precision output…
    expect(relativeError(value, check.computed)).toBeLessThanOrEqual(TOLERANCE);
    // …and to TA-Lib's own rounded regression constant within the difference the file records.
    // `abs_diff` is |computed − expected| rounded to 6 decimals (e.g. 0.002102 for 0.00210207…,
    // 0.0 for 1.4e-14), so TA-Lib's own output exceeds `abs_diff + 1e-9` on 5 of the 13 checks; we
    // allow the half unit of that rounding on top.
    expect(Math.abs(check.abs_diff - Math.abs(check.computed - check.expected))).toBeLessThanOrEqual(ABS_DIFF_ROUNDING);
    expect(Math.abs(value - check.expected)).toBeLessThanOrEqual(check.abs_diff + ABS_DIFF_ROUNDING + TOLERANCE);
  });
});
