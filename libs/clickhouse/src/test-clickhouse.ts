import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouse } from './clickhouse';
import { loadClickHouseSettings } from './clickhouse-settings';
import type { ClickHouseSettings } from './clickhouse-settings';
import { createClickHouse } from './create-clickhouse';
import { isProcessRunning } from '@tickflow/config';

/** Parent of the per-process chDB directories of tests: `<tmpdir>/tickflow-clickhouse-tests/<pid>`. */
export const TEST_CHDB_ROOT = join(tmpdir(), 'tickflow-clickhouse-tests');

export interface TestClickHouse {
  ch: ClickHouse;
  /** The settings `ch` was opened with (a fresh database name). */
  settings: ClickHouseSettings;
  /** Drops the test's database and closes `ch`. */
  dispose(): Promise<void>;
}

/**
 * A ClickHouse for one test file, in a database of its own (`tickflow_test_<random>`): the server
 * at `CLICKHOUSE_URL` when set (with `CLICKHOUSE_USER` / `CLICKHOUSE_PASSWORD`), else chDB. chDB
 * binds one data directory per process and vitest may run several files in one worker, so every
 * test in a process shares `<tmpdir>/tickflow-clickhouse-tests/<pid>`; directories of processes
 * that are gone are removed here. Goes through `loadClickHouseSettings`, like the apps.
 */
export async function openTestClickHouse(env: Record<string, string | undefined> = process.env): Promise<TestClickHouse> {
  const database = `tickflow_test_${randomBytes(6).toString('hex')}`;
  const server = (env['CLICKHOUSE_URL'] ?? '').trim() !== '';
  let path: string | undefined;
  if (!server) {
    path = join(TEST_CHDB_ROOT, String(process.pid));
    pruneDeadProcessDirs();
    mkdirSync(path, { recursive: true });
  }
  const settings = loadClickHouseSettings({}, { ...env, CLICKHOUSE_DATABASE: database, TICKFLOW_CLICKHOUSE_PATH: path });
  const ch = await createClickHouse(settings);
  return {
    ch,
    settings,
    async dispose() {
      try {
        await ch.command('DROP DATABASE IF EXISTS {db:Identifier} SYNC', { db: database });
      } finally {
        await ch.close();
      }
    },
  };
}

function pruneDeadProcessDirs(): void {
  let entries: string[];
  try {
    entries = readdirSync(TEST_CHDB_ROOT);
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isProcessRunning(pid)) continue;
    rmSync(join(TEST_CHDB_ROOT, name), { recursive: true, force: true });
  }
}
