import { join } from 'node:path';
import { acquirePidLock, releasePidLock } from '@tickflow/config';

export class LakeLockError extends Error {
  override readonly name = 'LakeLockError';
  readonly code = 'LAKE_LOCKED';
}

/**
 * One lake writer per lake directory, on one host: `<lake>/.writer.lock` holds the writer's pid.
 *
 * Why: the writer publishes a batch (rename) before committing its offsets. Kafka's group
 * generation makes a stale member's *commit* fail, but cannot stop a stale member — one paused past
 * its session timeout while another took its partitions over — from *renaming* a batch the new
 * owner is rewriting with other boundaries. With a single writer per lake that cannot happen: its
 * own recovery, after it rejoins, removes what it published without committing.
 *
 * A lock whose pid no longer runs (a SIGKILLed writer) is taken over. Advisory: it binds
 * `tickflow lake` processes that share a file system with one pid namespace.
 */
export class LakeWriterLock {
  private constructor(readonly path: string) {}

  static acquire(lakeRoot: string): LakeWriterLock {
    const path = join(lakeRoot, '.writer.lock');
    acquirePidLock(path, {
      heldBySelf: false,
      heldError: (holder) => new LakeLockError(`another lake writer (pid ${holder}) writes to ${lakeRoot} (${path}); run one writer per lake, or remove the lock if that pid is not a lake writer`),
      contendedError: () => new LakeLockError(`could not take ${path}: another writer keeps taking it`),
    });
    return new LakeWriterLock(path);
  }

  release(): void {
    releasePidLock(this.path);
  }
}
