import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseSettings as ClientSettings } from '@clickhouse/client';
import type { ChdbConnectionOptions } from 'chdb/connection';
import type { ClickHouse, ClickHouseBackend, InsertOptions, QueryParams } from './clickhouse';
import { loadClickHouseSettings, redactUrl } from './clickhouse-settings';
import type { ChdbClickHouseSettings, ClickHouseSettings, ServerClickHouseSettings } from './clickhouse-settings';
import { ClickHouseError, isClickHouseError } from './errors';
import { checkDedupToken, checkTableName, normalizeParams } from './query-params';

/**
 * Sent with every request, so both backends answer alike: 64-bit integers as JSON numbers (a
 * server quotes them by default, chDB does not).
 */
const COMMON_SETTINGS: ClientSettings = { output_format_json_quote_64bit_integers: 0 };

/**
 * Sent with every insert, all of them every time: chDB keeps a `SET` for the rest of its session,
 * so a token left over from one insert would silently drop the next, unrelated insert.
 * `async_insert = 0`: an async insert is not deduplicated by token unless the server also has
 * `async_insert_deduplicate`; the writer batches anyway.
 */
export function insertSettings(dedupToken: string | undefined): ClientSettings {
  return {
    insert_deduplicate: 1,
    insert_deduplication_token: dedupToken ?? '',
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  };
}

/**
 * Opens tickflow's ClickHouse: the server at `settings.url` over HTTP, or embedded chDB at
 * `settings.path`. Creates the database if missing and makes it the default for unqualified
 * names. Fails with `CH_UNAVAILABLE`, `CH_AUTH_FAILED` or `CH_PATH_IN_USE` (chDB allows one data
 * directory per process: open one `ClickHouse` per process, or several on the same path).
 */
export async function createClickHouse(settings: ClickHouseSettings = loadClickHouseSettings()): Promise<ClickHouse> {
  return settings.backend === 'server' ? openServer(settings) : openChdb(settings);
}

async function openServer(s: ServerClickHouseSettings): Promise<ClickHouse> {
  const common = {
    url: s.url,
    username: s.username,
    password: s.password,
    request_timeout: s.requestTimeoutMs,
    application: 'tickflow',
    clickhouse_settings: COMMON_SETTINGS,
    log: { level: ClickHouseLogLevel.OFF },
  };
  // Requests naming a database that does not exist fail, so the bootstrap uses the user's default.
  const bootstrap = new ClientClickHouse(createClient(common), 'server', 'default', s);
  try {
    await ensureDatabase(bootstrap, s.database);
  } finally {
    await bootstrap.close();
  }
  return new ClientClickHouse(createClient({ ...common, database: s.database }), 'server', s.database, s);
}

type CreateChdbConnection = (opts: ChdbConnectionOptions) => NonNullable<Parameters<typeof createClient>[0]>['connection'];

async function openChdb(s: ChdbClickHouseSettings): Promise<ClickHouse> {
  // Loaded here, not at the top: a server deployment never loads the native engine.
  const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as { createChdbConnection: CreateChdbConnection };
  mkdirSync(s.path, { recursive: true });
  let connection: ReturnType<CreateChdbConnection>;
  try {
    connection = createChdbConnection({ path: s.path });
  } catch (err) {
    throw toClickHouseError(err, s);
  }
  const ch = new ClientClickHouse(createClient({ connection, clickhouse_settings: COMMON_SETTINGS, log: { level: ClickHouseLogLevel.OFF } }), 'chdb', s.database, s);
  try {
    await ensureDatabase(ch, s.database);
    // The session's default database (chDB keeps it per connection, like a SET).
    await ch.command('USE {db:Identifier}', { db: s.database });
  } catch (err) {
    await ch.close();
    throw err;
  }
  return ch;
}

async function ensureDatabase(ch: ClickHouse, database: string): Promise<void> {
  const [row] = await ch.query<{ n: number }>('SELECT count() AS n FROM system.databases WHERE name = {db:String}', { db: database });
  // Only when missing: a user allowed to use an existing database may not be allowed to create one.
  if (!row || row.n === 0) await ch.command('CREATE DATABASE IF NOT EXISTS {db:Identifier}', { db: database });
}

/** The port over `@clickhouse/client`; only the client's connection differs between backends. */
class ClientClickHouse implements ClickHouse {
  #closed = false;

  constructor(
    private readonly client: ClickHouseClient,
    readonly backend: ClickHouseBackend,
    readonly database: string,
    private readonly settings: ClickHouseSettings,
  ) {}

  async command(sql: string, params?: QueryParams): Promise<void> {
    this.assertOpen();
    const query_params = normalizeParams(params);
    try {
      await this.client.command({ query: sql, query_params });
    } catch (err) {
      throw toClickHouseError(err, this.settings, sql);
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    this.assertOpen();
    const query_params = normalizeParams(params);
    try {
      const rs = await this.client.query({ query: sql, query_params, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (err) {
      throw toClickHouseError(err, this.settings, sql);
    }
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    this.assertOpen();
    checkTableName(table);
    const token = options.dedupToken === undefined ? undefined : checkDedupToken(options.dedupToken);
    if (rows.length === 0) return;
    try {
      await this.client.insert({ table, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: insertSettings(token) });
    } catch (err) {
      throw toClickHouseError(err, this.settings, `INSERT INTO ${table}`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.client.close();
  }

  private assertOpen(): void {
    if (this.#closed) throw new ClickHouseError('CH_CLOSED', `ClickHouse (${this.database}) is closed`);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const AUTH_TYPES = new Set(['AUTHENTICATION_FAILED', 'REQUIRED_PASSWORD', 'UNKNOWN_USER', 'WRONG_PASSWORD']);

/**
 * Maps what either backend throws to a `ClickHouseError` with a stable code. The HTTP client and
 * chdb/connection both throw ClickHouse's `{ code: '60', type: 'UNKNOWN_TABLE' }` shape for engine
 * errors (from different copies of the class, hence duck typing).
 */
export function toClickHouseError(err: unknown, settings: ClickHouseSettings, sql?: string): ClickHouseError {
  if (isClickHouseError(err)) return err;
  const e = (err ?? {}) as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.trim() : String(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const where = settings.backend === 'server' ? `ClickHouse at ${redactUrl(settings.url)} (CLICKHOUSE_URL)` : `chDB at ${settings.path} (TICKFLOW_CLICKHOUSE_PATH)`;
  if (settings.backend === 'chdb' && /only one active data directory|still releasing its connection/i.test(message)) {
    return new ClickHouseError('CH_PATH_IN_USE', `${where} cannot be opened: this process already has another chDB data directory open (chDB allows one per process). ${message}`, {
      cause: err,
      setting: 'TICKFLOW_CLICKHOUSE_PATH',
    });
  }
  if ((code !== undefined && NETWORK_CODES.has(code)) || /^Timeout error/i.test(message)) {
    return new ClickHouseError('CH_UNAVAILABLE', `${where} is unavailable: ${message}`, { cause: err, setting: settings.backend === 'server' ? 'CLICKHOUSE_URL' : 'TICKFLOW_CLICKHOUSE_PATH' });
  }
  if (/ChdbConnection is closed|No active connection/i.test(message)) return new ClickHouseError('CH_CLOSED', `${where} is closed`, { cause: err });
  const serverCode = code !== undefined && /^\d+$/.test(code) ? Number(code) : undefined;
  const serverType = typeof e.type === 'string' ? e.type : undefined;
  if ((serverType !== undefined && AUTH_TYPES.has(serverType)) || serverCode === 516) {
    return new ClickHouseError('CH_AUTH_FAILED', `${where} refused user credentials (CLICKHOUSE_USER / CLICKHOUSE_PASSWORD): ${message}`, {
      cause: err,
      serverCode,
      serverType,
      setting: 'CLICKHOUSE_USER',
    });
  }
  if (settings.backend === 'chdb' && code === 'CHDB_CONNECTION') {
    return new ClickHouseError('CH_UNAVAILABLE', `${where} cannot be opened: ${message}`, { cause: err, setting: 'TICKFLOW_CLICKHOUSE_PATH' });
  }
  const head = sql === undefined ? '' : ` [in: ${sql.replace(/\s+/g, ' ').trim().slice(0, 120)}]`;
  return new ClickHouseError('CH_QUERY_FAILED', `${message}${head}`, { cause: err, serverCode, serverType });
}
