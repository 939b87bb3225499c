import { describe, expect, it } from 'vitest';
import { PriceAlertDetector, classifySeverity, type PriceObservation } from './price-alert-detector';

const T0 = 1_700_000_000_000;
let n = 0;
function obs(price: number, dtMs: number, symbol = 'AAPL'): PriceObservation {
  n++;
  return { symbol, price, eventTsMs: T0 + dtMs, ingestTsMs: T0 + dtMs, trigger: 'TRADE', correlationId: `c${n}`, seq: n };
}

describe('PriceAlertDetector (seed 000 job 3)', () => {
  it('first price sets the baseline and never alerts', () => {
    expect(new PriceAlertDetector().observe(obs(100, 0))).toBeNull();
  });

  it('a move of exactly 2 % fires; just under does not', () => {
    const d = new PriceAlertDetector();
    d.observe(obs(185.5, 0));
    expect(d.observe(obs(185.5 * 0.98 + 0.0001, 1000))).toBeNull();
    const a = d.observe(obs(185.5 * 1.02, 2000));
    expect(a).not.toBeNull();
    expect(a!.severity).toBe('MEDIUM');
    expect(a!.direction).toBe('UP');
    expect(a!.pct_change).toBeCloseTo(2, 10);
  });

  it('fires DOWN with baseline, window start and a stable id', () => {
    const d = new PriceAlertDetector();
    d.observe(obs(185.5, 0));
    const a = d.observe(obs(181.2, 300_000))!;
    expect(a).toMatchObject({ alert_type: 'PRICE_MOVEMENT', direction: 'DOWN', baseline_price: 185.5, current_price: 181.2, window_start_ms: T0, detected_at_ms: T0 + 300_000 });
    expect(a.pct_change).toBeCloseTo(((185.5 - 181.2) / 185.5) * 100, 12);
    expect(a.alert_id).toBe(`pa:AAPL:${T0 + 300_000}:${a.correlation_id}`);
  });

  it('resets the baseline when the 5-minute window has passed (strictly more than 5 min)', () => {
    const d = new PriceAlertDetector();
    d.observe(obs(100, 0));
    expect(d.observe(obs(110, 300_001))).toBeNull(); // becomes the new baseline
    expect(d.observe(obs(110.5, 300_002))).toBeNull();
    expect(d.observe(obs(113, 300_003))).not.toBeNull();
  });

  it('respects the 60 s cooldown and resets the baseline after an alert', () => {
    const d = new PriceAlertDetector();
    d.observe(obs(100, 0));
    expect(d.observe(obs(103, 1000))).not.toBeNull(); // baseline → 103
    expect(d.observe(obs(110, 30_000))).toBeNull(); // within cooldown
    expect(d.observe(obs(110, 61_000))).not.toBeNull(); // 110 vs 103 = 6.8 %, cooldown over
  });

  it('classifies severities at the 2/5/10 % boundaries', () => {
    expect(classifySeverity(0.02)).toBe('MEDIUM');
    expect(classifySeverity(0.0499)).toBe('MEDIUM');
    expect(classifySeverity(0.05)).toBe('HIGH');
    expect(classifySeverity(0.0999)).toBe('HIGH');
    expect(classifySeverity(0.1)).toBe('CRITICAL');
    const d = new PriceAlertDetector();
    d.observe(obs(100, 0));
    expect(d.observe(obs(89, 10))!.severity).toBe('CRITICAL');
  });

  it('keeps symbols independent and restores state exactly', () => {
    const d = new PriceAlertDetector();
    d.observe(obs(100, 0, 'A'));
    d.observe(obs(50, 0, 'B'));
    const copy = new PriceAlertDetector();
    copy.restore(structuredClone(d.snapshot()));
    expect(copy.observe(obs(102, 10, 'A'))).not.toBeNull();
    expect(copy.observe(obs(50.5, 10, 'B'))).toBeNull();
  });

  it('forgets symbols after the state TTL (event time)', () => {
    const d = new PriceAlertDetector({ stateTtlMs: 600_000 });
    d.observe(obs(100, 0));
    d.expire(T0 + 600_000);
    expect(d.symbolCount).toBe(0);
  });
});
