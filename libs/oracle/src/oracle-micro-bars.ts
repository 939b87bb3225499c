import { toNumber, toText } from './duckdb-values';
import { withTradeTable } from './with-trade-table';

/** A 1 s bar `[window_start, window_end)` of one symbol, as computed by plain SQL. */
export interface OracleBar {
  symbol: string;
  /** Inclusive start, UTC epoch ms, a multiple of 1000. */
  window_start: number;
  /** Exclusive end, `window_start + 1000`. */
  window_end: number;
  /** First trade by (timestamp_ms, file line). */
  open: number;
  high: number;
  low: number;
  /** Last trade by (timestamp_ms, file line). */
  close: number;
  /** Σ quantity. */
  volume: number;
  /** Σ price · quantity / Σ quantity. */
  vwap: number;
  count: number;
}

/**
 * Same trade selection (status FILLED or PARTIALLY_FILLED) and summation order as the aggregates.
 * GROUP BY only creates groups for seconds that have trades: a quiet second has no bar.
 */
const BARS_SQL = `
WITH windowed AS (
  SELECT *, timestamp_ms - (((timestamp_ms % 1000) + 1000) % 1000) AS window_start
  FROM trades
  WHERE status IN ('FILLED', 'PARTIALLY_FILLED')
)
SELECT
  symbol, window_start, window_start + 1000 AS window_end,
  first(price ORDER BY timestamp_ms, line_no) AS open,
  max(price) AS high,
  min(price) AS low,
  last(price ORDER BY timestamp_ms, line_no) AS close,
  sum(quantity ORDER BY line_no) AS volume,
  sum(price * quantity ORDER BY line_no) / sum(quantity ORDER BY line_no) AS vwap,
  count(*) AS count
FROM windowed
GROUP BY symbol, window_start
ORDER BY symbol, window_start`;

/**
 * Reference 1 s micro-bars of an NDJSON trades file, computed by DuckDB SQL independently of the
 * processor. Rows are ordered by symbol and window start.
 */
export async function oracleMicroBars(tradesNdjsonPath: string): Promise<OracleBar[]> {
  return withTradeTable(tradesNdjsonPath, async (connection) => {
    const rows = (await connection.runAndReadAll(BARS_SQL)).getRowObjectsJS();
    return rows.map((r) => ({
      symbol: toText(r.symbol, 'symbol'),
      window_start: toNumber(r.window_start, 'window_start'),
      window_end: toNumber(r.window_end, 'window_end'),
      open: toNumber(r.open, 'open'),
      high: toNumber(r.high, 'high'),
      low: toNumber(r.low, 'low'),
      close: toNumber(r.close, 'close'),
      volume: toNumber(r.volume, 'volume'),
      vwap: toNumber(r.vwap, 'vwap'),
      count: toNumber(r.count, 'count'),
    }));
  });
}
