import { describe, expect, it } from 'vitest';
import { summarizeSectors, type SymbolWindowStats } from './sector-performance';

const row = (sector: string, symbol: string, volume: number, value: number, tradeCount: number, firstPrice: number, lastPrice: number): SymbolWindowStats => ({
  sector,
  symbol,
  volume,
  value,
  tradeCount,
  firstPrice,
  lastPrice,
});

describe('summarizeSectors', () => {
  it('sums per sector, weights the change by value, picks the top symbol by value', () => {
    const out = summarizeSectors([
      row('Tech', 'AAPL', 30, 3000, 3, 100, 110), // +10 %
      row('Tech', 'MSFT', 10, 1000, 1, 100, 95), // −5 %
      row('Energy', 'XOM', 100, 5000, 2, 50, 50), // 0 %
    ]);
    expect(out.map((s) => s.sector)).toEqual(['Energy', 'Tech']); // by value: 5000 > 4000
    const tech = out[1]!;
    expect(tech).toMatchObject({ volume: 40, value: 4000, tradeCount: 4, vwap: 100, symbolCount: 2 });
    // (3000 × 10 + 1000 × −5) / 4000 = 6.25
    expect(tech.changePercent).toBeCloseTo(6.25, 12);
    expect(tech.topSymbol).toMatchObject({ symbol: 'AAPL', value: 3000, vwap: 100 });
    expect(tech.topSymbol.changePercent).toBeCloseTo(10, 12);
    expect(out[0]).toMatchObject({ sector: 'Energy', vwap: 50, changePercent: 0, topSymbol: { symbol: 'XOM' } });
  });

  it('breaks ties by name: sectors of equal value, top symbols of equal value', () => {
    const out = summarizeSectors([row('B', 'Y', 1, 5, 1, 5, 5), row('B', 'X', 1, 5, 1, 5, 5), row('A', 'Z', 1, 10, 1, 10, 10)]);
    expect(out.map((s) => [s.sector, s.topSymbol.symbol])).toEqual([
      ['A', 'Z'],
      ['B', 'X'],
    ]);
  });

  it('no trades, no sectors', () => {
    expect(summarizeSectors([])).toEqual([]);
  });
});
