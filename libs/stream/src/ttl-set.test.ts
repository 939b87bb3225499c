import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';
import { TtlSet, type TtlSetState } from './ttl-set';

describe('TtlSet', () => {
  it('adds once per TTL: a member is live until exactly added + ttl', () => {
    const s = new TtlSet({ ttlMs: 100, maxEntries: 10 });
    expect(s.add('a', 0)).toBe(true);
    expect(s.add('a', 99)).toBe(false);
    expect(s.has('a', 99)).toBe(true);
    expect(s.has('a', 100)).toBe(false);
    expect(s.add('a', 100)).toBe(true);
    expect(s.add('a', 150)).toBe(false);
  });

  it('expires from the oldest and stops at the first live member', () => {
    const s = new TtlSet({ ttlMs: 100, maxEntries: 10 });
    s.add('a', 0);
    s.add('b', 10);
    s.add('c', 50);
    expect(s.expire(110)).toBe(2);
    expect(s.size).toBe(1);
    expect(s.has('c', 110)).toBe(true);
  });

  it('is bounded; only live members forgotten count as evictions', () => {
    const s = new TtlSet({ ttlMs: 100, maxEntries: 2 });
    s.add('a', 0);
    s.add('b', 0);
    s.add('c', 0);
    expect(s.size).toBe(2);
    expect(s.evictions).toBe(1);
    expect(s.add('a', 1)).toBe(true);
    s.add('d', 500); // the oldest ('c' via 'b') had expired: not an eviction
    expect(s.evictions).toBe(2);
  });

  it('round-trips through a snapshot', () => {
    const s = new TtlSet({ ttlMs: 100, maxEntries: 10 });
    s.add('x', 5);
    const copy = new TtlSet({ ttlMs: 100, maxEntries: 10 });
    copy.restore(decodeSnapshot(encodeSnapshot(s.snapshot())) as TtlSetState);
    expect(copy.add('x', 50)).toBe(false);
    expect(copy.add('x', 105)).toBe(true);
    expect(() => copy.restore({} as TtlSetState)).toThrow(/not a TtlSet snapshot/);
  });

  it('validates options', () => {
    expect(() => new TtlSet({ ttlMs: -1, maxEntries: 1 })).toThrow(RangeError);
    expect(() => new TtlSet({ ttlMs: 1, maxEntries: 1.5 })).toThrow(RangeError);
  });
});
