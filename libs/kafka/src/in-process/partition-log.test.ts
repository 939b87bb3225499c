import { describe, expect, it } from 'vitest';
import { PartitionLog, type AppendRecord, type RetentionPolicy, type TxnOutcome } from './partition-log';

const DELETE_7D: RetentionPolicy = { retentionMs: 7 * 86_400_000, delete: true, compact: false };

function partition(policy: RetentionPolicy, limits: { maxRecords?: number; maxBytes?: number } = {}, clock = { t: 1_000_000 }): { log: PartitionLog; clock: { t: number } } {
  const log = new PartitionLog('t', 0, 0, policy, { maxRecords: limits.maxRecords ?? 1_000_000, maxBytes: limits.maxBytes ?? 1 << 30, reserveBlock: 100, reserve: null, now: () => clock.t });
  return { log, clock };
}

function records(n: number, opts: { key?: (i: number) => string | null; ts?: number; from?: number } = {}): AppendRecord[] {
  return Array.from({ length: n }, (_, j) => {
    const i = (opts.from ?? 0) + j;
    const key = opts.key ? opts.key(i) : null;
    const value = `v${i}`;
    return { key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers: {}, timestamp: String(opts.ts ?? 1_000_000), bytes: (key?.length ?? 0) + value.length };
  });
}

const PLAIN = { producerId: -1, producerEpoch: 0, txn: null };

function values(log: PartitionLog, from: number, readCommitted = false): string[] {
  return log.read(from, readCommitted, 1 << 30)!.messages.map((m) => String(m.value));
}

describe('PartitionLog: offsets and transactions', () => {
  it('gives every record, markers included, the next offset; read_committed stops at the first open transaction', () => {
    const { log } = partition(DELETE_7D);
    const committed: TxnOutcome = { state: 'open' };
    const open: TxnOutcome = { state: 'open' };
    expect(log.append(records(2), { producerId: 1, producerEpoch: 0, txn: committed })).toBe(0);
    expect(log.append(records(1, { from: 2 }), { producerId: 2, producerEpoch: 0, txn: open })).toBe(2);
    expect(log.append(records(1, { from: 3 }), PLAIN)).toBe(3);
    expect(log.lastStable()).toBe(0);
    committed.state = 'committed';
    expect(log.appendMarker(committed, true, 1, 0)).toBe(4);
    expect([log.high, log.lastStable()]).toEqual([5, 2]);
    expect(values(log, 0, true)).toEqual(['v0', 'v1']);
    expect(values(log, 0, false)).toEqual(['v0', 'v1', 'v2', 'v3']);

    open.state = 'aborted';
    log.appendMarker(open, false, 2, 0);
    const read = log.read(0, true, 1 << 30)!;
    expect(read.messages.map((m) => String(m.value))).toEqual(['v0', 'v1', 'v3']);
    // The batch covers the markers: resolving its last offset moves a consumer past them.
    expect([read.raw, read.firstOffset, read.lastOffset]).toEqual([6, 0, 5]);
  });

  it('refuses reads outside [low, high] and reads at least one record beyond maxBytes', () => {
    const { log } = partition(DELETE_7D);
    log.append(records(3), PLAIN);
    expect(log.read(4, false, 100)).toBeNull();
    expect(log.read(3, false, 100)).toEqual({ raw: 0, messages: [], firstOffset: -1, lastOffset: -1 });
    expect(log.read(0, false, 1)!.messages.map((m) => m.offset)).toEqual(['0']);
  });
});

describe('PartitionLog: bounded memory', () => {
  it('trims records older than retention.ms (producer timestamps, processing-time clock) and advances low', () => {
    const { log, clock } = partition({ retentionMs: 60_000, delete: true, compact: false });
    log.append(records(5, { ts: clock.t }), PLAIN);
    clock.t += 30_000;
    log.append(records(3, { ts: clock.t, from: 5 }), PLAIN);
    expect([log.low, log.size]).toEqual([0, 8]);
    clock.t += 40_000; // the first five are now 70 s old, the last three 40 s
    log.append(records(1, { ts: clock.t, from: 8 }), PLAIN);
    expect([log.low, log.high, log.size]).toEqual([5, 9, 4]);
    expect(log.read(4, false, 1 << 30)).toBeNull();
    expect(values(log, 5)).toEqual(['v5', 'v6', 'v7', 'v8']);
  });

  it('trims idle partitions on the retention sweep; never with retention.ms=-1 or a compact-only policy', () => {
    for (const [policy, low] of [
      [{ retentionMs: 1_000, delete: true, compact: false }, 4],
      [{ retentionMs: -1, delete: true, compact: false }, 0],
      [{ retentionMs: 1_000, delete: false, compact: true }, 0],
    ] as const) {
      const { log, clock } = partition(policy);
      log.append(records(4, { ts: clock.t, key: (i) => `k${i}` }), PLAIN);
      clock.t += 5_000;
      log.enforceRetention();
      expect(log.low).toBe(low);
    }
  });

  it('keeps at most maxRecords and maxBytes per partition, dropping the oldest', () => {
    const byCount = partition(DELETE_7D, { maxRecords: 10 }).log;
    for (let i = 0; i < 25; i++) byCount.append(records(1, { from: i }), PLAIN);
    expect([byCount.low, byCount.high, byCount.size]).toEqual([15, 25, 10]);
    expect(values(byCount, 15)).toEqual(Array.from({ length: 10 }, (_, i) => `v${15 + i}`));

    const byBytes = partition(DELETE_7D, { maxBytes: 20 }).log; // 'v10'…'v19' are 3 bytes each
    byBytes.append(records(10, { from: 10 }), PLAIN);
    expect([byBytes.size, byBytes.heldBytes, byBytes.low]).toEqual([6, 18, 4]);
  });

  it('never trims past the last stable offset: an open transaction holds its records', () => {
    const { log } = partition(DELETE_7D, { maxRecords: 5 });
    const txn: TxnOutcome = { state: 'open' };
    log.append(records(3), { producerId: 7, producerEpoch: 0, txn });
    log.append(records(10, { from: 3 }), PLAIN);
    expect([log.low, log.size]).toEqual([0, 13]);
    txn.state = 'committed';
    log.appendMarker(txn, true, 7, 0);
    expect([log.low, log.high, log.size]).toEqual([9, 14, 5]);
  });

  it('compacts a compact topic to the latest record per key, keeping offsets and the low watermark', () => {
    const { log } = partition({ retentionMs: -1, delete: false, compact: true });
    const aborted: TxnOutcome = { state: 'open' };
    log.append(records(3, { key: () => 'gone', from: 5000 }), { producerId: 3, producerEpoch: 0, txn: aborted });
    aborted.state = 'aborted';
    log.appendMarker(aborted, false, 3, 0); // offsets 0-2 aborted, marker at 3
    log.append(records(2000, { key: (i) => `k${i % 5}`, from: 0 }), PLAIN); // offsets 4..2003
    expect([log.low, log.high]).toEqual([0, 2004]);
    expect(log.size).toBe(5);
    const read = log.read(0, true, 1 << 30)!;
    expect(read.messages.map((m) => [m.offset, m.key!.toString(), String(m.value)])).toEqual([
      ['1999', 'k0', 'v1995'],
      ['2000', 'k1', 'v1996'],
      ['2001', 'k2', 'v1997'],
      ['2002', 'k3', 'v1998'],
      ['2003', 'k4', 'v1999'],
    ]);
    // A reader positioned in a compacted gap continues at the next record.
    expect(log.read(500, false, 1 << 30)!.firstOffset).toBe(1999);
  });
});

describe('PartitionLog: waking readers', () => {
  it('calls append listeners on data and on markers until removed', () => {
    const { log } = partition(DELETE_7D);
    let calls = 0;
    const remove = log.onAppend(() => calls++);
    const txn: TxnOutcome = { state: 'open' };
    log.append(records(2), { producerId: 1, producerEpoch: 0, txn });
    txn.state = 'committed';
    log.appendMarker(txn, true, 1, 0);
    remove();
    log.append(records(1), PLAIN);
    expect(calls).toBe(2);
  });
});
