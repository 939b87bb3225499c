import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@tickflow/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CHDB_ROOT, createClickHouse, loadClickHouseSettings, openTestClickHouse } from '@tickflow/clickhouse';
import type { ClickHouse, TestClickHouse } from '@tickflow/clickhouse';

let t: TestClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse();
});
afterAll(async () => {
  await t?.dispose();
});

describe('configuration errors name the variable', () => {
  it.each(['localhost:8123', 'clickhouse://localhost:9000', 'http://', 'http://localhost:8123/db'])('CLICKHOUSE_URL=%j', (url) => {
    const run = () => loadClickHouseSettings({}, { CLICKHOUSE_URL: url });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/CLICKHOUSE_URL: expected an http\(s\):\/\/host:port URL of a ClickHouse server/);
  });
});

describe('connection errors', () => {
  it('an unreachable server: CH_UNAVAILABLE naming CLICKHOUSE_URL, without the password', async () => {
    // Port 1 on the loopback refuses at once: no server is needed for this test.
    const settings = loadClickHouseSettings({}, { CLICKHOUSE_URL: 'http://127.0.0.1:1', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'hunter2' });
    const err = await createClickHouse(settings).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CH_UNAVAILABLE', setting: 'CLICKHOUSE_URL' });
    expect((err as Error).message).toMatch(/^ClickHouse at http:\/\/127\.0\.0\.1:1 \(CLICKHOUSE_URL\) is unavailable: .*ECONNREFUSED/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('a second chDB data directory in one process: CH_PATH_IN_USE naming TICKFLOW_CLICKHOUSE_PATH', async () => {
    // Holds this process's test directory open (whatever backend the suite uses), then asks for another.
    const own = join(TEST_CHDB_ROOT, String(process.pid));
    mkdirSync(own, { recursive: true });
    const held = await createClickHouse({ backend: 'chdb', path: own, database: t.ch.database });
    try {
      const err = await createClickHouse({ backend: 'chdb', path: join(own, 'elsewhere'), database: 'x' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CH_PATH_IN_USE', setting: 'TICKFLOW_CLICKHOUSE_PATH' });
      expect((err as Error).message).toMatch(/\(TICKFLOW_CLICKHOUSE_PATH\) cannot be opened: this process already has another chDB data directory open/);
    } finally {
      await held.close();
    }
  });
});

describe('the port', () => {
  it('reports an engine error as CH_QUERY_FAILED with the server code and type', async () => {
    const err = await t.ch.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CH_QUERY_FAILED', serverCode: 60, serverType: 'UNKNOWN_TABLE' });
    expect((err as Error).message).toContain('[in: SELECT * FROM no_such_table]');
  });

  it('reports a syntax error the same way', async () => {
    await expect(t.ch.command('CREAT TABLE x')).rejects.toMatchObject({ code: 'CH_QUERY_FAILED', serverCode: 62, serverType: 'SYNTAX_ERROR' });
  });

  it('refuses every call after close(), which is idempotent', async () => {
    const ch: ClickHouse = await createClickHouse(t.settings);
    expect(await ch.query('SELECT currentDatabase() AS db')).toEqual([{ db: t.ch.database }]);
    await ch.close();
    await ch.close();
    await expect(ch.query('SELECT 1')).rejects.toMatchObject({ code: 'CH_CLOSED' });
    await expect(ch.command('SELECT 1')).rejects.toMatchObject({ code: 'CH_CLOSED' });
    await expect(ch.insert('micro_bars', [{}])).rejects.toMatchObject({ code: 'CH_CLOSED' });
    // The other connection is unaffected.
    expect(await t.ch.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
