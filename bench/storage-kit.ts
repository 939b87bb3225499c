/**
 * Plumbing of `storage.bench.ts`: `tickflow store` as a child process (through bench-kit.ts) and
 * one-shot ClickHouse queries in a process of their own (chDB opens one data directory per process).
 * Benchmark-only.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, startTickflow, type TickflowChild } from './bench-kit';

const RUN_TS = join(REPO_ROOT, 'bin', 'run-ts.mjs');
/** Prints the rows of one query against a chDB directory (database `tickflow`) as JSON; shared with the processor's tests. */
const CH_QUERY = join(REPO_ROOT, 'apps', 'processor', 'test', 'support', 'ch-query.ts');
const run = promisify(execFile);

/** Variables that would point a child at a ClickHouse server: the benchmark measures embedded chDB. */
const SERVER_VARIABLES = ['CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE'];

/** The bench's environment without the ClickHouse server variables, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVER_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

/** `node bin/tickflow.mjs store` with `env` (see `childEnv`). */
export function startStore(env: NodeJS.ProcessEnv): TickflowChild {
  return startTickflow('store', 'tickflow store', ['store'], env);
}

/** Runs `sql` on the chDB directory `path` (database `tickflow`) in a child process; returns its rows. */
export async function chdbQueryInChild<T>(path: string, sql: string): Promise<T[]> {
  const { stdout } = await run(process.execPath, [RUN_TS, CH_QUERY, path, sql], { cwd: REPO_ROOT, env: childEnv({}), timeout: 300_000, maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(stdout) as T[];
}
