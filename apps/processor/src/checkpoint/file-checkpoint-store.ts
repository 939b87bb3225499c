import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { CheckpointError, offsetsTag, type CheckpointStore } from './checkpoint-store';

export interface FileCheckpointStoreOptions {
  /** Root directory, created if missing; one subdirectory per task. E.g. `./data/checkpoints`. */
  dir: string;
  /** Snapshots kept per task (the newest ones), as in RedisCheckpointStore. @defaultValue 3 */
  keep?: number;
}

/** RedisCheckpointStore's default: the newest snapshot, the one the last commit may still point at, and one more. */
const DEFAULT_KEEP = 3;

const OWNER_FILE = 'owner-epoch';
const RECENT_FILE = 'recent';
const SNAPSHOT_PREFIX = 'snap-';
const SNAPSHOT_SUFFIX = '.ckpt';
const TMP_MARKER = '.tmp-';

/**
 * File layout (format 1). Every file is one frame:
 *   `TFCK` · format version (1 byte) · kind (1 byte) · payload length (uint32 BE) · payload ·
 *   CRC-32 (IEEE, uint32 BE) of everything before it.
 * Kinds: `E` owner epoch (payload: the epoch in decimal ASCII), `R` recent tags (newest first, `\n`
 * separated), `S` snapshot (payload: tag length uint16 BE · tag · the snapshot bytes). A snapshot
 * carries its own tag so a file copied or renamed under another tag's name is refused, not restored.
 */
const MAGIC = Buffer.from('TFCK', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = MAGIC.length + 1 + 1 + 4;
const TRAILER_BYTES = 4;
const KIND = { owner: 0x45, recent: 0x52, snapshot: 0x53 } as const; // 'E' 'R' 'S'
type Kind = (typeof KIND)[keyof typeof KIND];
const TAG_PATTERN = /^\d+(-\d+)*$/;

/**
 * Task snapshots as files, for the embedded profile:
 *
 * ```
 * <dir>/<task>/owner-epoch          the owning epoch (claim increments it)
 * <dir>/<task>/recent               offsets tags of the kept snapshots, newest first
 * <dir>/<task>/snap-<offsets>.ckpt  one snapshot, e.g. snap-120-7-0.ckpt
 * ```
 *
 * Same contract as {@link RedisCheckpointStore}: `claim` returns a strictly higher epoch each time,
 * a save with any other epoch than the current owner's fails with `CKPT_FENCED` and changes nothing,
 * the newest `keep` snapshots are kept, and re-saving a tag makes it the newest again. Two instances
 * on the same directory in one process fence each other exactly as two Redis clients do: per task,
 * claim and save (read owner, check, write, index, prune) run one at a time across all instances of
 * the process, as Redis runs the save script atomically. Two *processes* on one directory are not
 * supported (the embedded profile is one process; chDB and DuckDB bind their directories the same way).
 *
 * Durability — what fsync guarantees here. A write goes to a temporary file in the task directory,
 * which is fsync'ed (its data and inode reach the disk), renamed over the final name (atomic on
 * POSIX: a reader sees the old file or the new one, never a mix), and then the directory is fsync'ed
 * (the rename itself reaches the disk). `save` writes the snapshot that way, then the `recent` index,
 * so when `save` resolves — before the processor commits the Kafka transaction for those offsets —
 * the snapshot and `latestOffsets` survive a process crash, a kernel panic or a power cut, on a local
 * file system that honours fsync (ext4, xfs, btrfs). It does not cover: disks whose volatile write
 * cache ignores flushes, network file systems with weaker semantics, macOS (Node's fsync is not
 * F_FULLFSYNC) or Windows (directories cannot be fsync'ed; skipped). A crash before `save` resolves
 * leaves the earlier snapshots intact, plus at worst a temporary file or an unindexed snapshot, both
 * removed by the next `claim`. What fsync cannot prevent — bit rot, a truncated copy, a file edited
 * by hand — the CRC catches: such a file is reported as `CKPT_CORRUPT` and never used.
 *
 * Errors: `CKPT_FENCED` (stale epoch), `CKPT_CORRUPT` (a file fails its frame or CRC check),
 * `CKPT_STORE_UNAVAILABLE` (I/O failure, or the store is closed). Invalid arguments throw RangeError.
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly dir: string;
  private readonly keep: number;
  private root: Promise<string> | null = null;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(opts: FileCheckpointStoreOptions) {
    const keep = opts.keep ?? DEFAULT_KEEP;
    if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`FileCheckpointStore: keep must be an integer ≥ 1, got ${String(opts.keep)}`);
    this.dir = resolve(opts.dir);
    this.keep = keep;
  }

  async claim(taskId: string): Promise<number> {
    const dirName = taskDirName(taskId);
    return this.run(taskId, 'claiming the task', async (root) => {
      const dir = join(root, dirName);
      return exclusive(dir, async () => {
        await ensureDir(root, dir);
        const next = (await readOwner(dir)) + 1;
        await writeAtomically(dir, OWNER_FILE, frame(KIND.owner, [Buffer.from(String(next), 'latin1')]));
        await sweepCrashLeftovers(dir);
        return next;
      });
    });
  }

  async save(taskId: string, epoch: number, offsets: readonly number[], bytes: Uint8Array): Promise<void> {
    const dirName = taskDirName(taskId);
    const tag = checkedTag(offsets);
    return this.run(taskId, 'saving the snapshot', async (root) => {
      const dir = join(root, dirName);
      await exclusive(dir, async () => {
        const owner = await readOwner(dir);
        if (owner !== epoch) throw new CheckpointError('CKPT_FENCED', `task ${taskId}: CKPT_FENCED owner epoch ${owner}, writer epoch ${epoch}`);
        const tagBytes = Buffer.from(tag, 'latin1');
        const tagLength = Buffer.alloc(2);
        tagLength.writeUInt16BE(tagBytes.length);
        await writeAtomically(dir, snapshotFile(tag), frame(KIND.snapshot, [tagLength, tagBytes, bytes]));
        const recent = [tag, ...(await readRecent(dir)).filter((t) => t !== tag)];
        await writeAtomically(dir, RECENT_FILE, frame(KIND.recent, [Buffer.from(recent.slice(0, this.keep).join('\n'), 'latin1')]));
        for (const old of recent.slice(this.keep)) await unlinkIfPresent(join(dir, snapshotFile(old)));
      });
    });
  }

  async latestOffsets(taskId: string): Promise<number[] | null> {
    const dirName = taskDirName(taskId);
    return this.run(taskId, 'reading the newest offsets', async (root) => {
      const newest = (await readRecent(join(root, dirName)))[0];
      return newest === undefined ? null : newest.split('-').map(Number);
    });
  }

  async load(taskId: string, offsets: readonly number[]): Promise<Uint8Array | null> {
    const dirName = taskDirName(taskId);
    const tag = checkedTag(offsets);
    return this.run(taskId, 'loading the snapshot', async (root) => {
      const path = join(root, dirName, snapshotFile(tag));
      const file = await readIfPresent(path);
      if (!file) return null;
      const payload = unframe(file, KIND.snapshot, path);
      const tagLength = payload.length >= 2 ? payload.readUInt16BE(0) : -1;
      const stored = tagLength >= 0 && payload.length >= 2 + tagLength ? payload.toString('latin1', 2, 2 + tagLength) : null;
      if (stored !== tag) throw new CheckpointError('CKPT_CORRUPT', `${path}: holds the snapshot for offsets ${JSON.stringify(stored)}, not ${tag}`);
      return new Uint8Array(payload.buffer, payload.byteOffset + 2 + tagLength, payload.length - 2 - tagLength);
    });
  }

  /** Waits for this instance's operations in flight; later calls fail with CKPT_STORE_UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs `op` with the root directory; maps I/O failures to CKPT_STORE_UNAVAILABLE, naming the task and the step. */
  private run<T>(taskId: string, what: string, op: (root: string) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new CheckpointError('CKPT_STORE_UNAVAILABLE', `task ${taskId}: ${what} failed: the checkpoint store is closed`));
    const p = this.rootDir()
      .then(op)
      .catch((err: unknown) => {
        if (err instanceof CheckpointError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        throw new CheckpointError('CKPT_STORE_UNAVAILABLE', `task ${taskId}: ${what} failed: ${message}`, { cause: err });
      });
    this.inFlight.add(p);
    const done = (): void => void this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  /** The root, created on first use; its real path keys the per-task lock, so aliases of one directory share it. */
  private rootDir(): Promise<string> {
    if (!this.root) {
      this.root = mkdir(this.dir, { recursive: true }).then(() => realpath(this.dir));
      this.root.catch(() => (this.root = null)); // retry on the next call
    }
    return this.root;
  }
}

// ---------------------------------------------------------------------------------------------
// Per-task mutual exclusion within the process (what Redis' single-threaded scripts give the Redis store)
// ---------------------------------------------------------------------------------------------

const taskQueues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier `exclusive` call on the same task directory has settled. */
function exclusive<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = taskQueues.get(dir) ?? Promise.resolve();
  const result = previous.then(fn, fn);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  taskQueues.set(dir, tail);
  void tail.then(() => {
    if (taskQueues.get(dir) === tail) taskQueues.delete(dir);
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** A task id as one safe path component: percent-encoded, dots included (no `.`, `..` or `/` can escape the root). */
function taskDirName(taskId: string): string {
  if (typeof taskId !== 'string' || taskId.length === 0 || taskId.length > 200) throw new RangeError(`checkpoint task id must be 1–200 characters, got ${JSON.stringify(taskId)}`);
  return encodeURIComponent(taskId).replace(/[!'()*.~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function checkedTag(offsets: readonly number[]): string {
  if (!Array.isArray(offsets) || offsets.length === 0 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new RangeError(`checkpoint offsets must be a non-empty list of non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  return offsetsTag(offsets);
}

const snapshotFile = (tag: string): string => `${SNAPSHOT_PREFIX}${tag}${SNAPSHOT_SUFFIX}`;

// ---------------------------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------------------------

function frame(kind: Kind, parts: readonly Uint8Array[]): Buffer[] {
  const length = parts.reduce((n, p) => n + p.byteLength, 0);
  if (length > 0xffff_ffff) throw new RangeError(`checkpoint file payload of ${length} bytes exceeds 4 GiB`);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = FORMAT_VERSION;
  header[MAGIC.length + 1] = kind;
  header.writeUInt32BE(length, MAGIC.length + 2);
  let crc = crc32(header);
  for (const p of parts) crc = crc32(p, crc);
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32BE(crc >>> 0);
  return [header, ...parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), trailer];
}

/** The payload of a frame of `kind`. @throws CheckpointError CKPT_CORRUPT, naming the file and the defect. */
function unframe(file: Buffer, kind: Kind, path: string): Buffer {
  const corrupt = (why: string): CheckpointError => new CheckpointError('CKPT_CORRUPT', `${path}: ${why}; refusing to use it`);
  if (file.length < HEADER_BYTES + TRAILER_BYTES) throw corrupt(`truncated (${file.length} bytes)`);
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('not a tickflow checkpoint file (no TFCK magic)');
  if (file[MAGIC.length] !== FORMAT_VERSION) throw corrupt(`format version ${String(file[MAGIC.length])}, this build reads ${FORMAT_VERSION}`);
  if (file[MAGIC.length + 1] !== kind) throw corrupt(`holds a '${String.fromCharCode(file[MAGIC.length + 1]!)}' frame, expected '${String.fromCharCode(kind)}'`);
  const length = file.readUInt32BE(MAGIC.length + 2);
  if (file.length !== HEADER_BYTES + length + TRAILER_BYTES) throw corrupt(`${file.length} bytes, the header says ${HEADER_BYTES + length + TRAILER_BYTES} (truncated or extended)`);
  const end = HEADER_BYTES + length;
  if ((crc32(file.subarray(0, end)) >>> 0) !== file.readUInt32BE(end)) throw corrupt('checksum mismatch (altered or torn bytes)');
  return file.subarray(HEADER_BYTES, end);
}

async function readOwner(dir: string): Promise<number> {
  const path = join(dir, OWNER_FILE);
  const file = await readIfPresent(path);
  if (!file) return 0;
  const text = unframe(file, KIND.owner, path).toString('latin1');
  const epoch = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new CheckpointError('CKPT_CORRUPT', `${path}: owner epoch ${JSON.stringify(text)} is not a positive integer`);
  return epoch;
}

async function readRecent(dir: string): Promise<string[]> {
  const path = join(dir, RECENT_FILE);
  const file = await readIfPresent(path);
  if (!file) return [];
  const text = unframe(file, KIND.recent, path).toString('latin1');
  if (text === '') return [];
  const tags = text.split('\n');
  const bad = tags.find((t) => !TAG_PATTERN.test(t));
  if (bad !== undefined) throw new CheckpointError('CKPT_CORRUPT', `${path}: ${JSON.stringify(bad)} is not an offsets tag`);
  return tags;
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

async function readIfPresent(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Creates the task directory and makes its entry in the root durable (first claim only). */
async function ensureDir(root: string, dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  await syncDir(root);
}

/** tmp file → write → fsync → rename over `name` → fsync the directory. See the class comment. */
async function writeAtomically(dir: string, name: string, parts: readonly Buffer[]): Promise<void> {
  const tmp = join(dir, `.${name}${TMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  let fh: FileHandle | null = await open(tmp, 'wx');
  try {
    for (const part of parts) {
      for (let at = 0; at < part.length; ) at += (await fh.write(part, at, part.length - at)).bytesWritten;
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, join(dir, name));
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlinkIfPresent(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Removes what a crash in `save` can leave: temporary files, and snapshots written but never indexed
 * (their `save` never returned, so no transaction committed their offsets). Runs under the task lock,
 * after the claim fenced every earlier owner of this process.
 */
async function sweepCrashLeftovers(dir: string): Promise<void> {
  // An unreadable index keeps every snapshot: latestOffsets reports it, nothing is deleted on a guess.
  const kept = await readRecent(dir).then(
    (tags) => new Set(tags.map(snapshotFile)),
    (err: unknown) => {
      if (err instanceof CheckpointError && err.code === 'CKPT_CORRUPT') return null;
      throw err;
    },
  );
  for (const name of await readdir(dir)) {
    const leftover = name.includes(TMP_MARKER) || (kept !== null && name.startsWith(SNAPSHOT_PREFIX) && name.endsWith(SNAPSHOT_SUFFIX) && !kept.has(name));
    if (leftover) await unlinkIfPresent(join(dir, name));
  }
}
