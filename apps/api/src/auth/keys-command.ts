import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ConfigError, stringSetting } from '@tickflow/config';
import { SCOPES, newApiKey, type ApiKeyStore, type Scope } from './api-keys';
import { FileApiKeyStore } from './file-api-key-store';
import { RedisApiKeyStore } from './redis-api-key-store';

export const KEYS_USAGE = `Usage: tickflow keys create --owner NAME [--scopes read|admin|read,admin] [--name LABEL]
       tickflow keys list
       tickflow keys revoke ID

Manages the API keys the REST, GraphQL and WebSocket APIs accept. Keys are stored hashed, in Redis
(REDIS_URL, the cluster profile) or, with --keys-file, in a JSON file (the embedded profile, which
creates ./data/api-keys.json and prints an admin key on its first start). 'create' prints the key
once — it cannot be shown again. 'admin' keys can also manage keys and run ad-hoc SQL; webhooks and
alerts belong to the key's owner. A running API sees keys created or revoked in its file at once.

  --owner NAME      who the key belongs to (letters, digits, . _ @ -)
  --scopes LIST     comma-separated scopes (default read)
  --name LABEL      a label shown by 'list'
  --keys-file FILE  keep keys in this JSON file instead of Redis (env TICKFLOW_KEYS_FILE)
  --redis-url URL   env REDIS_URL, default redis://127.0.0.1:6379; used when no keys file is set`;

/**
 * `tickflow keys …`. The store is the file of `--keys-file` / `TICKFLOW_KEYS_FILE` when one is
 * set (a `--redis-url` flag beats the variable; both flags at once is an error), Redis otherwise.
 */
export async function keysCommand(args: string[], out: (line: string) => void = console.log, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      owner: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'keys-file': { type: 'string' },
      'redis-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, id] = positionals;
  if (values.help || !action) {
    out(KEYS_USAGE);
    return values.help ? 0 : 2;
  }
  if (!['create', 'list', 'revoke'].includes(action)) throw new ConfigError('keys <action>', 'create, list or revoke', action);
  if (values['keys-file'] !== undefined && values['redis-url'] !== undefined) throw new ConfigError('--keys-file / --redis-url', 'one of them: keys live in a file or in Redis', `${values['keys-file']} and ${values['redis-url']}`);
  const keysFile = values['redis-url'] !== undefined ? undefined : stringSetting({ flag: 'keys-file', env: 'TICKFLOW_KEYS_FILE' }, values, env, { pattern: /\S/, describe: 'a file path' });

  let store: ApiKeyStore;
  let release: () => void = () => undefined;
  if (keysFile !== undefined) {
    store = await FileApiKeyStore.open(keysFile);
  } else {
    const redisUrl = stringSetting({ flag: 'redis-url', env: 'REDIS_URL' }, values, env, { default: 'redis://127.0.0.1:6379', pattern: /^rediss?:\/\/\S+$/, describe: 'redis://host:port[/db]' })!;
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    release = () => redis.disconnect();
    try {
      await redis.connect();
    } catch (err) {
      release();
      throw err;
    }
    store = new RedisApiKeyStore(redis);
  }
  try {
    if (action === 'create') {
      if (!values.owner) throw new ConfigError('--owner', 'the owner of the new key', '');
      const scopes = (values.scopes ?? 'read').split(',').map((s) => s.trim());
      for (const s of scopes) if (!SCOPES.includes(s as Scope)) throw new ConfigError('--scopes', `a comma-separated subset of ${SCOPES.join(', ')}`, values.scopes ?? '');
      let created: ReturnType<typeof newApiKey>;
      try {
        created = newApiKey(values.owner, scopes as Scope[], values.name ?? '');
      } catch {
        throw new ConfigError('--owner', 'letters, digits or . _ @ - (1–100)', values.owner);
      }
      await store.put(created.record);
      out(`created key ${created.record.id} for ${created.record.owner} (${created.record.scopes.join(', ')}); it is shown only now:`);
      out(created.key);
      return 0;
    }
    if (action === 'list') {
      const all = await store.list();
      if (all.length === 0) out('no API keys');
      for (const k of all) out(`${k.id}  ${k.owner.padEnd(20)} ${k.scopes.join(',').padEnd(11)} ${new Date(k.createdAtMs).toISOString()}  ${k.revokedAtMs ? `revoked ${new Date(k.revokedAtMs).toISOString()}` : 'active'}  ${k.name}`);
      return 0;
    }
    if (!id) throw new ConfigError('keys revoke ID', 'the id of the key to revoke (see keys list)', '');
    const record = await store.get(id);
    if (!record) {
      console.error(`tickflow keys: no key with id ${JSON.stringify(id)}`);
      return 1;
    }
    if (record.revokedAtMs === null) await store.put({ ...record, revokedAtMs: Date.now() });
    out(`revoked key ${id} (${record.owner})`);
    return 0;
  } finally {
    await store.close();
    release();
  }
}
