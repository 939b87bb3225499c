import { SnapshotError } from './errors';

export interface TtlMapOptions {
  /** How long an entry lives after its last `set`, in event-time ms. Finite, > 0. */
  ttlMs: number;
  /** Upper bound on entries held (expired-but-not-yet-dropped ones included). A positive integer. */
  maxEntries: number;
}

/**
 * Plain-data state of a {@link TtlMap}: entries as `[key, value, expiresAtMs]` from the oldest to
 * the newest set, plus the eviction counter. Object values are deep-copied.
 */
export interface TtlMapState<V> {
  entries: Array<[key: string, value: V, expiresAtMs: number]>;
  evictions: number;
}

interface Entry<V> {
  value: V;
  expiresAtMs: number;
}

/**
 * Keyed state with a time-to-live in EVENT time, bounded in size: dedup ids, per-symbol detector
 * state. Time comes from the caller (`nowMs`, event time), so a replay of the same input expires and
 * evicts exactly as the live run did.
 *
 * Entries are kept in the order of their last `set` (a `set` of an existing key moves it to the
 * newest end). Values are stored by reference; `snapshot`/`restore` deep-copy object values.
 */
export class TtlMap<V> {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly map = new Map<string, Entry<V>>();
  private evicted = 0;

  constructor(opts: TtlMapOptions) {
    const { ttlMs, maxEntries } = opts;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new RangeError(`TtlMap: ttlMs must be a finite number > 0, got ${String(ttlMs)}`);
    }
    if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
      throw new RangeError(`TtlMap: maxEntries must be a positive integer, got ${String(maxEntries)}`);
    }
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** The value, unless absent or expired (expiry <= nowMs). Never mutates the map. */
  get(key: string, nowMs: number): V | undefined {
    const e = this.map.get(key);
    return e !== undefined && e.expiresAtMs > nowMs ? e.value : undefined;
  }

  /**
   * Store `value` with expiry = nowMs + ttlMs (the last `set` decides, even if its `nowMs` is older)
   * and make it the newest entry. When the map is full, the oldest-set entry is dropped first; that
   * counts in `evictions` unless it had already expired at `nowMs`.
   * @throws RangeError when `nowMs` is not finite.
   */
  set(key: string, value: V, nowMs: number): void {
    if (!Number.isFinite(nowMs)) throw new RangeError(`TtlMap.set: nowMs must be finite, got ${String(nowMs)}`);
    const expiresAtMs = nowMs + this.ttlMs;
    const e = this.map.get(key);
    if (e !== undefined) {
      this.map.delete(key);
      e.value = value;
      e.expiresAtMs = expiresAtMs;
      this.map.set(key, e);
      return;
    }
    if (this.map.size >= this.maxEntries) this.dropOldest(nowMs);
    this.map.set(key, { value, expiresAtMs });
  }

  /** True when `key` holds an unexpired entry (expiry > nowMs), whatever its value. */
  has(key: string, nowMs: number): boolean {
    const e = this.map.get(key);
    return e !== undefined && e.expiresAtMs > nowMs;
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  /**
   * Drop entries whose expiry <= nowMs, scanning from the oldest-set entry and stopping at the first
   * unexpired one: O(expired + 1).
   *
   * The bound when input is out of order: if the `nowMs` passed to `set` is never more than D below
   * the highest `nowMs` set before it, any entry set before entry e expires at most D after e, so e
   * is dropped by every `expire(t)` with t >= e.expiry + D. Until then an expired entry may linger
   * behind an unexpired older one: it is never returned by `get`/`has`, but counts in `size` and
   * towards `maxEntries`. Returns how many entries were dropped.
   */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const [key, e] of this.map) {
      if (!(e.expiresAtMs <= nowMs)) break;
      this.map.delete(key);
      dropped++;
    }
    return dropped;
  }

  /** Entries held, including expired ones not yet dropped by `expire`. */
  get size(): number {
    return this.map.size;
  }

  /** Unexpired entries dropped because the map was full (state lost to the size bound, not the TTL). */
  get evictions(): number {
    return this.evicted;
  }

  snapshot(): TtlMapState<V> {
    const entries = new Array<[string, V, number]>(this.map.size);
    let i = 0;
    for (const [key, e] of this.map) entries[i++] = [key, cloneValue(e.value), e.expiresAtMs];
    return { entries, evictions: this.evicted };
  }

  /**
   * Replace the contents with `state`. If it holds more than `maxEntries` (the bound was lowered),
   * the oldest are evicted and counted.
   * @throws SnapshotError `CKPT_RESTORE_MISMATCH` when the state is malformed.
   */
  restore(state: TtlMapState<V>): void {
    const s = state as Partial<TtlMapState<V>> | null;
    if (s === null || typeof s !== 'object' || !Array.isArray(s.entries) || typeof s.evictions !== 'number' || !(s.evictions >= 0)) {
      throw new SnapshotError('CKPT_RESTORE_MISMATCH', 'TtlMap.restore: expected { entries: [key, value, expiresAtMs][], evictions }');
    }
    const map = new Map<string, Entry<V>>();
    for (const t of s.entries) {
      if (!Array.isArray(t) || t.length !== 3 || typeof t[0] !== 'string' || typeof t[2] !== 'number' || !Number.isFinite(t[2]) || map.has(t[0])) {
        throw new SnapshotError('CKPT_RESTORE_MISMATCH', 'TtlMap.restore: each entry must be a unique [key: string, value, expiresAtMs: finite number]');
      }
      map.set(t[0], { value: cloneValue(t[1]), expiresAtMs: t[2] });
    }
    let evictions = s.evictions;
    for (const key of map.keys()) {
      if (map.size <= this.maxEntries) break;
      map.delete(key);
      evictions++;
    }
    this.map.clear();
    for (const [k, e] of map) this.map.set(k, e);
    this.evicted = evictions;
  }

  private dropOldest(nowMs: number): void {
    for (const [key, e] of this.map) {
      this.map.delete(key);
      if (e.expiresAtMs > nowMs) this.evicted++;
      return;
    }
  }
}

function cloneValue<V>(v: V): V {
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}
