import { SnapshotError } from './errors';

export interface SweptTtlMapOptions {
  /** An entry expires this long (event time) after it was last written. */
  ttlMs: number;
  /** Upper bound on entries; beyond it the earliest-inserted entry is dropped (and counted). */
  maxEntries: number;
}

export interface SweptTtlMapState<V> {
  entries: Array<[key: string, value: V, lastSeenMs: number]>;
  evictions: number;
}

interface Slot<V> {
  value: V;
  lastSeenMs: number;
}

/**
 * Keyed state whose TTL is refreshed on every write, for state touched by nearly every event (one
 * entry per symbol). Unlike {@link TtlMap}, a write updates the entry in place instead of moving it
 * to the end of the insertion order, so the hot path is one Map lookup; the price is that `sweep` is
 * O(entries), which callers amortise (e.g. once every few thousand records). Time is event time.
 * Values are stored by reference; snapshots copy plain-object values.
 */
export class SweptTtlMap<V> {
  private readonly map = new Map<string, Slot<V>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private evicted = 0;

  constructor(opts: SweptTtlMapOptions) {
    if (!(opts.ttlMs > 0) || !Number.isFinite(opts.ttlMs)) throw new RangeError(`SweptTtlMap: ttlMs must be a positive finite number, got ${String(opts.ttlMs)}`);
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError(`SweptTtlMap: maxEntries must be a positive integer, got ${String(opts.maxEntries)}`);
    this.ttlMs = opts.ttlMs;
    this.maxEntries = opts.maxEntries;
  }

  /** The live value, or undefined when absent or expired at `nowMs` (lastSeen + ttl <= nowMs). */
  get(key: string, nowMs: number): V | undefined {
    const s = this.map.get(key);
    return s !== undefined && s.lastSeenMs + this.ttlMs > nowMs ? s.value : undefined;
  }

  /** Write `value` and refresh the entry's TTL from `nowMs` (never moving it back in time). */
  set(key: string, value: V, nowMs: number): void {
    const s = this.map.get(key);
    if (s !== undefined) {
      s.value = value;
      if (nowMs > s.lastSeenMs) s.lastSeenMs = nowMs;
      return;
    }
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evicted++;
    }
    this.map.set(key, { value, lastSeenMs: nowMs });
  }

  /** Drop every entry expired at `nowMs`; returns how many. O(entries). */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [key, s] of this.map) {
      if (s.lastSeenMs + this.ttlMs <= nowMs) {
        this.map.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.map.size;
  }

  get evictions(): number {
    return this.evicted;
  }

  snapshot(): SweptTtlMapState<V> {
    const entries: SweptTtlMapState<V>['entries'] = [];
    for (const [key, s] of this.map) entries.push([key, copyValue(s.value), s.lastSeenMs]);
    return { entries, evictions: this.evicted };
  }

  restore(state: SweptTtlMapState<V>): void {
    if (!state || !Array.isArray(state.entries) || typeof state.evictions !== 'number') {
      throw new SnapshotError('CKPT_RESTORE_MISMATCH', 'SweptTtlMap.restore: not a SweptTtlMap snapshot');
    }
    this.map.clear();
    for (const [key, value, lastSeenMs] of state.entries) this.map.set(key, { value: copyValue(value), lastSeenMs });
    this.evicted = state.evictions;
  }
}

function copyValue<V>(v: V): V {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? ({ ...v } as V) : v;
}
