import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, MIGRATE_USAGE, migrateCommand, openTestClickHouse, readMigrations, runMigrations } from '@tickflow/clickhouse';
import type { ClickHouse, TestClickHouse } from '@tickflow/clickhouse';

const EVENT_TABLES = ['enriched_trades', 'micro_bars', 'orderbook_metrics', 'price_alerts', 'signals', 'trade_aggregates'];

async function tables(ch: ClickHouse): Promise<Record<string, { engine: string; sorting_key: string; partition_key: string; engine_full: string }>> {
  const rows = await ch.query<{ name: string; engine: string; sorting_key: string; partition_key: string; engine_full: string }>(
    'SELECT name, engine, sorting_key, partition_key, engine_full FROM system.tables WHERE database = {db:String} ORDER BY name',
    { db: ch.database },
  );
  return Object.fromEntries(rows.map(({ name, ...rest }) => [name, rest]));
}

async function recorded(ch: ClickHouse): Promise<number[]> {
  const rows = await ch.query<{ version: number }>('SELECT version FROM schema_migrations FINAL ORDER BY version');
  return rows.map((r) => r.version);
}

describe("the repository's migrations", () => {
  let t: TestClickHouse;
  beforeAll(async () => {
    t = await openTestClickHouse();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('apply to an empty database, then a second run applies nothing', async () => {
    const first = await runMigrations(t.ch);
    expect(first.applied.map((m) => m.name)).toEqual(['0001_event_tables', '0002_positions_and_sectors', '0003_writer_batches']);
    expect(first.applied.map((m) => m.statements)).toEqual([6, 4, 1]);
    expect(first.skipped).toEqual([]);

    const second = await runMigrations(t.ch);
    expect(second.applied).toEqual([]);
    expect(second.skipped.map((m) => m.name)).toEqual(['0001_event_tables', '0002_positions_and_sectors', '0003_writer_batches']);
    expect(second.skipped[0]!.appliedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(await recorded(t.ch)).toEqual([1, 2, 3]);

    const checksums = await t.ch.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations FINAL ORDER BY version');
    expect(checksums).toEqual((await readMigrations()).map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  it('create the event tables as ReplacingMergeTree(version) on their natural keys', async () => {
    const all = await tables(t.ch);
    expect(Object.keys(all).sort()).toEqual(
      [...EVENT_TABLES, 'positions', 'positions_mv', 'schema_migrations', 'sector_trades_1m', 'sector_trades_1m_mv', 'writer_batches'].sort(),
    );
    for (const name of EVENT_TABLES) {
      expect(all[name]!.engine, name).toBe('ReplacingMergeTree');
      expect(all[name]!.engine_full, name).toMatch(/^ReplacingMergeTree\(version\)/);
      expect(all[name]!.engine_full, name).toContain('non_replicated_deduplication_window = 1000');
    }
    expect(all['micro_bars']!.sorting_key).toBe('symbol, window_start');
    expect(all['signals']!.sorting_key).toBe('symbol, window_start');
    expect(all['trade_aggregates']!.sorting_key).toBe('symbol, window_size, scope, window_start');
    expect(all['orderbook_metrics']!.sorting_key).toBe('symbol, timestamp, seq');
    expect(all['price_alerts']!.sorting_key).toBe('symbol, detected_at, alert_id');
    expect(all['enriched_trades']!.sorting_key).toBe('symbol, timestamp, trade_id');
    expect(all['micro_bars']!.partition_key).toBe('toYYYYMMDD(window_start)');
    expect(all['trade_aggregates']!.partition_key).toBe('toYYYYMM(window_start)');
    expect(all['positions']!.engine).toBe('AggregatingMergeTree');
    expect(all['sector_trades_1m']!.engine).toBe('SummingMergeTree');
  });

  it('put TTLs on insert time, only on the high-volume tables', async () => {
    const all = await tables(t.ch);
    for (const name of ['micro_bars', 'signals', 'orderbook_metrics', 'enriched_trades']) {
      expect(all[name]!.engine_full, name).toContain('TTL inserted_at + toIntervalDay(30)');
    }
    for (const name of ['trade_aggregates', 'price_alerts', 'positions', 'sector_trades_1m']) {
      expect(all[name]!.engine_full, name).not.toContain('TTL');
    }
  });
});

describe('runMigrations on a copy of the migrations', () => {
  let t: TestClickHouse;
  let dir: string;
  beforeAll(async () => {
    t = await openTestClickHouse();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.ch.command('DROP TABLE IF EXISTS schema_migrations SYNC');
    for (const name of ['extra_a', 'extra_b']) await t.ch.command('DROP TABLE IF EXISTS {t:Identifier} SYNC', { t: name });
  });

  function copy(): string {
    dir = mkdtempSync(join(tmpdir(), 'tickflow-migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  it('refuses, applying nothing, when an applied migration was edited', async () => {
    copy();
    await runMigrations(t.ch, dir);
    appendFileSync(join(dir, '0002_positions_and_sectors.sql'), '\n-- a harmless-looking edit\n');
    writeFileSync(join(dir, '0004_extra.sql'), 'CREATE TABLE IF NOT EXISTS extra_a (x UInt8) ENGINE = MergeTree ORDER BY x;');

    const run = runMigrations(t.ch, dir);
    await expect(run).rejects.toMatchObject({ code: 'CH_MIGRATION_CHECKSUM', file: '0002_positions_and_sectors.sql' });
    await expect(runMigrations(t.ch, dir)).rejects.toThrow(/^0002_positions_and_sectors\.sql changed after it was applied to database tickflow_test_\w+ \(recorded checksum [0-9a-f]{12}…, file now [0-9a-f]{12}…\)/);
    expect(await recorded(t.ch)).toEqual([1, 2, 3]);
    expect(await tables(t.ch)).not.toHaveProperty('extra_a');
  });

  it('refuses when the database has a migration the directory does not', async () => {
    copy();
    await runMigrations(t.ch, dir);
    rmSync(join(dir, '0002_positions_and_sectors.sql'));
    await expect(runMigrations(t.ch, dir)).rejects.toMatchObject({ code: 'CH_MIGRATION_UNKNOWN', file: '0002_positions_and_sectors.sql' });
  });

  it('stops at a failing statement without recording it, and applies it once fixed', async () => {
    copy();
    const good = 'CREATE TABLE IF NOT EXISTS extra_a (x UInt8) ENGINE = MergeTree ORDER BY x;\n';
    writeFileSync(join(dir, '0004_extra.sql'), `${good}CREATE TABLE IF NOT EXISTS extra_b (x UInt8) ENGINE = NoSuchEngine;\n`);
    const failed = await runMigrations(t.ch, dir).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'CH_MIGRATION_FAILED', file: '0004_extra.sql' });
    expect((failed as Error).message).toMatch(/^0004_extra\.sql, statement 2 of 2: /);
    expect(await recorded(t.ch)).toEqual([1, 2, 3]);
    expect(await tables(t.ch)).toHaveProperty('extra_a');

    writeFileSync(join(dir, '0004_extra.sql'), `${good}CREATE TABLE IF NOT EXISTS extra_b (x UInt8) ENGINE = MergeTree ORDER BY x;\n`);
    const fixed = await runMigrations(t.ch, dir);
    expect(fixed.applied.map((m) => m.name)).toEqual(['0004_extra']);
    expect(await recorded(t.ch)).toEqual([1, 2, 3, 4]);
    expect(await tables(t.ch)).toHaveProperty('extra_b');
  });
});

describe('tickflow migrate', () => {
  let t: TestClickHouse;
  beforeAll(async () => {
    t = await openTestClickHouse();
  });
  afterAll(async () => {
    await t?.ch.command('DROP DATABASE IF EXISTS {db:Identifier} SYNC', { db: `${t.ch.database}_cli` });
    await t?.dispose();
  });

  function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    return migrateCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) }).then((code) => ({ code, out, err }));
  }

  it('prints its usage with --help', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, out: [MIGRATE_USAGE], err: [] });
    expect(MIGRATE_USAGE).toContain('CLICKHOUSE_URL');
  });

  it('applies the migrations, then reports them as skipped', async () => {
    // Same backend as the rest of the suite: chDB at this process's path, or the server of CLICKHOUSE_URL.
    const args = ['--clickhouse-database', `${t.ch.database}_cli`, ...(t.settings.backend === 'chdb' ? ['--clickhouse-path', t.settings.path] : [])];
    const first = await run(args);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out[0]).toMatch(new RegExp(`^migrating .*database ${t.ch.database}_cli from `));
    expect(first.out.slice(1)).toEqual([
      expect.stringMatching(/^ {2}applied {2}0001_event_tables {2}\(6 statements, \d+ ms\)$/),
      expect.stringMatching(/^ {2}applied {2}0002_positions_and_sectors {2}\(4 statements, \d+ ms\)$/),
      expect.stringMatching(/^ {2}applied {2}0003_writer_batches {2}\(1 statement, \d+ ms\)$/),
      '3 applied, 0 already applied',
    ]);
    const second = await run(args);
    expect(second.code).toBe(0);
    expect(second.out.slice(1)).toEqual([
      expect.stringMatching(/^ {2}skipped {2}0001_event_tables {2}\(applied \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC\)$/),
      expect.stringMatching(/^ {2}skipped {2}0002_positions_and_sectors {2}\(applied .+ UTC\)$/),
      expect.stringMatching(/^ {2}skipped {2}0003_writer_batches {2}\(applied .+ UTC\)$/),
      '0 applied, 3 already applied',
    ]);
  });
});
