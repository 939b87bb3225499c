import { TtlSet, type TtlSetState } from '@tickflow/stream';

export interface TradeDeduplicatorOptions {
  /** How long a trade_id is remembered, in event time. @defaultValue 86_400_000 (24 h, seed 003) */
  ttlMs: number;
  /** Upper bound on remembered ids; the oldest are forgotten first. @defaultValue 1_000_000 */
  maxEntries: number;
}

export const DEFAULT_DEDUP: Readonly<TradeDeduplicatorOptions> = Object.freeze({ ttlMs: 86_400_000, maxEntries: 1_000_000 });

/**
 * Drops repeated trade ids within the TTL. Time is event time, so a replay dedups exactly as the live
 * run did. State is bounded by `maxEntries`; `evictions` tells when the bound, not the TTL, forgot ids.
 */
export class TradeDeduplicator {
  private readonly seen: TtlSet;
  private sinceExpiry = 0;

  constructor(opts: TradeDeduplicatorOptions = DEFAULT_DEDUP) {
    this.seen = new TtlSet(opts);
  }

  /** True when `tradeId` was seen within the TTL; otherwise remembers it and returns false. */
  isDuplicate(tradeId: string, eventTsMs: number): boolean {
    // Expiry is amortised: a sweep every 4096 records keeps the per-record cost O(1).
    if (++this.sinceExpiry >= 4096) {
      this.sinceExpiry = 0;
      this.seen.expire(eventTsMs);
    }
    return !this.seen.add(tradeId, eventTsMs);
  }

  get size(): number {
    return this.seen.size;
  }

  get evictions(): number {
    return this.seen.evictions;
  }

  snapshot(): { seen: TtlSetState; sinceExpiry: number } {
    return { seen: this.seen.snapshot(), sinceExpiry: this.sinceExpiry };
  }

  restore(state: { seen: TtlSetState; sinceExpiry: number }): void {
    this.seen.restore(state.seen);
    this.sinceExpiry = state.sinceExpiry;
  }
}
