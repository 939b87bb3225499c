import { describe, expect, it } from 'vitest';
import { TradeDeduplicator } from './trade-deduplicator';

const DAY = 86_400_000;

describe('TradeDeduplicator', () => {
  it('drops a repeated trade id within 24 h of event time and accepts it after', () => {
    const d = new TradeDeduplicator();
    expect(d.isDuplicate('T1', 0)).toBe(false);
    expect(d.isDuplicate('T1', DAY - 1)).toBe(true);
    expect(d.isDuplicate('T1', DAY)).toBe(false);
  });

  it('is bounded: the oldest ids are forgotten first and counted', () => {
    const d = new TradeDeduplicator({ ttlMs: DAY, maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) d.isDuplicate(id, 1);
    expect(d.size).toBe(3);
    expect(d.evictions).toBe(1);
    expect(d.isDuplicate('d', 2)).toBe(true);
    expect(d.isDuplicate('a', 2)).toBe(false);
  });

  it('restores from a snapshot', () => {
    const d = new TradeDeduplicator();
    d.isDuplicate('x', 5);
    const copy = new TradeDeduplicator();
    copy.restore(structuredClone(d.snapshot()));
    expect(copy.isDuplicate('x', 6)).toBe(true);
  });
});
