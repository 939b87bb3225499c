import { describe, expect, it } from 'vitest';
import { SessionVwap } from './session-vwap';
import { IndicatorErrorCode } from './errors';
import { readTrades } from './reference-data.test-helper';

const DAY_MS = 86_400_000;
/** 2024-08-09T00:00:00Z — the recorded trades cross it. */
const MIDNIGHT = Date.UTC(2024, 7, 9);

describe('SessionVwap', () => {
  it('is Σp·v / Σv within a session and null before any volume', () => {
    const v = new SessionVwap();
    expect(v.value).toBeNull();
    expect(v.update(100, 0, MIDNIGHT - 5000)).toBeNull();
    expect(v.update(100, 1, MIDNIGHT - 4000)).toBe(100);
    expect(v.update(103, 2, MIDNIGHT - 3000)).toBe((100 + 206) / 3);
    expect(v.sessionStartMs).toBe(MIDNIGHT - DAY_MS);
  });

  it('resets at the UTC day boundary: the first update at 00:00:00.000 starts a new session', () => {
    const v = new SessionVwap();
    v.update(100, 5, MIDNIGHT - 1);
    expect(v.value).toBe(100);
    expect(v.update(200, 1, MIDNIGHT)).toBe(200);
    expect(v.sessionStartMs).toBe(MIDNIGHT);
    expect(v.update(230, 2, MIDNIGHT + DAY_MS - 1)).toBe((200 + 460) / 3);
    // A zero-volume update in the next session still resets it.
    expect(v.update(1, 0, MIDNIGHT + DAY_MS)).toBeNull();
    expect(v.value).toBeNull();
  });

  it('accepts out-of-order updates within a session but rejects one from an earlier session', () => {
    const v = new SessionVwap();
    v.update(100, 1, MIDNIGHT + 10_000);
    expect(v.update(102, 1, MIDNIGHT + 5_000)).toBe(101);
    expect(() => v.update(100, 1, MIDNIGHT - 1)).toThrow(RangeError);
    expect(() => v.update(100, 1, MIDNIGHT - 1)).toThrow(expect.objectContaining({ code: IndicatorErrorCode.INVALID_INPUT }));
  });

  it('rejects negative volume and bad options', () => {
    expect(() => new SessionVwap().update(1, -1, 0)).toThrow(/volume must be ≥ 0/);
    expect(() => new SessionVwap(0)).toThrow(RangeError);
    expect(() => new SessionVwap(1.5)).toThrow(RangeError);
  });

  it('supports shorter sessions aligned to multiples of sessionMs (e.g. hourly)', () => {
    const v = new SessionVwap(3_600_000);
    v.update(10, 1, 3_599_999);
    expect(v.update(20, 1, 3_600_000)).toBe(20);
  });

  it('matches a per-UTC-day batch VWAP on the recorded BTCUSDT trades across midnight', () => {
    const trades = readTrades('BTCUSDT');
    expect(trades.some((t) => t.timestamp_ms < MIDNIGHT) && trades.some((t) => t.timestamp_ms >= MIDNIGHT)).toBe(true);
    const v = new SessionVwap();
    let day = Number.NaN;
    let pv = 0;
    let vol = 0;
    for (const t of trades) {
      const d = Math.floor(t.timestamp_ms / DAY_MS);
      if (d !== day) {
        day = d;
        pv = 0;
        vol = 0;
      }
      pv += t.price * t.quantity;
      vol += t.quantity;
      expect(v.update(t.price, t.quantity, t.timestamp_ms)).toBe(pv / vol);
    }
  });
});
