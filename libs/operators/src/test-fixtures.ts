import type { BookSnapshot, Quote, RawTrade } from '@tickflow/schemas';

/** Seed 000 §9.1's sample trade, with the envelope. */
export function sampleTrade(overrides: Partial<RawTrade> = {}): RawTrade {
  const base: RawTrade = {
    trade_id: 'T-001',
    order_id: 'O-001',
    symbol: 'AAPL',
    side: 'BUY',
    quantity: 100.0,
    price: 185.5,
    status: 'FILLED',
    exchange: 'NASDAQ',
    trader_id: 'TR-001',
    account_id: 'ACC-001',
    timestamp_ms: 1_700_000_000_000,
    event_type: 'TRADE',
    event_ts: 1_700_000_000_000,
    ingest_ts: 1_700_000_000_000,
    seq: 0,
    source: 'test',
    correlation_id: 'T-001',
    version: 1,
  };
  const t = { ...base, ...overrides };
  if (overrides.timestamp_ms !== undefined && overrides.event_ts === undefined) t.event_ts = overrides.timestamp_ms;
  if (overrides.trade_id !== undefined && overrides.correlation_id === undefined) t.correlation_id = overrides.trade_id;
  return t;
}

export function sampleQuote(overrides: Partial<Quote> = {}): Quote {
  return {
    symbol: 'AAPL',
    timestamp_ms: 1_700_000_000_000,
    bid: 185.4,
    bid_size: 500,
    ask: 185.45,
    ask_size: 200,
    last: null,
    exchange: 'NASDAQ',
    event_ts: 1_700_000_000_000,
    ingest_ts: 1_700_000_000_000,
    seq: 0,
    source: 'test',
    correlation_id: 'q-1',
    version: 1,
    ...overrides,
  };
}

/** Seed 000 job 4's sample book. */
export function sampleBook(overrides: Partial<BookSnapshot> = {}): BookSnapshot {
  return {
    symbol: 'AAPL',
    timestamp_ms: 1_700_000_000_000,
    bids: [
      { price: 185.4, quantity: 500 },
      { price: 185.35, quantity: 300 },
    ],
    asks: [
      { price: 185.45, quantity: 200 },
      { price: 185.5, quantity: 400 },
    ],
    exchange: 'NASDAQ',
    event_ts: 1_700_000_000_000,
    ingest_ts: 1_700_000_000_000,
    seq: 0,
    source: 'test',
    correlation_id: 'b-1',
    version: 1,
    ...overrides,
  };
}

/** Collects a task's outputs per topic. */
export class MemorySink {
  readonly records: Array<{ topic: string; key: string | null; value: Record<string, unknown> }> = [];
  emit(topic: string, key: string | null, value: object): void {
    this.records.push({ topic, key, value: value as Record<string, unknown> });
  }
  on(topic: string): Array<Record<string, unknown>> {
    return this.records.filter((r) => r.topic === topic).map((r) => r.value);
  }
}
