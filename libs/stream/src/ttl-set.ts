import { SnapshotError } from './errors';

export interface TtlSetOptions {
  /** A member expires this long (event time) after it was added. */
  ttlMs: number;
  /** Upper bound on members; beyond it the oldest-added member is forgotten (and counted). */
  maxEntries: number;
}

export interface TtlSetState {
  entries: Array<[key: string, expiresAtMs: number]>;
  evictions: number;
}

/**
 * A set of keys with an event-time TTL and a size bound: the dedup operator's state (millions of
 * trade ids). It stores only the expiry number per key — no entry object — because at this size the
 * per-entry allocation dominated. Members are never refreshed, so insertion order is (nearly) expiry
 * order and `expire` scans from the oldest, stopping at the first live member: O(expired + 1).
 */
export class TtlSet {
  private readonly map = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private evicted = 0;

  constructor(opts: TtlSetOptions) {
    if (!(opts.ttlMs > 0) || !Number.isFinite(opts.ttlMs)) throw new RangeError(`TtlSet: ttlMs must be a positive finite number, got ${String(opts.ttlMs)}`);
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError(`TtlSet: maxEntries must be a positive integer, got ${String(opts.maxEntries)}`);
    this.ttlMs = opts.ttlMs;
    this.maxEntries = opts.maxEntries;
  }

  /**
   * Adds `key` unless it is a live member at `nowMs`. Returns true when added (first sighting, or the
   * previous one expired), false when it was already a live member.
   */
  add(key: string, nowMs: number): boolean {
    const expiresAt = this.map.get(key);
    if (expiresAt !== undefined) {
      if (expiresAt > nowMs) return false;
      this.map.delete(key); // expired: re-add as the newest member
    } else if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      if ((this.map.get(oldest) as number) > nowMs) this.evicted++;
      this.map.delete(oldest);
    }
    this.map.set(key, nowMs + this.ttlMs);
    return true;
  }

  has(key: string, nowMs: number): boolean {
    const expiresAt = this.map.get(key);
    return expiresAt !== undefined && expiresAt > nowMs;
  }

  /** Forget members whose expiry <= nowMs, from the oldest, stopping at the first live one. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const [key, expiresAt] of this.map) {
      if (expiresAt > nowMs) break;
      this.map.delete(key);
      dropped++;
    }
    return dropped;
  }

  get size(): number {
    return this.map.size;
  }

  /** Members forgotten because of the size bound while still live. */
  get evictions(): number {
    return this.evicted;
  }

  snapshot(): TtlSetState {
    return { entries: [...this.map], evictions: this.evicted };
  }

  restore(state: TtlSetState): void {
    if (!state || !Array.isArray(state.entries) || typeof state.evictions !== 'number') {
      throw new SnapshotError('CKPT_RESTORE_MISMATCH', 'TtlSet.restore: not a TtlSet snapshot');
    }
    this.map.clear();
    for (const [key, expiresAt] of state.entries) this.map.set(key, expiresAt);
    this.evicted = state.evictions;
  }
}
