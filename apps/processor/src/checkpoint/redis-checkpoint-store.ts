import { Redis } from 'ioredis';
import { CheckpointError, offsetsTag, type CheckpointStore } from './checkpoint-store';

export interface RedisCheckpointStoreOptions {
  /** redis://host:port[/db] */
  url: string;
  /** Key prefix; tests use their own. @defaultValue 'tickflow:ckpt' */
  prefix?: string;
  /** Snapshots kept per task (the newest ones). @defaultValue 3 */
  keep?: number;
}

// Save only if the caller still owns the task; then index the snapshot and drop the oldest ones.
// KEYS: owner, recent list. ARGV: epoch, snapshot key, bytes, keep.
const SAVE_SCRIPT = `
local owner = tonumber(redis.call('GET', KEYS[1]) or '0')
if owner ~= tonumber(ARGV[1]) then return {err = 'CKPT_FENCED owner epoch ' .. owner .. ', writer epoch ' .. ARGV[1]} end
redis.call('SET', ARGV[2], ARGV[3])
redis.call('LREM', KEYS[2], 0, ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[2])
local old = redis.call('LRANGE', KEYS[2], tonumber(ARGV[4]), -1)
for _, k in ipairs(old) do redis.call('DEL', k) end
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
return 'OK'
`;

/** Task snapshots in Redis: `<prefix>:<task>:owner`, `<prefix>:<task>:recent`, `<prefix>:<task>:snap:<offsets>`. */
export class RedisCheckpointStore implements CheckpointStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly keep: number;

  constructor(opts: RedisCheckpointStoreOptions) {
    this.prefix = opts.prefix ?? 'tickflow:ckpt';
    this.keep = opts.keep ?? 3;
    // Reconnect forever: a Redis restart must stall checkpoints, not kill the processor.
    this.redis = new Redis(opts.url, { lazyConnect: false, maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: (n) => Math.min(100 * n, 2000) });
    this.redis.on('error', () => {
      /* reconnects on its own; callers see failures through their commands */
    });
  }

  async claim(taskId: string): Promise<number> {
    return this.redis.incr(this.key(taskId, 'owner'));
  }

  async save(taskId: string, epoch: number, offsets: readonly number[], bytes: Uint8Array): Promise<void> {
    try {
      await this.redis.eval(SAVE_SCRIPT, 2, this.key(taskId, 'owner'), this.key(taskId, 'recent'), String(epoch), this.snapKey(taskId, offsets), Buffer.from(bytes), String(this.keep));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message.includes('CKPT_FENCED')) throw new CheckpointError('CKPT_FENCED', `task ${taskId}: ${message}`);
      throw new CheckpointError('CKPT_STORE_UNAVAILABLE', `task ${taskId}: saving the snapshot failed: ${message}`, { cause: err });
    }
  }

  async latestOffsets(taskId: string): Promise<number[] | null> {
    const newest = await this.redis.lindex(this.key(taskId, 'recent'), 0);
    if (!newest) return null;
    const tag = newest.slice(newest.lastIndexOf(':') + 1);
    return tag.split('-').map(Number);
  }

  async load(taskId: string, offsets: readonly number[]): Promise<Uint8Array | null> {
    const bytes = await this.redis.getBuffer(this.snapKey(taskId, offsets));
    return bytes ? new Uint8Array(bytes) : null;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private key(taskId: string, what: string): string {
    return `${this.prefix}:${taskId}:${what}`;
  }

  private snapKey(taskId: string, offsets: readonly number[]): string {
    return this.key(taskId, `snap:${offsetsTag(offsets)}`);
  }
}
