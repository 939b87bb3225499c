import { describe, expect, it } from 'vitest';
import { TradeEnricher, hasUnknownSymbol } from './trade-enricher';
import { sampleTrade } from './test-fixtures';

const apple = { symbol: 'AAPL', company_name: 'Apple Inc.', sector: 'Technology', industry: 'Consumer Electronics', market_cap_tier: 'MEGA', exchange: 'NASDAQ', updated_at: 10 };

describe('TradeEnricher', () => {
  it('adds reference fields to known symbols', () => {
    const e = new TradeEnricher([apple]);
    expect(e.enrich(sampleTrade())).toMatchObject({ trade_id: 'T-001', company_name: 'Apple Inc.', sector: 'Technology', industry: 'Consumer Electronics', market_cap_tier: 'MEGA', listed_exchange: 'NASDAQ' });
    expect(hasUnknownSymbol(e.enrich(sampleTrade()))).toBe(false);
  });

  it('marks unknown symbols UNKNOWN', () => {
    const e = new TradeEnricher([apple]);
    expect(e.enrich(sampleTrade({ symbol: 'ZZZ' }))).toMatchObject({ company_name: 'UNKNOWN', sector: 'UNKNOWN', listed_exchange: 'UNKNOWN' });
    expect(hasUnknownSymbol(e.enrich(sampleTrade({ symbol: 'ZZZ' })))).toBe(true);
  });

  it('applies broadcast updates, ignoring older ones', () => {
    const e = new TradeEnricher([apple]);
    e.upsert({ ...apple, sector: 'Hardware', updated_at: 20 });
    e.upsert({ ...apple, sector: 'Stale', updated_at: 15 });
    expect(e.sectorOf('AAPL')).toBe('Hardware');
  });
});
