import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A store file that cannot be used: not JSON, not the kind of file expected, or unreadable. The
 * message names the file; the stores never overwrite a file they could not read.
 */
export class StoreFileError extends Error {
  readonly code = 'STORE_FILE_INVALID';
  constructor(
    readonly path: string,
    /** What the file should be, for the message: `the API key file`. */
    readonly what: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${what} ${path} cannot be used: ${detail}. Repair it or move it away; it is left as it is`, options);
    this.name = 'StoreFileError';
  }
}

/** Identifies one version of a file: an atomic replace always gives a new inode. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  return a === b || (a !== null && b !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs);
}

/** The file's stamp, or null when it does not exist. */
export async function fileStamp(path: string): Promise<FileStamp | null> {
  try {
    const s = await stat(path);
    return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Reads and parses a JSON file. Null when it does not exist (a store that has never written).
 * @throws StoreFileError when it is unreadable or not JSON.
 */
export async function readJsonFile(path: string, what: string): Promise<{ value: unknown; stamp: FileStamp } | null> {
  let text: string;
  let stamp: FileStamp;
  try {
    const fh = await open(path, 'r');
    try {
      const s = await fh.stat(); // the stamp of the very inode read, even if the file is replaced meanwhile
      stamp = { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreFileError(path, what, `it cannot be read (${(err as Error).message})`, { cause: err });
  }
  try {
    return { value: JSON.parse(text) as unknown, stamp };
  } catch (err) {
    throw new StoreFileError(path, what, `it is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Replaces `path` with `text` atomically: written to a temporary file beside it, fsynced, renamed
 * over it, then the directory is fsynced. A reader sees the old content or the new, never a part;
 * a crash leaves at most a stray `*.tmp`. Creates the directory if needed.
 * @param mode permissions of a new file; 0600 because the stores hold secrets or their hashes.
 * @returns the stamp of the file written.
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<FileStamp> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let stamp: FileStamp;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
      const s = await fh.stat();
      stamp = { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
  return stamp;
}

/** Makes a rename durable. Not every platform can open a directory (Windows): best effort there. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // The rename itself has happened; only its durability across a power cut is not guaranteed.
  }
}

/** A small reader for decoding store files: each failure names where in the document it is. */
export function expectRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where}: expected an object`);
  return value as Record<string, unknown>;
}
