import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlCommand } from './sql-command';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickflow-sql-cli-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await sqlCommand(['--lake-dir', join(dir, 'lake'), ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tickflow sql', () => {
  it('prints a table (numbers right-aligned) with the built-in reference data', async () => {
    const r = await run(`SELECT symbol, sector, length(symbol) AS len FROM symbols WHERE symbol IN ('AAPL', 'XOM') ORDER BY symbol`);
    expect(r).toEqual({
      code: 0,
      err: '',
      out: ['symbol │ sector     │ len', '───────┼────────────┼────', 'AAPL   │ Technology │   4', 'XOM    │ Energy     │   3', '(2 rows)'].join('\n'),
    });
  });

  it('prints JSON with --json', async () => {
    const r = await run('--json', `SELECT symbol, count(*) OVER () AS n FROM symbols WHERE symbol = 'AAPL'`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ symbol: 'AAPL', n: '1' }]);
  });

  it('queries an empty lake as empty views', async () => {
    expect((await run('--json', 'SELECT count(*) AS trades FROM enriched_trades')).out).toBe(JSON.stringify([{ trades: '0' }], null, 2));
  });

  it('says when rows were cut', async () => {
    const r = await run('--max-rows', '2', 'SELECT * FROM range(3)');
    expect(r.code).toBe(0);
    expect(r.out.endsWith('(2 rows, more not shown)')).toBe(true);
    expect(r.err).toContain('--max-rows');
  });

  it.each([
    [`COPY symbols TO '${'/tmp'}/tickflow-sql-cli-copy.csv'`, 'SQL_NOT_READ_ONLY'],
    [`SELECT * FROM read_csv('/etc/passwd')`, 'SQL_EXECUTION_ERROR'],
    ['SELECT 1; SELECT 2', 'SQL_MULTIPLE_STATEMENTS'],
  ])('refuses %s with exit status 1 and the error code', async (query, code) => {
    const r = await run(query);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`tickflow sql: ${code}:`);
  });

  it('wants exactly one query argument', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('SELECT 1', 'SELECT 2')).code).toBe(2);
  });
});
