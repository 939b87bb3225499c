import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DeliveryAttempt, LoggedDeliveryAttempt } from './delivery-attempt';
import type { RedisWebhookStoreOptions } from './redis-webhook-store-options';
import type { WebhookEndpoint, WebhookEndpointPatch } from './webhook-endpoint';
import type { WebhookStore } from './webhook-store';

/** A Lua script run by its SHA, loaded on first use or after a Redis restart (NOSCRIPT). */
class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** KEYS: endpoint hash. ARGV: guard field ('' = none), its expected JSON value, then field/value pairs. */
const UPDATE = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: endpoint hash, log zset, log sequence. ARGV: entry JSON, max entries. */
const APPEND = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], seq, seq .. ' ' .. ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2])
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1) end
return seq
`);

type StoredField = keyof WebhookEndpoint;

/**
 * Webhook endpoints in Redis (one Redis, not a cluster: creation and deletion touch several keys
 * in one MULTI):
 * - `<prefix>webhooks:endpoint:<id>` — hash, one field per endpoint property, each JSON-encoded;
 * - `<prefix>webhooks:ids` and `<prefix>webhooks:owner:<owner>` — sets of ids;
 * - `<prefix>webhooks:log:<id>` — the delivery log, a sorted set scored by a per-endpoint sequence
 *   (`<prefix>webhooks:log-seq:<id>`) so pages stay stable while attempts are appended.
 * Updates and log appends are Lua scripts that do nothing once the endpoint is deleted, so a late
 * worker cannot resurrect it.
 */
export class RedisWebhookStore implements WebhookStore {
  private readonly prefix: string;
  private readonly maxLogEntries: number;

  constructor(
    private readonly redis: Redis,
    opts: RedisWebhookStoreOptions = {},
  ) {
    this.prefix = `${opts.prefix ?? 'tickflow:'}webhooks:`;
    this.maxLogEntries = opts.maxLogEntries ?? 1000;
    if (!Number.isSafeInteger(this.maxLogEntries) || this.maxLogEntries < 1) throw new RangeError('maxLogEntries must be a positive integer');
  }

  private endpointKey(id: string): string {
    return `${this.prefix}endpoint:${id}`;
  }
  private ownerKey(owner: string): string {
    return `${this.prefix}owner:${owner}`;
  }
  private logKey(id: string): string {
    return `${this.prefix}log:${id}`;
  }
  private seqKey(id: string): string {
    return `${this.prefix}log-seq:${id}`;
  }
  private get idsKey(): string {
    return `${this.prefix}ids`;
  }

  async create(endpoint: WebhookEndpoint): Promise<void> {
    const fields = Object.entries(endpoint).flatMap(([k, v]) => [k, JSON.stringify(v)]);
    await this.redis
      .multi()
      .hset(this.endpointKey(endpoint.id), ...fields)
      .sadd(this.idsKey, endpoint.id)
      .sadd(this.ownerKey(endpoint.owner), endpoint.id)
      .exec()
      .then(throwOnFailure);
  }

  async get(id: string): Promise<WebhookEndpoint | null> {
    return decodeEndpoint(await this.redis.hgetall(this.endpointKey(id)));
  }

  async listByOwner(owner: string): Promise<WebhookEndpoint[]> {
    return this.getMany(await this.redis.smembers(this.ownerKey(owner)));
  }

  async listActive(): Promise<WebhookEndpoint[]> {
    return (await this.getMany(await this.redis.smembers(this.idsKey))).filter((e) => e.status === 'active');
  }

  async update(id: string, patch: WebhookEndpointPatch, opts: { ifUrl?: string; nowMs?: number } = {}): Promise<WebhookEndpoint | null> {
    const changes: Partial<WebhookEndpoint> = { ...patch, updatedAtMs: opts.nowMs ?? Date.now() };
    const args = Object.entries(changes)
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => [k, JSON.stringify(v)]);
    const guard = opts.ifUrl === undefined ? ['', ''] : ['url', JSON.stringify(opts.ifUrl)];
    const result = await UPDATE.run(this.redis, [this.endpointKey(id)], [...guard, ...args]);
    if (!Array.isArray(result)) return null;
    const flat = result as string[];
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
    return decodeEndpoint(hash);
  }

  async delete(id: string): Promise<boolean> {
    const ownerJson = await this.redis.hget(this.endpointKey(id), 'owner');
    if (ownerJson === null) return false;
    const owner = JSON.parse(ownerJson) as string;
    const results = await this.redis
      .multi()
      .del(this.endpointKey(id))
      .del(this.logKey(id), this.seqKey(id))
      .srem(this.idsKey, id)
      .srem(this.ownerKey(owner), id)
      .exec()
      .then(throwOnFailure);
    return results[0] === 1;
  }

  async appendAttempt(endpointId: string, attempt: DeliveryAttempt): Promise<boolean> {
    const seq = await APPEND.run(this.redis, [this.endpointKey(endpointId), this.logKey(endpointId), this.seqKey(endpointId)], [JSON.stringify(attempt), this.maxLogEntries]);
    return seq !== 0;
  }

  async listAttempts(endpointId: string, opts: { limit: number; beforeSeq?: number }): Promise<LoggedDeliveryAttempt[]> {
    const max = opts.beforeSeq === undefined ? '+inf' : `(${opts.beforeSeq}`;
    const members = await this.redis.zrevrangebyscore(this.logKey(endpointId), max, '-inf', 'LIMIT', 0, opts.limit);
    return members.map((m) => {
      const space = m.indexOf(' ');
      return { seq: Number(m.slice(0, space)), ...(JSON.parse(m.slice(space + 1)) as DeliveryAttempt) };
    });
  }

  private async getMany(ids: string[]): Promise<WebhookEndpoint[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.endpointKey(id));
    const results = throwOnFailure(await pipeline.exec());
    return results
      .map((r) => decodeEndpoint(r as Record<string, string>))
      .filter((e): e is WebhookEndpoint => e !== null)
      .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
  }
}

const FIELDS: readonly StoredField[] = ['id', 'owner', 'url', 'description', 'symbols', 'minSeverity', 'secret', 'status', 'disabledReason', 'createdAtMs', 'updatedAtMs'];

function decodeEndpoint(hash: Record<string, string>): WebhookEndpoint | null {
  if (!hash || hash['id'] === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) out[f] = hash[f] === undefined ? null : JSON.parse(hash[f]);
  return out as unknown as WebhookEndpoint;
}

function throwOnFailure(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('the Redis transaction was aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
