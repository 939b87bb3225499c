import type { SymbolSpec } from '@tickflow/ingestion';
import type { ReferenceSymbol } from '@tickflow/schemas';

/** Start prices for the built-in reference symbols (roughly their late-2024 levels). */
export const EMBEDDED_START_PRICES: Readonly<Record<string, number>> = Object.freeze({
  AAPL: 228, MSFT: 415, NVDA: 135, GOOGL: 165, META: 560, AMZN: 195, TSLA: 250, JPM: 220, BAC: 42, 'BRK.B': 460,
  XOM: 118, CVX: 155, JNJ: 160, UNH: 590, PFE: 28, WMT: 80, KO: 70, CAT: 390, BA: 155, NEE: 78,
});

/** The first `count` reference symbols that have a start price, in reference order, as simulator specs. */
export function simulatedSymbols(reference: readonly ReferenceSymbol[], count: number): SymbolSpec[] {
  return reference
    .filter((r) => EMBEDDED_START_PRICES[r.symbol] !== undefined)
    .slice(0, count)
    .map((r) => ({ symbol: r.symbol, startPrice: EMBEDDED_START_PRICES[r.symbol]!, sector: r.sector }));
}
