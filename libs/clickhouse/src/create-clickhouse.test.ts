import { describe, expect, it } from 'vitest';
import type { ClickHouseSettings } from './clickhouse-settings';
import { insertSettings, toClickHouseError } from './create-clickhouse';
import { ClickHouseError } from './errors';

const server: ClickHouseSettings = { backend: 'server', url: 'http://ch.internal:8123', username: 'u', password: 'secret', database: 'tickflow', requestTimeoutMs: 1000 };
const chdb: ClickHouseSettings = { backend: 'chdb', path: '/data/ch', database: 'tickflow' };

function netError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:8123`), { code });
}

describe('toClickHouseError', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT'])('%s → CH_UNAVAILABLE naming CLICKHOUSE_URL', (code) => {
    const e = toClickHouseError(netError(code), server);
    expect(e.code).toBe('CH_UNAVAILABLE');
    expect(e.setting).toBe('CLICKHOUSE_URL');
    expect(e.message).toMatch(/^ClickHouse at http:\/\/ch\.internal:8123 \(CLICKHOUSE_URL\) is unavailable/);
    expect(e.message).not.toContain('secret');
  });

  it('maps the client timeout to CH_UNAVAILABLE', () => {
    expect(toClickHouseError(new Error('Timeout error.'), server).code).toBe('CH_UNAVAILABLE');
  });

  it('maps an engine error to CH_QUERY_FAILED with its server code and type', () => {
    const engine = Object.assign(new Error('Unknown table expression identifier nope'), { code: '60', type: 'UNKNOWN_TABLE' });
    const e = toClickHouseError(engine, chdb, 'SELECT * FROM nope');
    expect(e).toMatchObject({ code: 'CH_QUERY_FAILED', serverCode: 60, serverType: 'UNKNOWN_TABLE' });
    expect(e.message).toBe('Unknown table expression identifier nope [in: SELECT * FROM nope]');
    expect(e.cause).toBe(engine);
  });

  it('maps refused credentials to CH_AUTH_FAILED naming the variables', () => {
    const engine = Object.assign(new Error('u: Authentication failed'), { code: '516', type: 'AUTHENTICATION_FAILED' });
    const e = toClickHouseError(engine, server);
    expect(e.code).toBe('CH_AUTH_FAILED');
    expect(e.message).toContain('CLICKHOUSE_USER / CLICKHOUSE_PASSWORD');
  });

  it('maps a second chDB data directory to CH_PATH_IN_USE naming TICKFLOW_CLICKHOUSE_PATH', () => {
    const native = Object.assign(new Error("chdb: only one active data directory per process; close the current session (path='/a') before opening '/data/ch'"), { code: 'CHDB_CONNECTION' });
    const e = toClickHouseError(native, chdb);
    expect(e).toMatchObject({ code: 'CH_PATH_IN_USE', setting: 'TICKFLOW_CLICKHOUSE_PATH' });
    expect(e.message).toContain('chDB at /data/ch (TICKFLOW_CLICKHOUSE_PATH)');
  });

  it('keeps a ClickHouseError as it is', () => {
    const e = new ClickHouseError('CH_BAD_PARAM', 'x');
    expect(toClickHouseError(e, chdb)).toBe(e);
  });
});

describe('insertSettings', () => {
  // Defaults differ between ClickHouse versions (26.x: async_insert = 1 without token dedup; older:
  // deduplicate_blocks_in_dependent_materialized_views = 0), and chDB keeps a SET for the session.
  it('sends every dedup-relevant setting on every insert, the token reset when there is none', () => {
    const expected = { insert_deduplicate: 1, deduplicate_blocks_in_dependent_materialized_views: 1, async_insert: 0 };
    expect(insertSettings('enriched.trades:0:0-9')).toEqual({ ...expected, insert_deduplication_token: 'enriched.trades:0:0-9' });
    expect(insertSettings(undefined)).toEqual({ ...expected, insert_deduplication_token: '' });
  });
});
