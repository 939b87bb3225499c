import type { EnrichedTrade, RawTrade, ReferenceSymbol } from '@tickflow/schemas';

export const UNKNOWN = 'UNKNOWN';

/**
 * Joins filled trades with reference data (seed 000 job 5). Reference data is broadcast: every task
 * holds all of it, and updates (from `reference.symbols`) replace a symbol's entry; an older update
 * (lower `updated_at`) never overwrites a newer one, so replays of the compacted topic are harmless.
 */
export class TradeEnricher {
  private readonly bySymbol = new Map<string, ReferenceSymbol>();
  /** Trades enriched with UNKNOWN fields because their symbol has no reference data. */
  unknownSymbolCount = 0;

  constructor(reference: Iterable<ReferenceSymbol> = []) {
    for (const ref of reference) this.upsert(ref);
  }

  upsert(ref: ReferenceSymbol): void {
    const current = this.bySymbol.get(ref.symbol);
    if (current && current.updated_at > ref.updated_at) return;
    this.bySymbol.set(ref.symbol, ref);
  }

  sectorOf(symbol: string): string {
    return this.bySymbol.get(symbol)?.sector ?? UNKNOWN;
  }

  get size(): number {
    return this.bySymbol.size;
  }

  enrich(trade: RawTrade): EnrichedTrade {
    const ref = this.bySymbol.get(trade.symbol);
    if (!ref) this.unknownSymbolCount++;
    return {
      ...trade,
      company_name: ref?.company_name ?? UNKNOWN,
      sector: ref?.sector ?? UNKNOWN,
      industry: ref?.industry ?? UNKNOWN,
      market_cap_tier: ref?.market_cap_tier ?? UNKNOWN,
      listed_exchange: ref?.exchange ?? UNKNOWN,
    };
  }

  snapshot(): ReferenceSymbol[] {
    return [...this.bySymbol.values()];
  }

  restore(state: ReferenceSymbol[]): void {
    this.bySymbol.clear();
    for (const ref of state) this.bySymbol.set(ref.symbol, ref);
  }
}
