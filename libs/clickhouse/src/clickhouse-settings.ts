import { resolve } from 'node:path';
import { ConfigError, intSetting, stringSetting } from '@tickflow/config';

/** Where tickflow's ClickHouse lives, resolved once at start (`loadClickHouseSettings`) and frozen. */
export type ClickHouseSettings = Readonly<ServerClickHouseSettings | ChdbClickHouseSettings>;

export interface ServerClickHouseSettings {
  backend: 'server';
  /** `http(s)://host:port`, without credentials (they are in `username` / `password`). */
  url: string;
  username: string;
  password: string;
  database: string;
  /** Per-request timeout of the HTTP client. */
  requestTimeoutMs: number;
}

export interface ChdbClickHouseSettings {
  backend: 'chdb';
  /** Absolute path of the chDB data directory (one per process). */
  path: string;
  database: string;
}

/** Flags the settings can come from (`tickflow migrate --clickhouse-url …`); each overrides its variable. */
export const CLICKHOUSE_FLAGS = {
  url: { flag: 'clickhouse-url', env: 'CLICKHOUSE_URL' },
  user: { flag: 'clickhouse-user', env: 'CLICKHOUSE_USER' },
  password: { env: 'CLICKHOUSE_PASSWORD' },
  database: { flag: 'clickhouse-database', env: 'CLICKHOUSE_DATABASE' },
  path: { flag: 'clickhouse-path', env: 'TICKFLOW_CLICKHOUSE_PATH' },
  requestTimeoutMs: { env: 'CLICKHOUSE_REQUEST_TIMEOUT_MS' },
} as const;

/** The default database, on a server and in chDB alike. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'tickflow';
/** The default chDB data directory, relative to the working directory. */
export const DEFAULT_CLICKHOUSE_PATH = './data/clickhouse';
export const DEFAULT_CLICKHOUSE_REQUEST_TIMEOUT_MS = 30_000;

const DATABASE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Resolves the ClickHouse settings (flag > environment > default): a server when `CLICKHOUSE_URL`
 * is set (with `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`, `CLICKHOUSE_DATABASE`), else embedded chDB
 * at `TICKFLOW_CLICKHOUSE_PATH`. Throws a `ConfigError` naming the variable on a bad value; a
 * password is never echoed.
 */
export function loadClickHouseSettings(flags: Record<string, unknown> = {}, env: Record<string, string | undefined> = process.env): ClickHouseSettings {
  const database = stringSetting(CLICKHOUSE_FLAGS.database, flags, env, {
    default: DEFAULT_CLICKHOUSE_DATABASE,
    pattern: DATABASE,
    describe: 'a database name (letters, digits and _, not starting with a digit, at most 63)',
  })!;
  const rawUrl = stringSetting(CLICKHOUSE_FLAGS.url, flags, env)?.trim();
  if (rawUrl === undefined || rawUrl === '') {
    const path = stringSetting(CLICKHOUSE_FLAGS.path, flags, env, { default: DEFAULT_CLICKHOUSE_PATH })!;
    if (path.trim() === '' || path === ':memory:') throw new ConfigError(settingName(CLICKHOUSE_FLAGS.path), 'a directory for the embedded chDB data', path);
    return Object.freeze({ backend: 'chdb', path: resolve(path), database });
  }
  const url = parseServerUrl(rawUrl);
  const username = stringSetting(CLICKHOUSE_FLAGS.user, flags, env, { pattern: /^[^\s]{1,128}$/, describe: 'a user name without spaces' }) ?? (decodeURIComponent(url.username) || 'default');
  const password = stringSetting(CLICKHOUSE_FLAGS.password, flags, env) ?? decodeURIComponent(url.password);
  const requestTimeoutMs = intSetting(CLICKHOUSE_FLAGS.requestTimeoutMs, flags, env, { default: DEFAULT_CLICKHOUSE_REQUEST_TIMEOUT_MS, min: 100, max: 3_600_000 });
  url.username = '';
  url.password = '';
  return Object.freeze({ backend: 'server', url: url.origin, username, password, database, requestTimeoutMs });
}

function parseServerUrl(raw: string): URL {
  const expected = 'an http(s)://host:port URL of a ClickHouse server (no path: the database is CLICKHOUSE_DATABASE)';
  const name = settingName(CLICKHOUSE_FLAGS.url);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, expected, redactUrl(raw));
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(name, expected, redactUrl(raw));
  }
  return url;
}

/** The URL with any `user:password@` removed, for messages and logs. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
}

/** Where the settings point, for logs and CLI output (no credentials). */
export function describeClickHouse(settings: ClickHouseSettings): string {
  return settings.backend === 'server'
    ? `ClickHouse server ${settings.url} (user ${settings.username}), database ${settings.database}`
    : `embedded chDB at ${settings.path}, database ${settings.database}`;
}

function settingName(src: { flag?: string; env?: string }): string {
  return [src.flag ? `--${src.flag}` : null, src.env ?? null].filter(Boolean).join(' / ');
}
