import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquirePidLock, isProcessRunning, readPidFile, releasePidLock } from './pid-file';

const dir = mkdtempSync(join(tmpdir(), 'tickflow-pid-'));
const lock = join(dir, 'x.lock');
const opts = (heldBySelf: boolean) => ({ heldBySelf, heldError: (pid: number) => new Error(`held by ${pid}`), contendedError: () => new Error('contended') });

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

afterEach(() => rmSync(lock, { force: true }));

describe('pid lock files', () => {
  it('writes this pid; a second acquire is refused when the holder counts as held, taken over when not', () => {
    acquirePidLock(lock, opts(true));
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => acquirePidLock(lock, opts(true))).toThrow(`held by ${process.pid}`);
    expect(() => acquirePidLock(lock, opts(false))).not.toThrow();
    expect(readPidFile(lock)).toBe(process.pid);
  });

  it("refuses a live process's lock and takes over a dead one's", () => {
    writeFileSync(lock, `${process.ppid}\n`);
    expect(() => acquirePidLock(lock, opts(false))).toThrow(`held by ${process.ppid}`);
    const dead = deadPid();
    expect(isProcessRunning(dead)).toBe(false);
    writeFileSync(lock, `${dead}\n`);
    acquirePidLock(lock, opts(true));
    expect(readPidFile(lock)).toBe(process.pid);
  });

  it('releases only its own lock, and reads garbage as no pid', () => {
    writeFileSync(lock, `${process.ppid}\n`);
    releasePidLock(lock);
    expect(existsSync(lock)).toBe(true);
    writeFileSync(lock, 'not a pid');
    expect(readPidFile(lock)).toBeNull();
    writeFileSync(lock, `${process.pid}\n`);
    releasePidLock(lock);
    expect(existsSync(lock)).toBe(false);
  });
});
