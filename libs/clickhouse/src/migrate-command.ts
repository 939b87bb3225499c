import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClickHouse } from './clickhouse';
import { describeClickHouse, loadClickHouseSettings } from './clickhouse-settings';
import { createClickHouse } from './create-clickhouse';
import { isClickHouseError } from './errors';
import { DEFAULT_MIGRATIONS_DIR, runMigrations } from './migrations';

export const MIGRATE_USAGE = `Usage: tickflow migrate [--clickhouse-url URL] [--clickhouse-user NAME] [--clickhouse-database NAME]
                        [--clickhouse-path DIR] [--dir DIR]

Applies the ClickHouse migrations (clickhouse/NNNN_*.sql) the database has not applied yet, in
order, and records each in its schema_migrations table. Safe to run again: applied migrations are
skipped. Refuses, changing nothing, if an applied migration's file was edited since.

  --clickhouse-url URL        a ClickHouse server, http(s)://host:port (env CLICKHOUSE_URL);
                              password from env CLICKHOUSE_PASSWORD. Without it: embedded chDB
  --clickhouse-user NAME      server user (env CLICKHOUSE_USER, default: from the URL, else default)
  --clickhouse-database NAME  database, created if missing (env CLICKHOUSE_DATABASE, default tickflow)
  --clickhouse-path DIR       chDB data directory (env TICKFLOW_CLICKHOUSE_PATH, default ./data/clickhouse)
  --dir DIR                   migrations directory (default: the repository's clickhouse/)`;

export interface MigrateCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `tickflow migrate`: exit code 0 when the database is up to date, 1 when a migration failed or was refused. */
export async function migrateCommand(args: string[], io: MigrateCommandIo = { out: console.log, err: console.error }): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'clickhouse-url': { type: 'string' },
      'clickhouse-user': { type: 'string' },
      'clickhouse-database': { type: 'string' },
      'clickhouse-path': { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(MIGRATE_USAGE);
    return 0;
  }
  const settings = loadClickHouseSettings(values, process.env);
  const dir = values.dir === undefined ? DEFAULT_MIGRATIONS_DIR : resolve(values.dir);
  io.out(`migrating ${describeClickHouse(settings)} from ${dir}`);
  let ch: ClickHouse;
  try {
    ch = await createClickHouse(settings);
  } catch (err) {
    if (!isClickHouseError(err)) throw err;
    io.err(`tickflow migrate: ${err.code}: ${err.message}`);
    return 1;
  }
  try {
    const { applied, skipped } = await runMigrations(ch, dir);
    const lines = [
      ...applied.map((m) => ({ v: m.version, line: `  applied  ${m.name}  (${m.statements} statement${m.statements === 1 ? '' : 's'}, ${m.elapsedMs} ms)` })),
      ...skipped.map((m) => ({ v: m.version, line: `  skipped  ${m.name}  (applied ${m.appliedAt} UTC)` })),
    ].sort((a, b) => a.v - b.v);
    for (const l of lines) io.out(l.line);
    io.out(`${applied.length} applied, ${skipped.length} already applied`);
    return 0;
  } catch (err) {
    if (!isClickHouseError(err)) throw err;
    io.err(`tickflow migrate: ${err.code}: ${err.message}`);
    return 1;
  } finally {
    await ch.close();
  }
}
