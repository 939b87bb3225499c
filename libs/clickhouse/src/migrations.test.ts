import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from './migrations';

const dirs: string[] = [];
function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-migrations-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('readMigrations', () => {
  it('reads NNNN_name.sql in version order, split into statements, ignoring other files', async () => {
    const dir = dirWith({
      '0002_second.sql': 'CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = Memory;\n-- done\n',
      '0001_first.sql': "-- first\nCREATE TABLE IF NOT EXISTS a (x String DEFAULT 'a;b') ENGINE = Memory; SELECT 1;",
      'README.md': '# not a migration',
    });
    const ms = await readMigrations(dir);
    expect(ms.map((m) => [m.version, m.name, m.file, m.statements.length])).toEqual([
      [1, '0001_first', '0001_first.sql', 2],
      [2, '0002_second', '0002_second.sql', 1],
    ]);
    expect(ms[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores line endings in the checksum, but nothing else', async () => {
    const [lf] = await readMigrations(dirWith({ '0001_a.sql': 'SELECT 1;\nSELECT 2;\n' }));
    const [crlf] = await readMigrations(dirWith({ '0001_a.sql': 'SELECT 1;\r\nSELECT 2;\r\n' }));
    const [space] = await readMigrations(dirWith({ '0001_a.sql': 'SELECT 1;\nSELECT  2;\n' }));
    expect(crlf!.checksum).toBe(lf!.checksum);
    expect(space!.checksum).not.toBe(lf!.checksum);
  });

  it.each([
    ['a badly named .sql file', { '001_short.sql': 'SELECT 1' }, /001_short\.sql: a migration is named NNNN_snake_case_name\.sql/],
    ['an upper-case name', { '0001_Create.sql': 'SELECT 1' }, /a migration is named/],
    ['version 0000', { '0000_zero.sql': 'SELECT 1' }, /versions start at 0001/],
    ['two files with one version', { '0001_a.sql': 'SELECT 1', '0001_b.sql': 'SELECT 2' }, /0001_b\.sql and 0001_a\.sql have the same version 0001/],
    ['a file without statements', { '0001_a.sql': '-- nothing yet\n' }, /0001_a\.sql has no statements/],
    ['an unterminated string', { '0001_a.sql': "SELECT 'x" }, /0001_a\.sql: unterminated string literal starting on line 1/],
  ])('rejects %s with CH_MIGRATION_INVALID', async (_name, files, message) => {
    const run = readMigrations(dirWith(files));
    await expect(run).rejects.toThrow(message);
    await expect(readMigrations(dirWith(files))).rejects.toMatchObject({ code: 'CH_MIGRATION_INVALID' });
  });

  it("reads the repository's migrations: idempotent CREATE statements only", async () => {
    const ms = await readMigrations(DEFAULT_MIGRATIONS_DIR);
    expect(ms.map((m) => m.name)).toEqual(['0001_event_tables', '0002_positions_and_sectors', '0003_writer_batches']);
    for (const m of ms) for (const s of m.statements) expect(s.replace(/^(--[^\n]*\n|\s)+/, '')).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS /);
  });
});
