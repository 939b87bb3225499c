/**
 * The CheckpointStore contract, run against every adapter: Redis (real Redis, cluster profile) and
 * files (embedded profile). A case here holds for both or the port is not a port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, type CheckpointStore } from '../src/checkpoint/checkpoint-store';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `test:ckpt-contract:${process.pid}:${Date.now()}`;
const workDir = mkdtempSync(join(tmpdir(), 'tickflow-ckpt-contract-'));

interface Backend {
  name: string;
  /** A store over the namespace `ns`; two calls with the same `ns` are two clients of the same data. */
  open: (ns: string, keep?: number) => CheckpointStore;
}

const backends: Backend[] = [
  { name: 'RedisCheckpointStore (real Redis)', open: (ns, keep) => new RedisCheckpointStore({ url, prefix: `${run}:${ns}`, keep }) },
  { name: 'FileCheckpointStore', open: (ns, keep) => new FileCheckpointStore({ dir: join(workDir, ns), keep }) },
];

const opened: CheckpointStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(workDir, { recursive: true, force: true });
  // Only this run's keys; the Redis is shared.
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
});

describe.each(backends)('$name', ({ name, open }) => {
  let n = 0;
  /** A fresh namespace per case; `connect()` opens one more client on it. */
  const fresh = (keep?: number) => {
    const ns = `${name.split(' ')[0]}-${n++}`;
    const connect = (): CheckpointStore => {
      const s = open(ns, keep);
      opened.push(s);
      return s;
    };
    return { store: connect(), connect };
  };

  it('stores snapshots by offsets and returns exactly the matching one', async () => {
    const { store } = fresh(2);
    const epoch = await store.claim('t0');
    await store.save('t0', epoch, [10, 4, 0], Uint8Array.from([1, 2, 3]));
    await store.save('t0', epoch, [20, 9, 1], Uint8Array.from([4, 5]));
    expect(await store.load('t0', [10, 4, 0])).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await store.load('t0', [20, 9, 1])).toEqual(Uint8Array.from([4, 5]));
    expect(await store.load('t0', [20, 9, 2])).toBeNull();
    expect(await store.latestOffsets('t0')).toEqual([20, 9, 1]);
    expect(await store.latestOffsets('nothing-here')).toBeNull();
    expect(await store.load('nothing-here', [1, 2, 3])).toBeNull();
  });

  it('keeps only the newest snapshots', async () => {
    const { store } = fresh(2);
    const epoch = await store.claim('t1');
    for (let i = 1; i <= 4; i++) await store.save('t1', epoch, [i], Uint8Array.from([i]));
    expect(await store.load('t1', [1])).toBeNull();
    expect(await store.load('t1', [2])).toBeNull();
    expect(await store.load('t1', [3])).toEqual(Uint8Array.from([3]));
    expect(await store.load('t1', [4])).toEqual(Uint8Array.from([4]));
  });

  it('keeps 3 snapshots by default', async () => {
    const { store } = fresh();
    const epoch = await store.claim('t');
    for (let i = 1; i <= 5; i++) await store.save('t', epoch, [i, 0], Uint8Array.from([i]));
    const present = [];
    for (let i = 1; i <= 5; i++) present.push((await store.load('t', [i, 0])) !== null);
    expect(present).toEqual([false, false, true, true, true]);
  });

  it('re-saving the same offsets replaces the bytes and makes them the newest again', async () => {
    const { store } = fresh(2);
    const epoch = await store.claim('t');
    await store.save('t', epoch, [1], Uint8Array.from([1]));
    await store.save('t', epoch, [2], Uint8Array.from([2]));
    await store.save('t', epoch, [1], Uint8Array.from([11]));
    expect(await store.latestOffsets('t')).toEqual([1]);
    expect(await store.load('t', [1])).toEqual(Uint8Array.from([11]));
    await store.save('t', epoch, [3], Uint8Array.from([3]));
    expect(await store.load('t', [2])).toBeNull(); // the oldest is [2] now, not [1]
    expect(await store.load('t', [1])).toEqual(Uint8Array.from([11]));
  });

  it('fences an earlier owner: its saves are refused once another instance claimed the task', async () => {
    const { store } = fresh(2);
    const zombie = await store.claim('t2');
    await store.save('t2', zombie, [1], Uint8Array.from([1]));
    const owner = await store.claim('t2');
    expect(owner).toBeGreaterThan(zombie);
    const attempt = store.save('t2', zombie, [2], Uint8Array.from([9]));
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toMatchObject({ code: 'CKPT_FENCED' });
    expect(await store.load('t2', [2])).toBeNull();
    await store.save('t2', owner, [2], Uint8Array.from([2]));
    expect(await store.load('t2', [2])).toEqual(Uint8Array.from([2]));
  });

  it('two clients of the same data fence each other, and an unclaimed epoch is refused', async () => {
    const { store: a, connect } = fresh();
    const b = connect();
    const ea = await a.claim('t');
    await a.save('t', ea, [5, 5], Uint8Array.from([5]));
    await expect(b.save('t', ea + 1, [6, 6], Uint8Array.from([6]))).rejects.toMatchObject({ code: 'CKPT_FENCED' });
    const eb = await b.claim('t');
    expect(eb).toBeGreaterThan(ea);
    await expect(a.save('t', ea, [6, 6], Uint8Array.from([66]))).rejects.toMatchObject({ code: 'CKPT_FENCED' });
    expect(await b.latestOffsets('t')).toEqual([5, 5]);
    await b.save('t', eb, [6, 6], Uint8Array.from([6]));
    expect(await a.load('t', [6, 6])).toEqual(Uint8Array.from([6]));
    expect(await a.latestOffsets('t')).toEqual([6, 6]);
  });

  it('concurrent claims by two clients get distinct epochs; only the highest may save', async () => {
    const { store: a, connect } = fresh();
    const b = connect();
    const epochs = await Promise.all([a.claim('t'), b.claim('t'), a.claim('t'), b.claim('t')]);
    expect(new Set(epochs).size).toBe(4);
    const top = Math.max(...epochs);
    for (const e of epochs.filter((x) => x !== top)) await expect(a.save('t', e, [1], Uint8Array.from([1]))).rejects.toMatchObject({ code: 'CKPT_FENCED' });
    await b.save('t', top, [1], Uint8Array.from([1]));
    expect(await a.load('t', [1])).toEqual(Uint8Array.from([1]));
  });

  it('tasks are independent: claiming one does not fence another', async () => {
    const { store } = fresh();
    const e1 = await store.claim('task-a');
    await store.claim('task-b');
    await store.claim('task-b');
    await store.save('task-a', e1, [1], Uint8Array.from([1]));
    expect(await store.latestOffsets('task-a')).toEqual([1]);
    expect(await store.latestOffsets('task-b')).toBeNull();
  });

  it('snapshots, latestOffsets and the owner epoch survive a restart (a new client)', async () => {
    const { store, connect } = fresh();
    const epoch = await store.claim('t');
    await store.save('t', epoch, [7, 3, 1], Uint8Array.from([7, 3, 1]));
    await store.close();
    const restarted = connect();
    expect(await restarted.latestOffsets('t')).toEqual([7, 3, 1]);
    expect(await restarted.load('t', [7, 3, 1])).toEqual(Uint8Array.from([7, 3, 1]));
    const next = await restarted.claim('t');
    expect(next).toBeGreaterThan(epoch);
    await expect(restarted.save('t', epoch, [8, 3, 1], Uint8Array.from([0]))).rejects.toMatchObject({ code: 'CKPT_FENCED' });
  });

  it('round-trips empty and large binary snapshots byte for byte', async () => {
    const { store } = fresh();
    const epoch = await store.claim('t3');
    const bytes = new Uint8Array(2_000_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    await store.save('t3', epoch, [5, 5, 5], bytes);
    expect(Buffer.from((await store.load('t3', [5, 5, 5]))!).equals(Buffer.from(bytes))).toBe(true);
    await store.save('t3', epoch, [6, 5, 5], new Uint8Array(0));
    expect(await store.load('t3', [6, 5, 5])).toEqual(new Uint8Array(0));
  });
});
