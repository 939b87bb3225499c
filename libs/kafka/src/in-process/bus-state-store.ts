import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BusStateError } from '../errors';
import { acquirePidLock, releasePidLock } from '@tickflow/config';

/** topic → partition → offset. */
export type OffsetTable = Map<string, Map<number, number>>;

const VERSION = 1;
const RESERVATIONS_FILE = 'reservations.json';
const GROUP_OFFSETS_FILE = 'group-offsets.json';
const LOCK_FILE = 'bus.lock';

/**
 * What the in-process bus keeps across restarts in its `stateDir` — offsets, never records:
 *
 * - `reservations.json`: per partition, the end of the offsets that may have been handed out. A
 *   restarted bus starts each partition there, so no offset is ever given to two records (the
 *   ClickHouse writer's dedup tokens and the lake's file names are made of offsets).
 * - `group-offsets.json`: every consumer group's committed offsets, rewritten on each commit.
 *
 * Writes are synchronous and atomic (temp file, rename): a crash leaves the old or the new file,
 * never half of one. Reservations are rare and guard offset uniqueness, so they are also fsynced
 * (file and directory); group offsets are written on every commit and are not — after a power loss
 * they may be a little older, which only makes consumers start earlier (records are gone after a
 * restart anyway). `bus.lock` holds the directory for one live process.
 */
export class BusStateStore {
  private readonly reservations: OffsetTable;
  private readonly groups: Map<string, OffsetTable>;

  private constructor(
    readonly dir: string,
    private readonly lockPath: string,
  ) {
    this.reservations = readTable(join(dir, RESERVATIONS_FILE), 'partitions');
    const groups = readFile(join(dir, GROUP_OFFSETS_FILE), 'groups');
    this.groups = new Map(Object.entries(groups).map(([group, table]) => [group, toTable(join(dir, GROUP_OFFSETS_FILE), `groups.${group}`, table)]));
  }

  /**
   * Takes `dir` (created if missing) and reads what a previous run left.
   * @throws BusStateError BUS_STATE_CORRUPT naming the file that is not what the bus writes;
   *   BUS_STATE_LOCKED when another live process holds the directory
   */
  static open(dir: string): BusStateStore {
    mkdirSync(dir, { recursive: true });
    const lockPath = join(dir, LOCK_FILE);
    acquireLock(lockPath, dir);
    try {
      return new BusStateStore(dir, lockPath);
    } catch (err) {
      rmSync(lockPath, { force: true });
      throw err;
    }
  }

  /** End of the reserved offsets of a partition; 0 when none was ever reserved. */
  reservedEnd(topic: string, partition: number): number {
    return this.reservations.get(topic)?.get(partition) ?? 0;
  }

  /** Persists a partition's new reservation end before any offset below it is used. */
  reserve(topic: string, partition: number, end: number): void {
    let t = this.reservations.get(topic);
    if (!t) this.reservations.set(topic, (t = new Map()));
    t.set(partition, end);
    writeAtomic(join(this.dir, RESERVATIONS_FILE), { version: VERSION, partitions: fromTable(this.reservations) }, true);
  }

  /** Committed offsets per group as the previous run left them. */
  groupOffsets(): ReadonlyMap<string, OffsetTable> {
    return this.groups;
  }

  /** Persists every group's committed offsets (called after each commit). */
  saveGroupOffsets(groups: ReadonlyMap<string, OffsetTable>): void {
    const out: Record<string, Record<string, Record<string, number>>> = {};
    for (const [group, table] of groups) if (table.size > 0) out[group] = fromTable(table);
    writeAtomic(join(this.dir, GROUP_OFFSETS_FILE), { version: VERSION, groups: out }, false);
  }

  /** Releases the directory. */
  close(): void {
    releasePidLock(this.lockPath);
  }
}

function corrupt(file: string, why: string, cause?: unknown): BusStateError {
  return new BusStateError(
    'BUS_STATE_CORRUPT',
    `in-process bus state file ${file} is corrupt: ${why}. It is written only by the bus; restore it or delete the state directory (offsets then restart from 0, which breaks offset-derived dedup tokens and lake file names)`,
    cause === undefined ? undefined : { cause },
  );
}

function readFile(file: string, field: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, `not JSON (${(err as Error).message})`, err);
  }
  if (!isObject(parsed)) throw corrupt(file, 'not a JSON object');
  if (parsed['version'] !== VERSION) throw corrupt(file, `version ${JSON.stringify(parsed['version'])}, expected ${VERSION}`);
  const body = parsed[field];
  if (!isObject(body)) throw corrupt(file, `"${field}" is not an object`);
  return body;
}

function readTable(file: string, field: string): OffsetTable {
  return toTable(file, field, readFile(file, field));
}

function toTable(file: string, path: string, raw: unknown): OffsetTable {
  if (!isObject(raw)) throw corrupt(file, `${path} is not an object`);
  const table: OffsetTable = new Map();
  for (const [topic, partitions] of Object.entries(raw)) {
    if (!isObject(partitions)) throw corrupt(file, `${path}.${topic} is not an object`);
    const m = new Map<number, number>();
    for (const [p, offset] of Object.entries(partitions)) {
      if (!/^\d{1,9}$/.test(p)) throw corrupt(file, `${path}.${topic}: partition ${JSON.stringify(p)} is not a partition number`);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw corrupt(file, `${path}.${topic}.${p}: ${JSON.stringify(offset)} is not an offset`);
      m.set(Number(p), offset);
    }
    table.set(topic, m);
  }
  return table;
}

function fromTable(table: OffsetTable): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [topic, partitions] of table) out[topic] = Object.fromEntries([...partitions].sort((a, b) => a[0] - b[0]).map(([p, o]) => [String(p), o]));
  return out;
}

/**
 * Temp file + rename: a crashed process leaves the old or the new file. `durable` also fsyncs the
 * file and its directory, so the new one survives a power loss too.
 */
function writeAtomic(file: string, value: unknown, durable: boolean): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(value)}\n`);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (durable) fsyncDir(dirname(file));
}

function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // not supported here (Windows): the rename is still atomic
  }
  try {
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a directory
  } finally {
    closeSync(fd);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function acquireLock(path: string, dir: string): void {
  acquirePidLock(path, {
    heldBySelf: true,
    heldError: (holder) => {
      const who = holder === process.pid ? 'another InProcessKafka of this process' : `process ${holder}`;
      return new BusStateError('BUS_STATE_LOCKED', `${who} holds the in-process bus state in ${dir} (${path}); one bus per state directory (close() the other one first)`);
    },
    contendedError: () => new BusStateError('BUS_STATE_LOCKED', `could not take ${path}: another bus keeps taking it`),
  });
}
