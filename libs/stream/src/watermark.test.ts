import { describe, expect, it } from 'vitest';
import { SnapshotError } from './errors';
import { MAX_WATERMARK, MIN_WATERMARK, Watermark } from './watermark';

describe('Watermark', () => {
  it('starts before everything', () => {
    const w = new Watermark({ outOfOrdernessMs: 100 });
    expect(w.currentMs).toBe(MIN_WATERMARK);
    expect(w.maxEventTsMs).toBe(MIN_WATERMARK);
  });

  it('is the max event time seen minus the bound', () => {
    const w = new Watermark({ outOfOrdernessMs: 2000 });
    expect(w.observe(10_000)).toBe(8000);
    expect(w.observe(12_500)).toBe(10_500);
    expect(w.maxEventTsMs).toBe(12_500);
    expect(w.currentMs).toBe(10_500);
  });

  it('never goes backwards on out-of-order events', () => {
    const w = new Watermark({ outOfOrdernessMs: 1000 });
    const seen: number[] = [];
    for (const ts of [5000, 3000, 9000, 100, 8999, 9000, -5000, 9500]) seen.push(w.observe(ts));
    expect(seen).toEqual([4000, 4000, 8000, 8000, 8000, 8000, 8000, 8500]);
    expect(w.maxEventTsMs).toBe(9500);
  });

  it('never goes backwards after an idleness advance either', () => {
    const w = new Watermark({ outOfOrdernessMs: 1000, idleTimeoutMs: 500 });
    w.observe(10_000, 0);
    expect(w.onProcessingTime(2500)).toBe(true);
    expect(w.currentMs).toBe(9000 + 2000);
    expect(w.observe(10_500, 2600)).toBe(11_000);
  });

  it('with a zero bound equals the max event time', () => {
    const w = new Watermark({ outOfOrdernessMs: 0 });
    expect(w.observe(42)).toBe(42);
  });

  describe('idleness', () => {
    it('advances by the processing time elapsed beyond the idle timeout, incrementally', () => {
      const w = new Watermark({ outOfOrdernessMs: 1000, idleTimeoutMs: 5000 });
      w.observe(100_000, 1_000_000);
      expect(w.onProcessingTime(1_003_000)).toBe(false); // idle 3 s < 5 s
      expect(w.onProcessingTime(1_005_000)).toBe(false); // exactly the timeout: nothing beyond it yet
      expect(w.currentMs).toBe(99_000);
      expect(w.onProcessingTime(1_006_000)).toBe(true); // 1 s beyond
      expect(w.currentMs).toBe(100_000);
      expect(w.onProcessingTime(1_006_000)).toBe(false); // same tick again: no double credit
      expect(w.onProcessingTime(1_009_500)).toBe(true);
      expect(w.currentMs).toBe(103_500);
    });

    it('restarts when an event arrives', () => {
      const w = new Watermark({ outOfOrdernessMs: 1000, idleTimeoutMs: 5000 });
      w.observe(100_000, 0);
      w.onProcessingTime(7000); // +2 s
      expect(w.currentMs).toBe(101_000);
      w.observe(100_500, 7000); // late-ish event: watermark stays, idle clock resets
      expect(w.currentMs).toBe(101_000);
      expect(w.onProcessingTime(11_000)).toBe(false);
      expect(w.onProcessingTime(13_000)).toBe(true);
      expect(w.currentMs).toBe(102_000);
    });

    it('without an arrival time, takes the next tick as the arrival (never early)', () => {
      const w = new Watermark({ outOfOrdernessMs: 0, idleTimeoutMs: 1000 });
      w.observe(50);
      expect(w.onProcessingTime(10_000)).toBe(false); // baseline
      expect(w.onProcessingTime(11_000)).toBe(false);
      expect(w.onProcessingTime(11_250)).toBe(true);
      expect(w.currentMs).toBe(300);
    });

    it('is off with idleTimeoutMs 0 or undefined', () => {
      for (const w of [new Watermark({ outOfOrdernessMs: 0 }), new Watermark({ outOfOrdernessMs: 0, idleTimeoutMs: 0 })]) {
        w.observe(10, 0);
        expect(w.onProcessingTime(1e9)).toBe(false);
        expect(w.currentMs).toBe(10);
      }
    });

    it('ignores a clock that goes backwards', () => {
      const w = new Watermark({ outOfOrdernessMs: 0, idleTimeoutMs: 100 });
      w.observe(10, 1000);
      expect(w.onProcessingTime(500)).toBe(false);
      expect(w.currentMs).toBe(10);
    });

    it('never passes the end-of-input watermark', () => {
      const w = new Watermark({ outOfOrdernessMs: 0, idleTimeoutMs: 1 });
      w.observe(MAX_WATERMARK - 10, 0);
      expect(w.onProcessingTime(1e6)).toBe(true);
      expect(w.currentMs).toBe(MAX_WATERMARK);
      expect(w.onProcessingTime(2e6)).toBe(false);
    });
  });

  it('advanceToEnd moves to +8.64e15 and stays there', () => {
    const w = new Watermark({ outOfOrdernessMs: 5000 });
    w.observe(1000);
    w.advanceToEnd();
    expect(w.currentMs).toBe(8.64e15);
    expect(w.observe(2000)).toBe(8.64e15);
  });

  it('snapshot/restore carries the event-time state but restarts the idleness clock', () => {
    const w = new Watermark({ outOfOrdernessMs: 1000, idleTimeoutMs: 1000 });
    w.observe(20_000, 0);
    w.onProcessingTime(3000); // +2 s
    const state = w.snapshot();
    expect(state).toEqual({ currentMs: 21_000, maxEventTsMs: 20_000 });

    const r = new Watermark({ outOfOrdernessMs: 1000, idleTimeoutMs: 1000 });
    r.restore(structuredClone(state));
    expect(r.currentMs).toBe(21_000);
    expect(r.maxEventTsMs).toBe(20_000);
    // Time spent down is not idleness: the first tick after a restore is only a baseline.
    expect(r.onProcessingTime(1e9)).toBe(false);
    expect(r.currentMs).toBe(21_000);
  });

  it('restore rejects a foreign state', () => {
    const w = new Watermark({ outOfOrdernessMs: 0 });
    expect(() => w.restore({ currentMs: 'x' } as never)).toThrow(SnapshotError);
    expect(() => w.restore(null as never)).toThrow(expect.objectContaining({ code: 'CKPT_RESTORE_MISMATCH' }));
  });

  it.each([
    [{ outOfOrdernessMs: -1 }, /outOfOrdernessMs/],
    [{ outOfOrdernessMs: Number.NaN }, /outOfOrdernessMs/],
    [{ outOfOrdernessMs: Number.POSITIVE_INFINITY }, /outOfOrdernessMs/],
    [{ outOfOrdernessMs: 0, idleTimeoutMs: -5 }, /idleTimeoutMs/],
    [{ outOfOrdernessMs: 0, idleTimeoutMs: Number.NaN }, /idleTimeoutMs/],
  ])('rejects options %o', (opts, message) => {
    expect(() => new Watermark(opts)).toThrow(RangeError);
    expect(() => new Watermark(opts)).toThrow(message);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -9e15, 9e15])('observe rejects event time %s', (ts) => {
    expect(() => new Watermark({ outOfOrdernessMs: 0 }).observe(ts)).toThrow(RangeError);
  });
});
