import { describe, expect, it } from 'vitest';
import { SnapshotError } from './errors';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';
import { TtlMap, type TtlMapState } from './ttl-map';

describe('TtlMap', () => {
  it('returns a value until its expiry; at nowMs = expiry it is gone', () => {
    const m = new TtlMap<string>({ ttlMs: 1000, maxEntries: 10 });
    m.set('k', 'v', 5000); // expiry 6000
    expect(m.get('k', 5000)).toBe('v');
    expect(m.get('k', 5999)).toBe('v');
    expect(m.has('k', 5999)).toBe(true);
    expect(m.get('k', 6000)).toBeUndefined();
    expect(m.has('k', 6000)).toBe(false);
    expect(m.size).toBe(1); // reads never mutate
    expect(m.expire(5999)).toBe(0);
    expect(m.expire(6000)).toBe(1);
    expect(m.size).toBe(0);
  });

  it('has() sees entries whose value is undefined', () => {
    const m = new TtlMap<undefined>({ ttlMs: 10, maxEntries: 10 });
    m.set('k', undefined, 0);
    expect(m.has('k', 5)).toBe(true);
    expect(m.has('missing', 5)).toBe(false);
  });

  it('a set renews the expiry and makes the entry the newest', () => {
    const m = new TtlMap<number>({ ttlMs: 100, maxEntries: 10 });
    m.set('a', 1, 0);
    m.set('b', 2, 10);
    m.set('a', 3, 50); // a now expires at 150, after b
    expect(m.expire(110)).toBe(1);
    expect(m.get('b', 110)).toBeUndefined();
    expect(m.get('a', 110)).toBe(3);
    expect(m.snapshot().entries.map(([k]) => k)).toEqual(['a']);
  });

  it('delete removes an entry', () => {
    const m = new TtlMap<number>({ ttlMs: 100, maxEntries: 10 });
    m.set('a', 1, 0);
    expect(m.delete('a')).toBe(true);
    expect(m.delete('a')).toBe(false);
    expect(m.get('a', 0)).toBeUndefined();
  });

  describe('size bound', () => {
    it('evicts the oldest-set entry when full and counts it', () => {
      const m = new TtlMap<number>({ ttlMs: 1_000_000, maxEntries: 3 });
      for (let i = 0; i < 5; i++) m.set(`k${i}`, i, i);
      expect(m.size).toBe(3);
      expect(m.evictions).toBe(2);
      expect(m.get('k0', 10)).toBeUndefined();
      expect(m.get('k1', 10)).toBeUndefined();
      expect([2, 3, 4].map((i) => m.get(`k${i}`, 10))).toEqual([2, 3, 4]);
    });

    it('re-setting an existing key never evicts', () => {
      const m = new TtlMap<number>({ ttlMs: 1000, maxEntries: 2 });
      m.set('a', 1, 0);
      m.set('b', 2, 0);
      m.set('a', 3, 1);
      expect(m.evictions).toBe(0);
      expect(m.size).toBe(2);
    });

    it('dropping an already-expired oldest entry to make room is not an eviction', () => {
      const m = new TtlMap<number>({ ttlMs: 100, maxEntries: 2 });
      m.set('a', 1, 0);
      m.set('b', 2, 150);
      m.set('c', 3, 150); // 'a' expired at 100: no state lost to the bound
      expect(m.evictions).toBe(0);
      m.set('d', 4, 150); // 'b' is live: a real eviction
      expect(m.evictions).toBe(1);
      expect(m.size).toBe(2);
    });

    it('stays bounded under a long stream', () => {
      const m = new TtlMap<number>({ ttlMs: 1e12, maxEntries: 100 });
      for (let i = 0; i < 10_000; i++) m.set(String(i), i, i);
      expect(m.size).toBe(100);
      expect(m.evictions).toBe(9900);
    });
  });

  describe('out-of-order event time', () => {
    it('expire stops at the first unexpired entry; expired ones behind it linger but are never returned', () => {
      const m = new TtlMap<string>({ ttlMs: 1000, maxEntries: 10 });
      m.set('late', 'x', 5000); // expires 6000
      m.set('early', 'y', 3000); // set later, with an older time: expires 4000
      expect(m.expire(4500)).toBe(0); // blocked by 'late'
      expect(m.size).toBe(2);
      expect(m.get('early', 4500)).toBeUndefined();
      expect(m.has('early', 4500)).toBe(false);
      // Bound: disorder D = 2000, so 'early' (expiry 4000) is dropped by any expire(t >= 6000).
      expect(m.expire(6000)).toBe(2);
      expect(m.size).toBe(0);
    });

    it('the last set decides the expiry, even with an older time', () => {
      const m = new TtlMap<string>({ ttlMs: 1000, maxEntries: 10 });
      m.set('k', 'new', 5000);
      m.set('k', 'old', 3000);
      expect(m.get('k', 4500)).toBeUndefined();
    });
  });

  describe('snapshot / restore', () => {
    it('round-trips through the codec, preserving order, expiries and the eviction count', () => {
      const m = new TtlMap<{ n: number }>({ ttlMs: 1000, maxEntries: 2 });
      m.set('a', { n: 1 }, 0);
      m.set('b', { n: 2 }, 100);
      m.set('c', { n: 3 }, 200);
      const state = m.snapshot();
      expect(state).toEqual({
        entries: [
          ['b', { n: 2 }, 1100],
          ['c', { n: 3 }, 1200],
        ],
        evictions: 1,
      });
      const r = new TtlMap<{ n: number }>({ ttlMs: 1000, maxEntries: 2 });
      r.restore(decodeSnapshot(encodeSnapshot(state)) as TtlMapState<{ n: number }>);
      expect(r.snapshot()).toEqual(state);
      expect(r.get('c', 1199)).toEqual({ n: 3 });
      expect(r.expire(1100)).toBe(1);
      r.set('d', { n: 4 }, 300);
      r.set('e', { n: 5 }, 300);
      expect(r.evictions).toBe(2);
    });

    it('snapshots are copies of object values', () => {
      const m = new TtlMap<{ n: number }>({ ttlMs: 1000, maxEntries: 2 });
      const v = { n: 1 };
      m.set('a', v, 0);
      const state = m.snapshot();
      v.n = 99;
      expect(state.entries[0]?.[1]).toEqual({ n: 1 });
      m.restore(state);
      const entry = state.entries[0];
      if (entry) entry[1].n = 7;
      expect(m.get('a', 0)).toEqual({ n: 1 });
    });

    it('restoring more entries than maxEntries evicts the oldest', () => {
      const m = new TtlMap<number>({ ttlMs: 1000, maxEntries: 2 });
      m.restore({
        entries: [
          ['a', 1, 10],
          ['b', 2, 20],
          ['c', 3, 30],
        ],
        evictions: 0,
      });
      expect(m.snapshot()).toEqual({
        entries: [
          ['b', 2, 20],
          ['c', 3, 30],
        ],
        evictions: 1,
      });
    });

    it.each<[string, unknown]>([
      ['not an object', 42],
      ['no entries', { evictions: 0 }],
      ['a bad tuple', { entries: [['a', 1]], evictions: 0 }],
      ['a non-finite expiry', { entries: [['a', 1, Number.NaN]], evictions: 0 }],
      ['a duplicate key', { entries: [['a', 1, 1], ['a', 2, 2]], evictions: 0 }],
    ])('restore rejects %s with CKPT_RESTORE_MISMATCH', (_why, state) => {
      const m = new TtlMap<number>({ ttlMs: 1000, maxEntries: 2 });
      m.set('keep', 1, 0);
      expect(() => m.restore(state as TtlMapState<number>)).toThrow(SnapshotError);
      expect(() => m.restore(state as TtlMapState<number>)).toThrow(expect.objectContaining({ code: 'CKPT_RESTORE_MISMATCH' }));
      expect(m.get('keep', 0)).toBe(1);
    });
  });

  it.each([
    [{ ttlMs: 0, maxEntries: 1 }, /ttlMs/],
    [{ ttlMs: -1, maxEntries: 1 }, /ttlMs/],
    [{ ttlMs: Number.NaN, maxEntries: 1 }, /ttlMs/],
    [{ ttlMs: 1, maxEntries: 0 }, /maxEntries/],
    [{ ttlMs: 1, maxEntries: 2.5 }, /maxEntries/],
    [{ ttlMs: 1, maxEntries: Number.POSITIVE_INFINITY }, /maxEntries/],
  ])('rejects options %o', (opts, message) => {
    expect(() => new TtlMap(opts)).toThrow(RangeError);
    expect(() => new TtlMap(opts)).toThrow(message);
  });

  it('set rejects a non-finite time (it would block expiry forever)', () => {
    expect(() => new TtlMap<number>({ ttlMs: 1, maxEntries: 1 }).set('k', 1, Number.NaN)).toThrow(RangeError);
  });
});
