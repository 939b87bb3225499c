import { describe, expect, it } from 'vitest';
import { sampleBook, sampleQuote, sampleTrade } from './test-fixtures';
import { validateBook, validateQuote, validateTrade } from './trade-validator';

const NOW = 1_700_000_000_000;

describe('validateTrade', () => {
  it('accepts the seed sample trade and real-world symbol forms', () => {
    for (const symbol of ['AAPL', 'BRK.B', 'BTC-USD', 'BTCUSD_PERP', 'BTC/USD', 'BTCUSDT.P']) {
      expect(validateTrade(sampleTrade({ symbol }), NOW)).toBeNull();
    }
  });

  it.each([
    [{ price: 0 }, 'PRICE_NOT_POSITIVE', 'BUSINESS_RULE_VIOLATION'],
    [{ price: -1 }, 'PRICE_NOT_POSITIVE', 'BUSINESS_RULE_VIOLATION'],
    [{ price: Number.NaN }, 'NOT_FINITE', 'SCHEMA_VIOLATION'],
    [{ price: Number.POSITIVE_INFINITY }, 'NOT_FINITE', 'SCHEMA_VIOLATION'],
    [{ price: 2e9 }, 'PRICE_ABSURD', 'BUSINESS_RULE_VIOLATION'],
    [{ quantity: 0 }, 'QUANTITY_NOT_POSITIVE', 'BUSINESS_RULE_VIOLATION'],
    [{ quantity: -5 }, 'QUANTITY_NOT_POSITIVE', 'BUSINESS_RULE_VIOLATION'],
    [{ quantity: 1e13 }, 'QUANTITY_ABSURD', 'BUSINESS_RULE_VIOLATION'],
    [{ side: 'HOLD' as 'BUY' }, 'SIDE_UNKNOWN', 'SCHEMA_VIOLATION'],
    [{ trade_id: '' }, 'REQUIRED_FIELD_EMPTY', 'SCHEMA_VIOLATION'],
    [{ status: '' }, 'REQUIRED_FIELD_EMPTY', 'SCHEMA_VIOLATION'],
    [{ trade_id: 'x'.repeat(65) }, 'FIELD_TOO_LONG', 'BUSINESS_RULE_VIOLATION'],
    [{ account_id: 'a'.repeat(1_000_000) }, 'FIELD_TOO_LONG', 'BUSINESS_RULE_VIOLATION'],
    [{ symbol: 'aapl' }, 'SYMBOL_FORMAT', 'BUSINESS_RULE_VIOLATION'],
    [{ symbol: 'A'.repeat(33) }, 'SYMBOL_FORMAT', 'BUSINESS_RULE_VIOLATION'],
    [{ symbol: 'AA PL' }, 'SYMBOL_FORMAT', 'BUSINESS_RULE_VIOLATION'],
    [{ symbol: "A';DROP" }, 'SYMBOL_FORMAT', 'BUSINESS_RULE_VIOLATION'],
    [{ symbol: '' }, 'REQUIRED_FIELD_EMPTY', 'SCHEMA_VIOLATION'],
    [{ timestamp_ms: 0 }, 'TIMESTAMP_TOO_OLD', 'BUSINESS_RULE_VIOLATION'],
    [{ timestamp_ms: NOW + 86_400_001 }, 'TIMESTAMP_IN_FUTURE', 'BUSINESS_RULE_VIOLATION'],
  ])('%j → %s', (overrides, code, errorType) => {
    const r = validateTrade(sampleTrade(overrides), NOW);
    expect(r?.code).toBe(code);
    expect(r?.errorType).toBe(errorType);
    expect(r?.message.length).toBeGreaterThan(5);
  });

  it('leaves unknown statuses to the router', () => {
    expect(validateTrade(sampleTrade({ status: 'UNKNOWN_STATUS' }), NOW)).toBeNull();
  });

  it('accepts a timestamp exactly at the future limit', () => {
    expect(validateTrade(sampleTrade({ timestamp_ms: NOW + 86_400_000 }), NOW)).toBeNull();
  });
});

describe('validateQuote', () => {
  it('accepts a normal and a locked quote, rejects a crossed one', () => {
    expect(validateQuote(sampleQuote(), NOW)).toBeNull();
    expect(validateQuote(sampleQuote({ bid: 185.45, ask: 185.45 }), NOW)).toBeNull();
    expect(validateQuote(sampleQuote({ bid: 185.5, ask: 185.45 }), NOW)?.code).toBe('QUOTE_CROSSED');
  });

  it.each([
    [{ bid: 0 }, 'PRICE_NOT_POSITIVE'],
    [{ ask: Number.NaN }, 'NOT_FINITE'],
    [{ bid_size: -1 }, 'SIZE_NEGATIVE'],
    [{ last: -3 }, 'PRICE_NOT_POSITIVE'],
    [{ symbol: 'btc usd' }, 'SYMBOL_FORMAT'],
  ])('%j → %s', (overrides, code) => {
    expect(validateQuote(sampleQuote(overrides), NOW)?.code).toBe(code);
  });
});

describe('validateBook', () => {
  it('accepts a sorted book, an empty book and a crossed book', () => {
    expect(validateBook(sampleBook(), NOW)).toBeNull();
    expect(validateBook(sampleBook({ bids: [], asks: [] }), NOW)).toBeNull();
    expect(validateBook(sampleBook({ bids: [{ price: 186, quantity: 1 }], asks: [{ price: 185, quantity: 1 }] }), NOW)).toBeNull();
  });

  it('rejects unsorted levels, negative quantities and absurd depth', () => {
    expect(validateBook(sampleBook({ bids: [{ price: 1, quantity: 1 }, { price: 2, quantity: 1 }] }), NOW)?.code).toBe('BOOK_LEVELS_UNORDERED');
    expect(validateBook(sampleBook({ asks: [{ price: 2, quantity: 1 }, { price: 2, quantity: 1 }] }), NOW)?.code).toBe('BOOK_LEVELS_UNORDERED');
    expect(validateBook(sampleBook({ asks: [{ price: 2, quantity: -1 }] }), NOW)?.code).toBe('SIZE_NEGATIVE');
    const deep = Array.from({ length: 1001 }, (_, i) => ({ price: 1000 - i * 0.5, quantity: 1 }));
    expect(validateBook(sampleBook({ bids: deep }), NOW)?.code).toBe('BOOK_TOO_DEEP');
  });
});
