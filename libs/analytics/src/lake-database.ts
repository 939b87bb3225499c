import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AnalyticsError } from './errors';
import { HIVE_COLUMNS, LAKE_DATASETS, TRADE_AGGREGATES, datasetDir, datasetGlob, fileColumns, type AnyLakeDataset } from './lake-layout';

export interface LakeDatabaseOptions {
  /**
   * Root directory of the Parquet lake. Trusted configuration (never user input): it is inlined,
   * quote-escaped, into the view definitions. It need not exist yet; views are then empty until
   * files appear (`refreshViews`).
   */
  lakeRoot: string;
  /**
   * Reference symbols (.csv or .parquet, the columns of `data/reference/symbols.csv`), loaded into
   * the table `symbols` before external access is locked. @defaultValue none: `symbols` is empty
   */
  referencePath?: string;
  /** DuckDB `memory_limit`, e.g. `'2GB'`. @defaultValue DuckDB's (80 % of RAM) */
  memoryLimit?: string;
  /** DuckDB worker threads. @defaultValue DuckDB's (one per core) */
  threads?: number;
}

/** Glob metacharacters: DuckDB's readers expand them, so a root holding one could read other files. */
const GLOB_CHARS = /[*?[\]{}]/;
const MEMORY_LIMIT = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const REFERENCE_COLUMNS = ['symbol', 'company_name', 'sector', 'industry', 'market_cap_tier', 'exchange'] as const;

/**
 * An in-memory DuckDB over the lake, locked down before anyone queries it (design §9):
 *
 * - views `enriched_trades` and `trade_aggregates` (every row, every version) over
 *   `read_parquet('<root>/<dataset>/**\/*.parquet', hive_partitioning = true)`, with `date` (DATE)
 *   and `hour` (INTEGER) from the directory names, and `symbol_aggregates_latest` (symbol-scope
 *   windows at their highest version);
 * - table `symbols` with the reference data, loaded before the lockdown;
 * - then `allowed_directories = ['<root>/']`, `enable_external_access = false`, extension
 *   auto-install/auto-load and community extensions off, and `lock_configuration = true`: no SQL run
 *   on this database afterwards can read or write files outside the lake, attach databases,
 *   install or load extensions, or change a setting back. The settings are global: every
 *   connection from `connect()` is locked too.
 *
 * Writes *inside* the lake root are not prevented by DuckDB (allowed directories are read-write);
 * the ad-hoc SQL entry therefore also refuses every statement but a single read-only query.
 */
export class LakeDatabase {
  private readonly emptyViews = new Set<string>();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly lakeRoot: string,
  ) {}

  static async open(opts: LakeDatabaseOptions): Promise<LakeDatabase> {
    const lakeRoot = checkedLakeRoot(opts.lakeRoot);
    const referencePath = opts.referencePath === undefined ? undefined : checkedReference(opts.referencePath);
    if (opts.memoryLimit !== undefined && !MEMORY_LIMIT.test(opts.memoryLimit)) {
      throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `memoryLimit: expected a size such as 2GB, got ${JSON.stringify(opts.memoryLimit)}`);
    }
    if (opts.threads !== undefined && (!Number.isSafeInteger(opts.threads) || opts.threads < 1 || opts.threads > 256)) {
      throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `threads: expected an integer from 1 to 256, got ${opts.threads}`);
    }
    const instance = await DuckDBInstance.create(':memory:');
    const db = new LakeDatabase(instance, lakeRoot);
    try {
      const conn = await instance.connect();
      try {
        if (opts.memoryLimit !== undefined) await conn.run(`SET memory_limit = ${quote(opts.memoryLimit)}`);
        if (opts.threads !== undefined) await conn.run(`SET threads = ${opts.threads}`);
        await loadReference(conn, referencePath);
        await db.createViews(conn);
        await conn.run(`SET allowed_directories = [${quote(lakeRoot + sep)}]`);
        await conn.run('SET enable_external_access = false');
        await conn.run('SET autoinstall_known_extensions = false');
        await conn.run('SET autoload_known_extensions = false');
        await conn.run('SET allow_community_extensions = false');
        await conn.run('SET lock_configuration = true');
      } finally {
        conn.closeSync();
      }
    } catch (err) {
      instance.closeSync();
      throw err;
    }
    return db;
  }

  /** A new connection (callers close it). Views and settings are shared by all connections. */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Points views that were empty (no files yet) at the lake once their dataset has files. */
  async refreshViews(): Promise<void> {
    if (this.emptyViews.size === 0) return;
    const pending = LAKE_DATASETS.filter((d) => this.emptyViews.has(d.name) && hasParquetFiles(datasetDir(this.lakeRoot, d)));
    if (pending.length === 0) return;
    const conn = await this.connect();
    try {
      await this.createViews(conn);
    } finally {
      conn.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }

  private async createViews(conn: DuckDBConnection): Promise<void> {
    for (const dataset of LAKE_DATASETS) {
      const present = hasParquetFiles(datasetDir(this.lakeRoot, dataset));
      await conn.run(`CREATE OR REPLACE VIEW ${dataset.name} AS ${present ? parquetScan(this.lakeRoot, dataset) : emptyScan(dataset)}`);
      if (present) this.emptyViews.delete(dataset.name);
      else this.emptyViews.add(dataset.name);
    }
    // Symbol scope only: a symbol's windows come from one processor task, so (symbol, window_size,
    // window_start) identifies a window and the highest version is its final value. Sector-scope
    // rows are partial sums, one per processor task, with no task id to tell them apart.
    await conn.run(`CREATE OR REPLACE VIEW symbol_aggregates_latest AS
      SELECT * FROM ${TRADE_AGGREGATES.name}
      WHERE scope = 'symbol'
      QUALIFY row_number() OVER (PARTITION BY symbol, window_size, window_start ORDER BY version DESC, kafka_partition DESC, kafka_offset DESC) = 1`);
  }
}

/** SQL string literal. Only for trusted configuration values (paths, sizes), never user input. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function parquetScan(lakeRoot: string, dataset: AnyLakeDataset): string {
  return `SELECT * FROM read_parquet(${quote(datasetGlob(lakeRoot, dataset))}, hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER}, union_by_name = true)`;
}

/** The columns a scan of the dataset has, without rows (Parquet gives TIMESTAMP_MS back as TIMESTAMP). */
function emptyScan(dataset: AnyLakeDataset): string {
  const columns = [...fileColumns(dataset), ...HIVE_COLUMNS].map((c) => `CAST(NULL AS ${c.type === 'TIMESTAMP_MS' ? 'TIMESTAMP' : c.type}) AS "${c.name}"`);
  return `SELECT ${columns.join(', ')} WHERE false`;
}

/** True as soon as one `*.parquet` file is found under `dir` (depth-first, stops at the first). */
export function hasParquetFiles(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) if (e.isFile() && e.name.endsWith('.parquet')) return true;
  for (const e of entries) if (e.isDirectory() && hasParquetFiles(resolve(dir, e.name))) return true;
  return false;
}

async function loadReference(conn: DuckDBConnection, path: string | undefined): Promise<void> {
  if (path === undefined) {
    await conn.run(`CREATE TABLE symbols AS SELECT ${[...REFERENCE_COLUMNS].map((c) => `CAST(NULL AS VARCHAR) AS ${c}`).join(', ')}, CAST(NULL AS BIGINT) AS updated_at WHERE false`);
    return;
  }
  const reader = extname(path).toLowerCase() === '.parquet' ? 'read_parquet($path)' : 'read_csv($path, header = true, all_varchar = true)';
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`, { path });
  const columns = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
  const missing = REFERENCE_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `reference data ${path} lacks column(s): ${missing.join(', ')}`);
  const updatedAt = columns.has('updated_at') ? 'TRY_CAST(updated_at AS BIGINT)' : 'CAST(0 AS BIGINT)';
  // One row per symbol: the latest update wins (as in the processor's enricher).
  await conn.run(
    `CREATE TABLE symbols AS
     SELECT upper(trim(symbol)) AS symbol, ${REFERENCE_COLUMNS.slice(1).map((c) => `trim(CAST(${c} AS VARCHAR)) AS ${c}`).join(', ')}, ${updatedAt} AS updated_at
     FROM ${reader}
     WHERE symbol IS NOT NULL AND trim(symbol) <> ''
     QUALIFY row_number() OVER (PARTITION BY upper(trim(symbol)) ORDER BY ${updatedAt} DESC NULLS LAST, sector, company_name) = 1`,
    { path },
  );
}

function checkedLakeRoot(input: string): string {
  if (typeof input !== 'string' || input.trim() === '') throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', 'lakeRoot: expected a directory path');
  let path = resolve(input);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `lakeRoot ${path}: not a directory`);
    // DuckDB checks allowed_directories against the path it opens: resolve symlinks once here.
    path = realpathSync(path);
  }
  if (GLOB_CHARS.test(path)) throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `lakeRoot ${path}: glob characters (* ? [ ] { }) are not allowed`);
  return path.endsWith(sep) && path.length > 1 ? path.slice(0, -1) : path;
}

function checkedReference(input: string): string {
  const path = resolve(input);
  if (GLOB_CHARS.test(path)) throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `referencePath ${path}: glob characters (* ? [ ] { }) are not allowed`);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `referencePath ${path}: not an existing file`);
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv' && ext !== '.parquet') throw new AnalyticsError('ANALYTICS_CONFIG_INVALID', `referencePath ${path}: expected a .csv or .parquet file`);
  return path;
}
