// What only the file adapter has: its layout, crash leftovers, damaged files and odd task ids. The
// behaviour it shares with the Redis adapter is in test/checkpoint-store.int.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CheckpointError } from './checkpoint-store';
import { FileCheckpointStore } from './file-checkpoint-store';

const work = mkdtempSync(join(tmpdir(), 'tickflow-file-ckpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(work, `case-${n++}`);

/** A store with one saved snapshot at [12, 3, 0] (bytes 1..200) and the path of its file. */
async function withSnapshot(): Promise<{ dir: string; store: FileCheckpointStore; file: string; good: Buffer }> {
  const dir = freshDir();
  const store = new FileCheckpointStore({ dir });
  const epoch = await store.claim('task-0');
  await store.save('task-0', epoch, [12, 3, 0], Uint8Array.from({ length: 200 }, (_, i) => i + 1));
  const file = join(dir, 'task-0', 'snap-12-3-0.ckpt');
  return { dir, store, file, good: readFileSync(file) };
}

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof CheckpointError ? err.code : `not a CheckpointError: ${String(err)}`),
  );

describe('FileCheckpointStore', () => {
  it('lays a task out as a directory: owner epoch, recent index, one file per snapshot named by its offsets', async () => {
    const dir = freshDir();
    const store = new FileCheckpointStore({ dir, keep: 2 });
    const epoch = await store.claim('proc-p0');
    for (const o of [1, 2, 3]) await store.save('proc-p0', epoch, [o * 10, o, 0], Uint8Array.from([o]));
    expect(readdirSync(dir)).toEqual(['proc-p0']);
    expect(readdirSync(join(dir, 'proc-p0')).sort()).toEqual(['owner-epoch', 'recent', 'snap-20-2-0.ckpt', 'snap-30-3-0.ckpt']);
  });

  it('save fsyncs the snapshot, the index and the directory after each rename before it resolves', async () => {
    const dir = freshDir();
    const store = new FileCheckpointStore({ dir });
    const epoch = await store.claim('t');
    const probe = await open(join(dir, 'probe'), 'w');
    const fileHandleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const synced: string[] = [];
    const realSync = fileHandleProto.sync;
    const spy = vi.spyOn(fileHandleProto, 'sync').mockImplementation(async function (this: { fd: number }) {
      synced.push(readdirSync(join(dir, 't')).sort().join(','));
      return realSync.call(this);
    });
    try {
      await store.save('t', epoch, [1], Uint8Array.from([1]));
    } finally {
      spy.mockRestore();
    }
    // Each sync is seen with the directory as it was then: temp file synced, renamed, directory synced.
    expect(synced).toHaveLength(4);
    expect(synced[0]).toMatch(/^\.snap-1\.ckpt\.tmp-/);
    expect(synced[1]).toBe('owner-epoch,snap-1.ckpt');
    expect(synced[2]).toMatch(/^\.recent\.tmp-.*,owner-epoch,snap-1\.ckpt$/);
    expect(synced[3]).toBe('owner-epoch,recent,snap-1.ckpt');
  });

  it.each<[string, (good: Buffer) => Buffer]>([
    ['an empty file', () => Buffer.alloc(0)],
    ['a file cut inside the header', (g) => g.subarray(0, 5)],
    ['a file cut before its checksum', (g) => g.subarray(0, g.length - 4)],
    ['the last byte dropped', (g) => g.subarray(0, g.length - 1)],
    ['a trailing byte added', (g) => Buffer.concat([g, Buffer.from([0])])],
    ['one flipped bit in the snapshot bytes', (g) => flip(g, g.length - 10)],
    ['one flipped bit in the stored offsets tag', (g) => flip(g, 13)],
    ['one flipped bit in the checksum', (g) => flip(g, g.length - 1)],
    ['a foreign file (JSON)', () => Buffer.from('{"offsets":[12,3,0]}')],
    ['another format version', (g) => Object.assign(Buffer.from(g), { 4: 2 })],
  ])('refuses %s with CKPT_CORRUPT instead of returning bytes', async (_why, damage) => {
    const { store, file, good } = await withSnapshot();
    writeFileSync(file, damage(good));
    const attempt = store.load('task-0', [12, 3, 0]);
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toMatchObject({ code: 'CKPT_CORRUPT', message: expect.stringContaining(file) });
  });

  it('refuses a snapshot file renamed to another offsets tag', async () => {
    const { store, dir, file, good } = await withSnapshot();
    writeFileSync(join(dir, 'task-0', 'snap-13-3-0.ckpt'), good);
    expect(await store.load('task-0', [12, 3, 0])).not.toBeNull();
    await expect(store.load('task-0', [13, 3, 0])).rejects.toMatchObject({ code: 'CKPT_CORRUPT', message: expect.stringMatching(/"12-3-0", not 13-3-0/) });
    expect(existsSync(file)).toBe(true);
  });

  it('reports a damaged recent index from latestOffsets, and claim keeps every snapshot then', async () => {
    const { store, dir } = await withSnapshot();
    const recent = join(dir, 'task-0', 'recent');
    writeFileSync(recent, readFileSync(recent).subarray(0, 12));
    expect(await codeOf(store.latestOffsets('task-0'))).toBe('CKPT_CORRUPT');
    await store.claim('task-0');
    expect(readdirSync(join(dir, 'task-0'))).toContain('snap-12-3-0.ckpt');
    expect(await codeOf(store.latestOffsets('task-0'))).toBe('CKPT_CORRUPT');
  });

  it('never takes a damaged owner epoch for "no owner": claim and save fail with CKPT_CORRUPT', async () => {
    const { store, dir } = await withSnapshot();
    const owner = join(dir, 'task-0', 'owner-epoch');
    writeFileSync(owner, flip(readFileSync(owner), 10));
    expect(await codeOf(store.save('task-0', 0, [13, 3, 0], Uint8Array.from([1])))).toBe('CKPT_CORRUPT');
    expect(await codeOf(store.save('task-0', 1, [13, 3, 0], Uint8Array.from([1])))).toBe('CKPT_CORRUPT');
    expect(await codeOf(store.claim('task-0'))).toBe('CKPT_CORRUPT');
    expect(existsSync(join(dir, 'task-0', 'snap-13-3-0.ckpt'))).toBe(false);
  });

  it('leaves no temporary files behind, and the next claim removes what a crash mid-save left', async () => {
    const { store, dir } = await withSnapshot();
    const taskDir = join(dir, 'task-0');
    expect(readdirSync(taskDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // A crash after the temp file, and one after the rename but before the index was rewritten:
    writeFileSync(join(taskDir, '.snap-99-3-0.ckpt.tmp-1234-abcd'), 'partial');
    writeFileSync(join(taskDir, 'snap-98-3-0.ckpt'), readFileSync(join(taskDir, 'snap-12-3-0.ckpt')));
    const restarted = new FileCheckpointStore({ dir });
    expect(await restarted.latestOffsets('task-0')).toEqual([12, 3, 0]);
    await restarted.claim('task-0');
    expect(readdirSync(taskDir).sort()).toEqual(['owner-epoch', 'recent', 'snap-12-3-0.ckpt']);
    expect(await restarted.load('task-0', [12, 3, 0])).toHaveLength(200);
    await store.close();
  });

  it.each(['../escape', 'a/b', '.', '..', 'x\\y', 'Grüße p0', 'a.b'])('keeps task id %j inside its own directory under the root', async (taskId) => {
    const root = join(freshDir(), 'root');
    const store = new FileCheckpointStore({ dir: root });
    const epoch = await store.claim(taskId);
    await store.save(taskId, epoch, [1], Uint8Array.from([1]));
    const entries = readdirSync(root);
    expect(entries).toHaveLength(1);
    expect(readdirSync(join(root, entries[0]!))).toContain('snap-1.ckpt');
    expect(readdirSync(join(root, '..'))).toEqual(['root']);
    expect(await store.load(taskId, [1])).toEqual(Uint8Array.from([1]));
  });

  it('aliases of one directory share the per-task lock (a relative and an absolute path)', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const rel = new FileCheckpointStore({ dir: join(dir, '.', 'x', '..') });
    const abs = new FileCheckpointStore({ dir });
    const epochs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? rel : abs).claim('t')));
    expect(new Set(epochs).size).toBe(20);
    expect(Math.max(...epochs)).toBe(20);
  });

  it.each<[string, () => Promise<unknown>]>([
    ['empty offsets', () => new FileCheckpointStore({ dir: freshDir() }).load('t', [])],
    ['negative offsets', () => new FileCheckpointStore({ dir: freshDir() }).save('t', 1, [3, -1], new Uint8Array(1))],
    ['fractional offsets', () => new FileCheckpointStore({ dir: freshDir() }).load('t', [1.5])],
    ['an empty task id', () => new FileCheckpointStore({ dir: freshDir() }).claim('')],
  ])('rejects %s as a programming error (RangeError)', async (_why, call) => {
    await expect(call()).rejects.toBeInstanceOf(RangeError);
  });

  it('fails with CKPT_STORE_UNAVAILABLE when the directory cannot be used, and after close', async () => {
    const blocker = join(freshDir());
    writeFileSync(blocker, 'a file where the directory should be');
    const broken = new FileCheckpointStore({ dir: join(blocker, 'checkpoints') });
    expect(await codeOf(broken.claim('t'))).toBe('CKPT_STORE_UNAVAILABLE');
    const store = new FileCheckpointStore({ dir: freshDir() });
    const epoch = await store.claim('t');
    await store.close();
    expect(await codeOf(store.save('t', epoch, [1], Uint8Array.from([1])))).toBe('CKPT_STORE_UNAVAILABLE');
    expect(await codeOf(store.latestOffsets('t'))).toBe('CKPT_STORE_UNAVAILABLE');
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}
