import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LakeLockError, LakeWriterLock } from './lake-writer-lock';

let lake: string;
beforeEach(() => {
  lake = mkdtempSync(join(tmpdir(), 'tickflow-lock-'));
});
afterEach(() => rmSync(lake, { recursive: true, force: true }));

describe('LakeWriterLock', () => {
  it('holds the lake for this pid until released', () => {
    const lock = LakeWriterLock.acquire(lake);
    expect(readFileSync(join(lake, '.writer.lock'), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(lake, '.writer.lock'))).toBe(false);
  });

  it('refuses a lake whose lock belongs to a running process', () => {
    writeFileSync(join(lake, '.writer.lock'), `${process.ppid}\n`); // the test runner's parent: alive
    expect(() => LakeWriterLock.acquire(lake)).toThrow(LakeLockError);
    expect(readFileSync(join(lake, '.writer.lock'), 'utf8').trim()).toBe(String(process.ppid));
  });

  it('takes over the lock of a writer that is gone (SIGKILL leaves it behind)', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(lake, '.writer.lock'), `${gone}\n`);
    const lock = LakeWriterLock.acquire(lake);
    expect(readFileSync(join(lake, '.writer.lock'), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });
});
