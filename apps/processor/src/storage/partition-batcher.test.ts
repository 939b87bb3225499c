import { describe, expect, it } from 'vitest';
import { PartitionBatcher } from './partition-batcher';

describe('PartitionBatcher', () => {
  it('seals a batch at the row limit, and an idle one after its age', () => {
    const b = new PartitionBatcher<string>(3, 1000);
    expect(b.add(10, 'a', 0)).toBeNull();
    expect(b.add(11, 'b', 5)).toBeNull();
    expect(b.add(12, 'c', 9)).toEqual({ firstOffset: 10, lastOffset: 12, rows: ['a', 'b', 'c'] });
    expect(b.add(13, 'd', 100)).toBeNull();
    expect(b.due(1099)).toBeNull();
    expect(b.due(1100)).toEqual({ firstOffset: 13, lastOffset: 13, rows: ['d'] });
    expect(b.pending).toBe(0);
  });

  it('cuts a replayed batch at exactly the recorded offsets, whatever the limits say', () => {
    const b = new PartitionBatcher<string>(2, 10);
    b.replay(14);
    expect(b.add(10, 'a', 0)).toBeNull();
    expect(b.add(11, 'b', 1)).toBeNull(); // past the row limit: not cut
    expect(b.due(1_000)).toBeNull(); // past the age: not cut
    expect(b.add(12, null, 2)).toBeNull(); // a record that maps to no row still counts for the range
    expect(b.add(14, 'c', 3)).toEqual({ firstOffset: 10, lastOffset: 14, rows: ['a', 'b', 'c'] });
    // Back to the normal rules.
    expect(b.add(15, 'd', 4)).toBeNull();
    expect(b.add(16, 'e', 5)).toEqual({ firstOffset: 15, lastOffset: 16, rows: ['d', 'e'] });
  });

  it('takes offsets without rows (transaction markers) into the range, and ignores offsets it already has', () => {
    const b = new PartitionBatcher<string>(10, 100);
    b.add(20, 'a', 0);
    b.add(21, null, 0); // a commit marker
    expect(b.add(21, null, 1)).toBeNull(); // reported again: ignored
    expect(b.add(19, 'old', 1)).toBeNull();
    expect(b.due(100)).toEqual({ firstOffset: 20, lastOffset: 21, rows: ['a'] });
    expect(b.add(21, null, 200)).toBeNull();
    expect(b.pending).toBe(0);
  });
});
