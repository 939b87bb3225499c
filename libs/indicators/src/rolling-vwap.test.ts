import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RollingVwap } from './rolling-vwap';
import { readTrades } from './reference-data.test-helper';

/** Naive model: VWAP over the updates with ts in (latest − window, latest]. */
function naiveRollingVwap(updates: [number, number, number][], windowMs: number): (number | null)[] {
  return updates.map((_u, i) => {
    const latest = (updates[i] as [number, number, number])[2];
    let pv = 0;
    let v = 0;
    for (let j = 0; j <= i; j++) {
      const [p, vol, ts] = updates[j] as [number, number, number];
      if (ts > latest - windowMs) {
        pv += p * vol;
        v += vol;
      }
    }
    return v > 0 ? pv / v : null;
  });
}

describe('RollingVwap', () => {
  it('drops an update exactly windowMs old: ts = latest − windowMs is out', () => {
    const v = new RollingVwap(1000);
    expect(v.update(100, 1, 0)).toBe(100);
    expect(v.update(200, 1, 999)).toBe(150); // 0 > 999 − 1000: still in
    expect(v.update(300, 2, 1000)).toBeCloseTo(800 / 3, 12); // 0 ≤ 1000 − 1000: out → (200 + 600) / 3
    expect(v.length).toBe(2);
    expect(v.update(400, 0, 1999)).toBe(300); // 999 out, only the 300 left
    expect(v.update(400, 0, 2000)).toBeNull(); // window empty of volume
    expect(v.volume).toBe(0);
    expect(v.update(50, 1, 2000)).toBe(50);
  });

  it('grows its ring past the initial capacity and stays exact', () => {
    const v = new RollingVwap(1_000_000, 2);
    let pv = 0;
    let vol = 0;
    for (let i = 1; i <= 1000; i++) {
      pv += i * (i % 7);
      vol += i % 7;
      const got = v.update(i, i % 7, i);
      expect(Math.abs((got as number) - pv / vol)).toBeLessThanOrEqual(1e-12 * (pv / vol));
    }
    expect(v.length).toBe(1000 - Math.floor(1000 / 7));
  });

  it('rejects time going back and negative volume', () => {
    const v = new RollingVwap();
    v.update(1, 1, 1000);
    expect(() => v.update(1, 1, 999)).toThrow(/event time went back/);
    expect(() => v.update(1, -1, 1000)).toThrow(/volume must be ≥ 0/);
    expect(() => new RollingVwap(0)).toThrow(RangeError);
    expect(() => new RollingVwap(1000, 0)).toThrow(RangeError);
  });

  // Realistic inputs: one price level per run with moves within ±1 %, volumes spanning 6 decades as
  // on the recorded tape (1e-5 … 6.9 BTC). The incremental sums lose about
  // eps × Σ|price − reference|·volume evicted since the last recompute / (Σ volume left × VWAP) — see
  // README; with these inputs that stays far below 1e-9.
  it('matches the naive window model (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        fc.array(
          fc.tuple(
            fc.double({ min: -0.01, max: 0.01, noNaN: true }),
            fc.oneof(fc.constant(0), fc.double({ min: 1e-5, max: 10, noNaN: true })),
            fc.integer({ min: 0, max: 20 }),
          ),
          { maxLength: 150 },
        ),
        (windowMs, level, raw) => {
          let ts = 0;
          const updates = raw.map(([m, vol, dt]) => [level * (1 + m), vol, (ts += dt)] as [number, number, number]);
          const expected = naiveRollingVwap(updates, windowMs);
          const v = new RollingVwap(windowMs, 1);
          updates.forEach(([p, vol, t], i) => {
            const got = v.update(p, vol, t);
            const e = expected[i] ?? null;
            if (e === null) expect(got).toBeNull();
            else expect(Math.abs((got as number) - e)).toBeLessThanOrEqual(1e-9 * e);
          });
        },
      ),
    );
  });

  it('does not drift over the recorded BTCUSDT tape with a 5 s window (≥ 1024-eviction recomputes)', () => {
    const trades = readTrades('BTCUSDT');
    const windowMs = 5_000;
    const v = new RollingVwap(windowMs);
    let worst = 0;
    let start = 0;
    trades.forEach((t, i) => {
      const got = v.update(t.price, t.quantity, t.timestamp_ms) as number;
      while ((trades[start] as { timestamp_ms: number }).timestamp_ms <= t.timestamp_ms - windowMs) start++;
      let pv = 0;
      let vol = 0;
      for (let j = start; j <= i; j++) {
        const u = trades[j] as { price: number; quantity: number };
        pv += u.price * u.quantity;
        vol += u.quantity;
      }
      worst = Math.max(worst, Math.abs(got - pv / vol) / (pv / vol));
    });
    expect(worst).toBeLessThanOrEqual(1e-12);
  });
});
