import type { Redis } from 'ioredis';
import type { ApiKeyRecord, ApiKeyStore } from './api-keys';

/** API keys in one Redis hash (`<prefix>apikeys`: id → JSON record), shared by every API instance. */
export class RedisApiKeyStore implements ApiKeyStore {
  private readonly hash: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'tickflow:',
  ) {
    this.hash = `${prefix}apikeys`;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    await this.redis.hset(this.hash, record.id, JSON.stringify(record));
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const raw = await this.redis.hget(this.hash, id);
    return raw ? (JSON.parse(raw) as ApiKeyRecord) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const all = await this.redis.hgetall(this.hash);
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as ApiKeyRecord)
      .sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  async close(): Promise<void> {}
}
