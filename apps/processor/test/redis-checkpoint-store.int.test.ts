import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../src/checkpoint/checkpoint-store';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const store = new RedisCheckpointStore({ url, prefix: `test:ckpt:${process.pid}:${Date.now()}`, keep: 2 });
afterAll(() => store.close());

describe('RedisCheckpointStore (real Redis)', () => {
  it('stores snapshots by offsets and returns exactly the matching one', async () => {
    const epoch = await store.claim('t0');
    await store.save('t0', epoch, [10, 4, 0], Uint8Array.from([1, 2, 3]));
    await store.save('t0', epoch, [20, 9, 1], Uint8Array.from([4, 5]));
    expect(await store.load('t0', [10, 4, 0])).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await store.load('t0', [20, 9, 1])).toEqual(Uint8Array.from([4, 5]));
    expect(await store.load('t0', [20, 9, 2])).toBeNull();
    expect(await store.latestOffsets('t0')).toEqual([20, 9, 1]);
    expect(await store.latestOffsets('nothing-here')).toBeNull();
  });

  it('keeps only the newest snapshots', async () => {
    const epoch = await store.claim('t1');
    for (let i = 1; i <= 4; i++) await store.save('t1', epoch, [i], Uint8Array.from([i]));
    expect(await store.load('t1', [1])).toBeNull();
    expect(await store.load('t1', [2])).toBeNull();
    expect(await store.load('t1', [3])).toEqual(Uint8Array.from([3]));
    expect(await store.load('t1', [4])).toEqual(Uint8Array.from([4]));
  });

  it('fences an earlier owner: its saves are refused once another instance claimed the task', async () => {
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

  it('round-trips large binary snapshots byte for byte', async () => {
    const epoch = await store.claim('t3');
    const bytes = new Uint8Array(2_000_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    await store.save('t3', epoch, [5, 5, 5], bytes);
    expect(Buffer.from((await store.load('t3', [5, 5, 5]))!).equals(Buffer.from(bytes))).toBe(true);
  });
});
