import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';
import { SweptTtlMap, type SweptTtlMapState } from './swept-ttl-map';

describe('SweptTtlMap', () => {
  it('expires exactly at lastSeen + ttl and refreshes on write', () => {
    const m = new SweptTtlMap<number>({ ttlMs: 100, maxEntries: 10 });
    m.set('a', 1, 0);
    expect(m.get('a', 99)).toBe(1);
    expect(m.get('a', 100)).toBeUndefined();
    m.set('a', 2, 50);
    expect(m.get('a', 149)).toBe(2);
    m.set('a', 3, 10); // an older write does not move lastSeen back
    expect(m.get('a', 149)).toBe(3);
  });

  it('sweeps only expired entries', () => {
    const m = new SweptTtlMap<number>({ ttlMs: 100, maxEntries: 10 });
    m.set('a', 1, 0);
    m.set('b', 1, 60);
    m.set('a', 1, 70); // refreshed: survives the sweep at 100
    m.set('c', 1, 5);
    expect(m.sweep(105)).toBe(1);
    expect([m.get('a', 105), m.get('b', 105), m.get('c', 105)]).toEqual([1, 1, undefined]);
    expect(m.size).toBe(2);
  });

  it('is bounded and counts evictions', () => {
    const m = new SweptTtlMap<number>({ ttlMs: 100, maxEntries: 2 });
    m.set('a', 1, 0);
    m.set('b', 1, 0);
    m.set('c', 1, 0);
    expect(m.size).toBe(2);
    expect(m.evictions).toBe(1);
    expect(m.get('a', 1)).toBeUndefined();
  });

  it('round-trips through a snapshot, copying object values', () => {
    const m = new SweptTtlMap<{ x: number }>({ ttlMs: 100, maxEntries: 10 });
    const v = { x: 1 };
    m.set('a', v, 5);
    const copy = new SweptTtlMap<{ x: number }>({ ttlMs: 100, maxEntries: 10 });
    copy.restore(decodeSnapshot(encodeSnapshot(m.snapshot())) as SweptTtlMapState<{ x: number }>);
    v.x = 99;
    expect(copy.get('a', 6)).toEqual({ x: 1 });
    expect(copy.get('a', 105)).toBeUndefined();
    expect(() => copy.restore({} as SweptTtlMapState<{ x: number }>)).toThrow(/not a SweptTtlMap snapshot/);
  });

  it('validates options', () => {
    expect(() => new SweptTtlMap({ ttlMs: 0, maxEntries: 1 })).toThrow(RangeError);
    expect(() => new SweptTtlMap({ ttlMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});
