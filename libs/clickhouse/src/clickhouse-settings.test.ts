import { resolve } from 'node:path';
import { ConfigError } from '@tickflow/config';
import { describe, expect, it } from 'vitest';
import { describeClickHouse, loadClickHouseSettings, redactUrl } from './clickhouse-settings';

describe('loadClickHouseSettings', () => {
  it('defaults to embedded chDB at ./data/clickhouse (absolute), database tickflow', () => {
    const s = loadClickHouseSettings({}, {});
    expect(s).toEqual({ backend: 'chdb', path: resolve('data/clickhouse'), database: 'tickflow' });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('takes the chDB path and database from the environment, flags over environment', () => {
    const env = { TICKFLOW_CLICKHOUSE_PATH: '/var/lib/tf', CLICKHOUSE_DATABASE: 'tf_env' };
    expect(loadClickHouseSettings({}, env)).toEqual({ backend: 'chdb', path: '/var/lib/tf', database: 'tf_env' });
    expect(loadClickHouseSettings({ 'clickhouse-path': '/x', 'clickhouse-database': 'tf_flag' }, env)).toEqual({ backend: 'chdb', path: '/x', database: 'tf_flag' });
  });

  it('uses the server when CLICKHOUSE_URL is set, with user, password and database', () => {
    const s = loadClickHouseSettings({}, { CLICKHOUSE_URL: 'https://ch.example.com:8443', CLICKHOUSE_USER: 'tick', CLICKHOUSE_PASSWORD: 's3cr:t@', CLICKHOUSE_DATABASE: 'prod' });
    expect(s).toEqual({ backend: 'server', url: 'https://ch.example.com:8443', username: 'tick', password: 's3cr:t@', database: 'prod', requestTimeoutMs: 30_000 });
    expect(describeClickHouse(s)).toBe('ClickHouse server https://ch.example.com:8443 (user tick), database prod');
  });

  it('reads credentials from the URL when the variables are not set, and strips them from the URL', () => {
    const s = loadClickHouseSettings({}, { CLICKHOUSE_URL: 'http://alice:p%40ss@localhost:8123/' });
    expect(s).toMatchObject({ backend: 'server', url: 'http://localhost:8123', username: 'alice', password: 'p@ss', database: 'tickflow' });
    expect(loadClickHouseSettings({}, { CLICKHOUSE_URL: 'http://localhost:8123' })).toMatchObject({ username: 'default', password: '' });
  });

  it.each([
    ['not a url', 'not a url'],
    ['a non-http scheme', 'tcp://localhost:9000'],
    ['a path (the database is CLICKHOUSE_DATABASE)', 'http://localhost:8123/tickflow'],
    ['a query string', 'http://localhost:8123?database=x'],
  ])('rejects %s naming CLICKHOUSE_URL', (_name, url) => {
    const run = () => loadClickHouseSettings({}, { CLICKHOUSE_URL: url });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/^--clickhouse-url \/ CLICKHOUSE_URL: expected an http\(s\):\/\/host:port URL/);
  });

  it('never echoes a password from a bad URL', () => {
    try {
      loadClickHouseSettings({}, { CLICKHOUSE_URL: 'ftp://bob:hunter2@host:21' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('ftp://***@host:21');
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it.each([
    [{ CLICKHOUSE_DATABASE: 'bad-name' }, /CLICKHOUSE_DATABASE: expected a database name/],
    [{ CLICKHOUSE_DATABASE: '1db' }, /CLICKHOUSE_DATABASE/],
    [{ CLICKHOUSE_DATABASE: 'x`; DROP' }, /CLICKHOUSE_DATABASE/],
    [{ TICKFLOW_CLICKHOUSE_PATH: ':memory:' }, /TICKFLOW_CLICKHOUSE_PATH: expected a directory/],
    [{ CLICKHOUSE_URL: 'http://h:8123', CLICKHOUSE_REQUEST_TIMEOUT_MS: 'soon' }, /CLICKHOUSE_REQUEST_TIMEOUT_MS: expected an integer/],
    [{ CLICKHOUSE_URL: 'http://h:8123', CLICKHOUSE_USER: 'a b' }, /CLICKHOUSE_USER: expected a user name/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadClickHouseSettings({}, env)).toThrow(message);
  });
});

describe('redactUrl', () => {
  it.each([
    ['http://u:p@h:8123', 'http://***@h:8123'],
    ['https://h:8443', 'https://h:8443'],
    ['http://u@h/x@y', 'http://***@h/x@y'],
  ])('%s → %s', (raw, out) => {
    expect(redactUrl(raw)).toBe(out);
  });
});
