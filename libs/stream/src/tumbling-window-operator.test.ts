import { describe, expect, it } from 'vitest';
import { SnapshotError } from './errors';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';
import { TumblingWindowOperator, alignWindowStart, type TumblingWindowState, type WindowAggregator } from './tumbling-window-operator';
import { MAX_WATERMARK } from './watermark';

interface Fired {
  key: string;
  start: number;
  end: number;
  version: number;
  values: number[];
}

const listAgg: WindowAggregator<number, { values: number[] }, Fired> = {
  create: (v) => ({ values: [v] }),
  add: (acc, v) => {
    acc.values.push(v);
  },
  result: (key, start, end, acc, version) => ({ key, start, end, version, values: [...acc.values] }),
};

function setup(sizeMs = 1000, allowedLatenessMs = 0) {
  const fired: Fired[] = [];
  const out = (o: Fired): void => {
    fired.push(o);
  };
  const op = new TumblingWindowOperator({ sizeMs, allowedLatenessMs }, listAgg);
  return { op, fired, out };
}

const NO_WM = -1e15;

describe('alignWindowStart', () => {
  it.each([
    [0, 1000, 0],
    [1, 1000, 0],
    [999, 1000, 0],
    [1000, 1000, 1000],
    [1999, 1000, 1000],
    [-1, 1000, -1000],
    [-999, 1000, -1000],
    [-1000, 1000, -1000],
    [-1001, 1000, -2000],
    [13, 7, 7],
    [-13, 7, -14],
    [-14, 7, -14],
    [5, 1, 5],
  ])('ts %d, size %d → start %d', (ts, size, start) => {
    expect(alignWindowStart(ts, size)).toBe(start);
  });

  it('is exact for timestamps near ±8.64e15 (no division rounding)', () => {
    for (const ts of [8.64e15 - 1, 8.64e15 - 2, -8.64e15 + 1, 2 ** 52 + 1, 1_700_000_000_123]) {
      for (const size of [3, 7, 1000, 86_400_000]) {
        const b = BigInt(ts);
        const s = BigInt(size);
        const expected = b >= 0n ? (b / s) * s : -((-b + s - 1n) / s) * s;
        expect(alignWindowStart(ts, size)).toBe(Number(expected));
      }
    }
  });
});

describe('TumblingWindowOperator', () => {
  describe('window assignment', () => {
    it('puts ts = start in the window and ts = end in the next one', () => {
      const { op, out } = setup(1000);
      op.add('k', 1000, 1, NO_WM, out);
      op.add('k', 1999, 2, NO_WM, out);
      op.add('k', 2000, 3, NO_WM, out);
      op.add('k', -1, 4, NO_WM, out);
      expect(op.peek('k', 1000)?.values).toEqual([1, 2]);
      expect(op.peek('k', 2000)?.values).toEqual([3]);
      expect(op.peek('k', -1000)?.values).toEqual([4]);
      expect(op.peek('k', 0)).toBeUndefined();
      expect(op.peek('other', 1000)).toBeUndefined();
      expect(op.openWindowCount).toBe(3);
    });

    it('keeps keys apart', () => {
      const { op, out } = setup(1000);
      op.add('a', 10, 1, NO_WM, out);
      op.add('b', 20, 2, NO_WM, out);
      op.add('a', 30, 3, NO_WM, out);
      expect(op.peek('a', 0)?.values).toEqual([1, 3]);
      expect(op.peek('b', 0)?.values).toEqual([2]);
    });

    it('rejects a non-finite event time', () => {
      const { op, out } = setup();
      expect(() => op.add('k', Number.NaN, 1, NO_WM, out)).toThrow(RangeError);
      expect(op.openWindowCount).toBe(0);
    });
  });

  describe('firing', () => {
    it('fires when the watermark reaches the window end (end <= watermark), version 1', () => {
      const { op, fired, out } = setup(1000);
      expect(op.add('k', 500, 1, 0, out)).toBe('ON_TIME');
      op.advance(999, out);
      expect(fired).toEqual([]);
      op.advance(1000, out);
      expect(fired).toEqual([{ key: 'k', start: 0, end: 1000, version: 1, values: [1] }]);
      op.advance(5000, out);
      expect(fired).toHaveLength(1); // fires once
    });

    it('fires by window end ascending, then in the order each (key, window) was created', () => {
      const { op, fired, out } = setup(1000, 10_000);
      op.add('b', 1500, 1, NO_WM, out); // end 2000, created 1st
      op.add('a', 500, 2, NO_WM, out); // end 1000, created 2nd
      op.add('c', 2500, 3, NO_WM, out); // end 3000
      op.add('a', 1200, 4, NO_WM, out); // end 2000, created 4th
      op.add('z', 100, 5, NO_WM, out); // end 1000, created 5th
      op.add('b', 1700, 6, NO_WM, out); // existing window: order unchanged
      op.advance(2000, out);
      expect(fired.map((f) => `${f.key}@${f.start}`)).toEqual(['a@0', 'z@0', 'b@1000', 'a@1000']);
      op.advance(MAX_WATERMARK, out);
      expect(fired.map((f) => `${f.key}@${f.start}`)).toEqual(['a@0', 'z@0', 'b@1000', 'a@1000', 'c@2000']);
    });

    it('add with a watermark past pending windows fires them first, exactly as advance would', () => {
      const a = setup(1000, 5000);
      a.op.add('k', 100, 1, NO_WM, a.out);
      a.op.add('j', 200, 2, NO_WM, a.out);
      expect(a.op.add('k', 300, 3, 1500, a.out)).toBe('LATE_UPDATED');

      const b = setup(1000, 5000);
      b.op.add('k', 100, 1, NO_WM, b.out);
      b.op.add('j', 200, 2, NO_WM, b.out);
      b.op.advance(1500, b.out);
      expect(b.op.add('k', 300, 3, 1500, b.out)).toBe('LATE_UPDATED');

      expect(a.fired).toEqual(b.fired);
      expect(a.fired.map((f) => [f.key, f.version, f.values])).toEqual([
        ['k', 1, [1]],
        ['j', 1, [2]],
        ['k', 2, [1, 3]],
      ]);
    });

    it('treats a watermark lower than one already seen as the one seen (time never runs backwards)', () => {
      const { op, fired, out } = setup(1000, 0);
      op.add('k', 100, 1, NO_WM, out);
      op.advance(3000, out);
      op.advance(0, out);
      expect(op.watermarkMs).toBe(3000);
      expect(op.add('k', 1500, 2, 0, out)).toBe('TOO_LATE');
      expect(fired).toHaveLength(1);
    });

    it('does nothing (and calls no aggregator) when nothing is due', () => {
      let results = 0;
      const op = new TumblingWindowOperator({ sizeMs: 1000, allowedLatenessMs: 0 }, { ...listAgg, result: (...args) => (results++, listAgg.result(...args)) });
      const out = (): void => {};
      op.add('k', 5500, 1, 0, out);
      for (let wm = 0; wm < 6000; wm += 100) op.advance(wm, out);
      expect(results).toBe(0);
      op.advance(6000, out);
      expect(results).toBe(1);
    });
  });

  describe('lateness', () => {
    it('LATE_UPDATED re-emits the corrected window with version 2, 3, …', () => {
      const { op, fired, out } = setup(1000, 5000);
      op.add('k', 100, 1, 0, out);
      op.advance(1000, out);
      expect(op.add('k', 200, 2, 1200, out)).toBe('LATE_UPDATED');
      expect(op.add('k', 999, 3, 3000, out)).toBe('LATE_UPDATED');
      expect(fired).toEqual([
        { key: 'k', start: 0, end: 1000, version: 1, values: [1] },
        { key: 'k', start: 0, end: 1000, version: 2, values: [1, 2] },
        { key: 'k', start: 0, end: 1000, version: 3, values: [1, 2, 3] },
      ]);
      expect(op.peek('k', 0)?.values).toEqual([1, 2, 3]); // fired windows stay until purged
    });

    it('a late event for a window that never existed creates it and emits version 1 at once', () => {
      const { op, fired, out } = setup(1000, 5000);
      op.add('a', 4100, 1, 4500, out);
      expect(op.add('b', 2500, 2, 4500, out)).toBe('LATE_UPDATED');
      expect(fired).toEqual([{ key: 'b', start: 2000, end: 3000, version: 1, values: [2] }]);
      expect(op.add('b', 2600, 3, 4500, out)).toBe('LATE_UPDATED');
      expect(fired[1]).toEqual({ key: 'b', start: 2000, end: 3000, version: 2, values: [2, 3] });
      // The late-created window is purged like any other, and does not fire again.
      op.advance(7999, out);
      expect(op.peek('b', 2000)).toBeDefined();
      op.advance(8000, out);
      expect(op.peek('b', 2000)).toBeUndefined();
      expect(fired.map((f) => `${f.key}@${f.start}v${f.version}`)).toEqual(['b@2000v1', 'b@2000v2', 'a@4000v1']);
    });

    it('TOO_LATE exactly when end + allowedLateness <= watermark; state untouched, nothing emitted', () => {
      const { op, fired, out } = setup(1000, 500);
      op.add('k', 100, 1, 0, out);
      expect(op.add('k', 200, 2, 1499, out)).toBe('LATE_UPDATED');
      expect(fired).toHaveLength(2);
      expect(op.add('k', 300, 3, 1500, out)).toBe('TOO_LATE');
      expect(fired).toHaveLength(2);
      expect(op.peek('k', 0)).toBeUndefined(); // purged at end + lateness
      expect(op.openWindowCount).toBe(0);
      // A TOO_LATE event never creates state either.
      expect(op.add('other', 0, 4, 1500, out)).toBe('TOO_LATE');
      expect(op.openWindowCount).toBe(0);
    });

    it('with zero allowed lateness an event at or behind a fired end is TOO_LATE and windows are purged on firing', () => {
      const { op, fired, out } = setup(1000, 0);
      op.add('k', 100, 1, 0, out);
      op.advance(1000, out);
      expect(fired).toHaveLength(1);
      expect(op.openWindowCount).toBe(0);
      expect(op.add('k', 999, 2, 1000, out)).toBe('TOO_LATE');
      expect(op.add('k', 1000, 3, 1000, out)).toBe('ON_TIME');
    });

    it('restarts versions at 1 for each new (key, window)', () => {
      const { op, fired, out } = setup(1000, 2000);
      op.add('k', 100, 1, 0, out);
      op.add('k', 1100, 2, 0, out);
      op.advance(2000, out);
      op.add('k', 150, 3, 2000, out);
      op.add('j', 1150, 4, 2000, out);
      expect(fired.map((f) => `${f.key}@${f.start}v${f.version}`)).toEqual(['k@0v1', 'k@1000v1', 'k@0v2', 'j@1000v1']);
    });

    it('purges windows at end + allowedLateness and counts open windows', () => {
      const { op, out } = setup(1000, 1500);
      op.add('a', 100, 1, 0, out);
      op.add('b', 100, 2, 0, out);
      op.add('a', 1100, 3, 0, out);
      expect(op.openWindowCount).toBe(3);
      op.advance(2499, out);
      expect(op.openWindowCount).toBe(3);
      op.advance(2500, out);
      expect(op.openWindowCount).toBe(1);
      op.advance(MAX_WATERMARK, out);
      expect(op.openWindowCount).toBe(0);
    });
  });

  describe('snapshot / restore', () => {
    function populated() {
      const s = setup(1000, 3000);
      s.op.add('b', 1500, 1, 0, s.out);
      s.op.add('a', 500, 2, 0, s.out);
      s.op.add('a', 1200, 3, 0, s.out);
      s.op.advance(1000, s.out); // a@0 fired (v1)
      s.op.add('a', 600, 4, 1000, s.out); // a@0 v2
      return s;
    }

    it('is plain data: groups by end ascending, creation order within, last emitted version (0 = pending)', () => {
      const state = populated().op.snapshot();
      expect(state).toEqual({
        sizeMs: 1000,
        watermarkMs: 1000,
        ends: [
          { endMs: 1000, keys: ['a'], versions: [2], accs: [{ values: [2, 4] }] },
          { endMs: 2000, keys: ['b', 'a'], versions: [0, 0], accs: [{ values: [1] }, { values: [3] }] },
        ],
      } satisfies TumblingWindowState<{ values: number[] }>);
    });

    it('is a copy: later adds do not change it', () => {
      const { op, out } = populated();
      const state = op.snapshot();
      op.add('b', 1600, 9, 1000, out);
      expect(state.ends[1]?.accs[0]).toEqual({ values: [1] });
    });

    it('restores into a fresh operator that continues exactly as the original', () => {
      const original = populated();
      const bytes = encodeSnapshot(original.op.snapshot());
      const copy = setup(1000, 3000);
      copy.op.restore(decodeSnapshot(bytes) as TumblingWindowState<{ values: number[] }>);
      original.fired.length = 0;
      expect(copy.op.openWindowCount).toBe(original.op.openWindowCount);
      expect(copy.op.watermarkMs).toBe(1000);
      for (const s of [original, copy]) {
        expect(s.op.add('a', 700, 5, 1500, s.out)).toBe('LATE_UPDATED');
        s.op.add('c', 1700, 6, 1500, s.out);
        s.op.advance(MAX_WATERMARK, s.out);
      }
      expect(copy.fired).toEqual(original.fired);
      expect(copy.fired.map((f) => `${f.key}@${f.start}v${f.version}`)).toEqual(['a@0v3', 'b@1000v1', 'a@1000v1', 'c@1000v1']);
    });

    it('restore replaces existing state', () => {
      const { op } = populated();
      op.restore(setup(1000, 3000).op.snapshot());
      expect(op.openWindowCount).toBe(0);
      expect(op.peek('a', 0)).toBeUndefined();
    });

    it('takes allowed lateness from the options: windows beyond a smaller lateness are purged on restore', () => {
      const state = populated().op.snapshot();
      const strict = setup(1000, 0);
      strict.op.restore(state);
      expect(strict.op.peek('a', 0)).toBeUndefined();
      expect(strict.op.openWindowCount).toBe(2);
    });

    it.each<[string, unknown]>([
      ['another window size', { sizeMs: 60_000, watermarkMs: 0, ends: [] }],
      ['not an object', 'nope'],
      ['missing groups', { sizeMs: 1000, watermarkMs: 0 }],
      ['unaligned end', { sizeMs: 1000, watermarkMs: 0, ends: [{ endMs: 1500, keys: [], versions: [], accs: [] }] }],
      ['ends not ascending', { sizeMs: 1000, watermarkMs: 0, ends: [{ endMs: 2000, keys: [], versions: [], accs: [] }, { endMs: 1000, keys: [], versions: [], accs: [] }] }],
      ['ragged columns', { sizeMs: 1000, watermarkMs: 0, ends: [{ endMs: 1000, keys: ['a'], versions: [], accs: [] }] }],
      ['pending window behind the watermark', { sizeMs: 1000, watermarkMs: 5000, ends: [{ endMs: 5000, keys: ['a'], versions: [0], accs: [{ values: [] }] }] }],
      ['fired window ahead of the watermark', { sizeMs: 1000, watermarkMs: 0, ends: [{ endMs: 1000, keys: ['a'], versions: [1], accs: [{ values: [] }] }] }],
      ['duplicate window', { sizeMs: 1000, watermarkMs: 0, ends: [{ endMs: 1000, keys: ['a', 'a'], versions: [0, 0], accs: [{ values: [] }, { values: [] }] }] }],
    ])('restore rejects %s with CKPT_RESTORE_MISMATCH and keeps its state', (_why, state) => {
      const { op } = populated();
      const before = op.snapshot();
      expect(() => op.restore(state as TumblingWindowState<{ values: number[] }>)).toThrow(SnapshotError);
      expect(() => op.restore(state as TumblingWindowState<{ values: number[] }>)).toThrow(expect.objectContaining({ code: 'CKPT_RESTORE_MISMATCH' }));
      expect(op.snapshot()).toEqual(before);
    });
  });

  it.each([
    [{ sizeMs: 0, allowedLatenessMs: 0 }, /sizeMs/],
    [{ sizeMs: -1000, allowedLatenessMs: 0 }, /sizeMs/],
    [{ sizeMs: 1.5, allowedLatenessMs: 0 }, /sizeMs/],
    [{ sizeMs: Number.NaN, allowedLatenessMs: 0 }, /sizeMs/],
    [{ sizeMs: 1000, allowedLatenessMs: -1 }, /allowedLatenessMs/],
    [{ sizeMs: 1000, allowedLatenessMs: Number.POSITIVE_INFINITY }, /allowedLatenessMs/],
  ])('rejects options %o', (opts, message) => {
    expect(() => new TumblingWindowOperator(opts, listAgg)).toThrow(RangeError);
    expect(() => new TumblingWindowOperator(opts, listAgg)).toThrow(message);
  });
});
