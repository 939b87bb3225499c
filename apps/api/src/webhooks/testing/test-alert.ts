/** A complete PriceAlert for tests. Test support only; not exported from the package. */
import type { PriceAlert } from '@tickflow/schemas';

let n = 0;

export function testAlert(over: Partial<PriceAlert> = {}): PriceAlert {
  const symbol = over.symbol ?? 'AAPL';
  const ts = over.detected_at_ms ?? Date.now();
  n++;
  return {
    alert_id: `pa:${symbol}:${ts}:test-${process.pid}-${n}`,
    alert_type: 'PRICE_MOVEMENT',
    symbol,
    direction: 'UP',
    baseline_price: 100,
    current_price: 106,
    pct_change: 6,
    window_start_ms: ts - 60_000,
    detected_at_ms: ts,
    severity: 'HIGH',
    trigger: 'TRADE',
    event_ts: ts,
    ingest_ts: ts,
    seq: n,
    source: 'test',
    correlation_id: `test-${n}`,
    version: 1,
    ...over,
  };
}
