import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/** The pid written in a lock file, or null when the file is missing or holds no pid. */
export function readPidFile(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidLockOptions {
  /** Whether a lock file holding this very process's pid counts as held (true) or as stale (false). */
  heldBySelf: boolean;
  /** The error thrown when a running process holds the lock. */
  heldError: (holderPid: number) => Error;
  /** The error thrown when the lock keeps being retaken by others between attempts. */
  contendedError: () => Error;
}

/**
 * Takes an advisory lock: creates `path` exclusively with this process's pid. A lock whose pid no
 * longer runs (a SIGKILLed holder) is taken over. Binds processes that share the file system and
 * one pid namespace.
 */
export function acquirePidLock(path: string, opts: PidLockOptions): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readPidFile(path);
    if (holder !== null && (opts.heldBySelf || holder !== process.pid) && isProcessRunning(holder)) throw opts.heldError(holder);
    rmSync(path, { force: true }); // stale: its process is gone
  }
  throw opts.contendedError();
}

/** Removes the lock if this process holds it. */
export function releasePidLock(path: string): void {
  if (readPidFile(path) === process.pid) rmSync(path, { force: true });
}
