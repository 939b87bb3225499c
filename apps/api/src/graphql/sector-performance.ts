/** The windows `sectorPerformance` looks back over, ms. */
export const TIME_WINDOW_MS = {
  ONE_MINUTE: 60_000,
  FIVE_MINUTES: 5 * 60_000,
  FIFTEEN_MINUTES: 15 * 60_000,
  ONE_HOUR: 60 * 60_000,
  ONE_DAY: 24 * 60 * 60_000,
} as const;

export type TimeWindow = keyof typeof TIME_WINDOW_MS;

/** One symbol's executed trades within a window, as `TradeAnalyticsQueries.sectorSymbolStats` reads them. */
export interface SymbolWindowStats {
  sector: string;
  symbol: string;
  /** Σ quantity */
  volume: number;
  /** Σ quantity × price (notional) */
  value: number;
  tradeCount: number;
  /** Price of the symbol's first trade in the window (by timestamp, then stream position). */
  firstPrice: number;
  /** Price of its last trade in the window. */
  lastPrice: number;
}

export interface SymbolPerformance extends SymbolWindowStats {
  /** value / volume */
  vwap: number;
  /** (lastPrice / firstPrice − 1) × 100 */
  changePercent: number;
}

export interface SectorPerformanceRow {
  sector: string;
  volume: number;
  value: number;
  tradeCount: number;
  /** Σ value / Σ volume over the sector's trades. */
  vwap: number;
  /**
   * The sector's price change over the window: its symbols' change percents (first to last trade
   * price in the window) weighted by each symbol's traded value, so a busy symbol moves the sector
   * more than one that traded once. A sector has no single price, hence the weighting.
   */
  changePercent: number;
  symbolCount: number;
  /** The symbol with the largest traded value (ties: the first by name). */
  topSymbol: SymbolPerformance;
}

/**
 * Per-sector figures from per-symbol window statistics, busiest sector (by value) first, ties by
 * name. Pure.
 */
export function summarizeSectors(rows: readonly SymbolWindowStats[]): SectorPerformanceRow[] {
  const bySector = new Map<string, SymbolPerformance[]>();
  for (const r of rows) {
    const perf: SymbolPerformance = { ...r, vwap: r.volume > 0 ? r.value / r.volume : 0, changePercent: changePercent(r.firstPrice, r.lastPrice) };
    const list = bySector.get(r.sector);
    if (list) list.push(perf);
    else bySector.set(r.sector, [perf]);
  }
  const out: SectorPerformanceRow[] = [];
  for (const [sector, symbols] of bySector) {
    let volume = 0;
    let value = 0;
    let tradeCount = 0;
    let weightedChange = 0;
    let top = symbols[0]!;
    for (const s of symbols) {
      volume += s.volume;
      value += s.value;
      tradeCount += s.tradeCount;
      weightedChange += s.value * s.changePercent;
      if (s.value > top.value || (s.value === top.value && s.symbol < top.symbol)) top = s;
    }
    out.push({
      sector,
      volume,
      value,
      tradeCount,
      vwap: volume > 0 ? value / volume : 0,
      changePercent: value > 0 ? weightedChange / value : 0,
      symbolCount: symbols.length,
      topSymbol: top,
    });
  }
  return out.sort((a, b) => b.value - a.value || (a.sector < b.sector ? -1 : a.sector > b.sector ? 1 : 0));
}

function changePercent(first: number, last: number): number {
  return first > 0 ? (last / first - 1) * 100 : 0;
}
