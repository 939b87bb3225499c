import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouse } from './clickhouse';
import { ClickHouseError, isClickHouseError } from './errors';
import { formatDateTime64 } from './query-params';
import { splitSqlStatements } from './sql-statements';

/** The repository's `clickhouse/` directory: tickflow's migrations. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../clickhouse/', import.meta.url));

/** `0001_event_tables.sql`: a 4-digit version, then a snake_case name. */
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Where applied migrations are recorded, in the port's database. */
export const MIGRATIONS_TABLE = 'schema_migrations';

export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. `0001_event_tables`. */
  name: string;
  file: string;
  /** sha256 (hex) of the file with line endings normalised to `\n`. */
  checksum: string;
  statements: string[];
}

export interface AppliedMigration {
  version: number;
  name: string;
  statements: number;
  elapsedMs: number;
}

export interface SkippedMigration {
  version: number;
  name: string;
  /** When it was applied, `'YYYY-MM-DD hh:mm:ss.sss'` UTC. */
  appliedAt: string;
}

export interface MigrationRunResult {
  /** Applied by this run, in order. */
  applied: AppliedMigration[];
  /** Already applied earlier (checksum verified), in order. */
  skipped: SkippedMigration[];
}

export interface RunMigrationsOptions {
  /** Called after each migration this run applies (for progress output). */
  onApplied?: (m: AppliedMigration) => void;
}

/**
 * Reads `NNNN_name.sql` files from `dir`, in version order. Other `.sql` names and duplicate
 * versions throw `CH_MIGRATION_INVALID`; non-`.sql` files (a README) are ignored.
 */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of files) {
    const m = MIGRATION_FILE.exec(file);
    if (!m) throw new ClickHouseError('CH_MIGRATION_INVALID', `${file}: a migration is named NNNN_snake_case_name.sql (e.g. 0003_add_index.sql)`, { file });
    const version = Number(m[1]);
    if (version === 0) throw new ClickHouseError('CH_MIGRATION_INVALID', `${file}: versions start at 0001`, { file });
    const other = seen.get(version);
    if (other !== undefined) throw new ClickHouseError('CH_MIGRATION_INVALID', `${file} and ${other} have the same version ${m[1]}`, { file });
    seen.set(version, file);
    const text = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    let statements: string[];
    try {
      statements = splitSqlStatements(text);
    } catch (err) {
      throw new ClickHouseError('CH_MIGRATION_INVALID', `${file}: ${err instanceof Error ? err.message : String(err)}`, { file, cause: err });
    }
    if (statements.length === 0) throw new ClickHouseError('CH_MIGRATION_INVALID', `${file} has no statements`, { file });
    migrations.push({ version, name: file.slice(0, -4), file, checksum: sha256(text), statements });
  }
  return migrations;
}

/**
 * Applies the migrations in `dir` that `ch`'s database has not applied yet, in version order, and
 * records each in `schema_migrations` (version, name, checksum, applied_at). Running it again
 * applies nothing.
 *
 * Checks everything before changing anything: an applied migration whose file changed throws
 * `CH_MIGRATION_CHECKSUM`, one missing from `dir` throws `CH_MIGRATION_UNKNOWN`. A failing
 * statement throws `CH_MIGRATION_FAILED` naming the file and statement; the migration is not
 * recorded, and the next run starts it again from its first statement.
 *
 * ClickHouse DDL is not transactional, so every statement of a migration must be safe to run
 * twice (`IF NOT EXISTS`, `IF EXISTS`): that makes a re-run after a crash, and two runners at
 * once, harmless (`schema_migrations` is a ReplacingMergeTree read with FINAL).
 */
export async function runMigrations(ch: ClickHouse, dir: string = DEFAULT_MIGRATIONS_DIR, options: RunMigrationsOptions = {}): Promise<MigrationRunResult> {
  const migrations = await readMigrations(dir);
  await ch.command(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
       version UInt32,
       name String,
       checksum String,
       applied_at DateTime64(3, 'UTC')
     ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
  );
  const recorded = await ch.query<{ version: number; name: string; checksum: string; applied_at: string }>(
    `SELECT version, name, checksum, applied_at FROM ${MIGRATIONS_TABLE} FINAL ORDER BY version`,
  );
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const applied = new Map<number, string>();
  for (const r of recorded) {
    const m = byVersion.get(r.version);
    if (!m) {
      throw new ClickHouseError(
        'CH_MIGRATION_UNKNOWN',
        `database ${ch.database} has migration ${r.name} (version ${r.version}) applied, but ${dir} has no such file: this build is older than the database schema`,
        { file: `${r.name}.sql` },
      );
    }
    if (m.checksum !== r.checksum) {
      throw new ClickHouseError(
        'CH_MIGRATION_CHECKSUM',
        `${m.file} changed after it was applied to database ${ch.database} (recorded checksum ${r.checksum.slice(0, 12)}…, file now ${m.checksum.slice(0, 12)}…): ` +
          'restore the applied version and put the change in a new migration',
        { file: m.file },
      );
    }
    applied.set(r.version, r.applied_at);
  }

  const result: MigrationRunResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    const appliedAt = applied.get(m.version);
    if (appliedAt !== undefined) {
      result.skipped.push({ version: m.version, name: m.name, appliedAt });
      continue;
    }
    const started = performance.now();
    for (const [i, statement] of m.statements.entries()) {
      try {
        await ch.command(statement);
      } catch (err) {
        const why = isClickHouseError(err) ? err.message : String(err);
        throw new ClickHouseError('CH_MIGRATION_FAILED', `${m.file}, statement ${i + 1} of ${m.statements.length}: ${why}`, {
          file: m.file,
          cause: err,
          serverCode: isClickHouseError(err) ? err.serverCode : undefined,
          serverType: isClickHouseError(err) ? err.serverType : undefined,
        });
      }
    }
    await ch.insert(MIGRATIONS_TABLE, [{ version: m.version, name: m.name, checksum: m.checksum, applied_at: formatDateTime64(Date.now()) }]);
    const done: AppliedMigration = { version: m.version, name: m.name, statements: m.statements.length, elapsedMs: Math.round(performance.now() - started) };
    result.applied.push(done);
    options.onApplied?.(done);
  }
  return result;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
