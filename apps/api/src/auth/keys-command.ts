import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ConfigError, stringSetting } from '@tickflow/config';
import { SCOPES, newApiKey, type Scope } from './api-keys';
import { RedisApiKeyStore } from './redis-api-key-store';

export const KEYS_USAGE = `Usage: tickflow keys create --owner NAME [--scopes read|admin|read,admin] [--name LABEL]
       tickflow keys list
       tickflow keys revoke ID

Manages the API keys the REST, GraphQL and WebSocket APIs accept. Keys are stored hashed in Redis
(REDIS_URL); 'create' prints the key once — it cannot be shown again. 'admin' keys can also manage
keys and run ad-hoc SQL; webhooks and alerts belong to the key's owner.

  --owner NAME     who the key belongs to (letters, digits, . _ @ -)
  --scopes LIST    comma-separated scopes (default read)
  --name LABEL     a label shown by 'list'
  --redis-url URL  env REDIS_URL, default redis://127.0.0.1:6379`;

export async function keysCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      owner: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
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
  const redisUrl = stringSetting({ flag: 'redis-url', env: 'REDIS_URL' }, values, process.env, { default: 'redis://127.0.0.1:6379', pattern: /^rediss?:\/\/\S+$/, describe: 'redis://host:port[/db]' })!;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    const store = new RedisApiKeyStore(redis);
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
    redis.disconnect();
  }
}
