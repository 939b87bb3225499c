import { toNullableNumber, toNumber, toText } from './duckdb-values';
import { withTradeTable } from './with-trade-table';

export type OracleWindowSize = '1m' | '5m' | '15m';

/** A tumbling per-symbol trade aggregate as computed by plain SQL (fields as seed 000 TradeAggregate). */
export interface OracleAggregate {
  symbol: string;
  window_size: OracleWindowSize;
  /** Inclusive window start, UTC epoch ms, a multiple of the window size. */
  window_start: number;
  /** Exclusive window end, `window_start + size`. */
  window_end: number;
  /** Σ quantity. */
  total_volume: number;
  /** Σ price · quantity. */
  total_value: number;
  /** total_value / total_volume. */
  vwap: number;
  trade_count: number;
  buy_count: number;
  sell_count: number;
  /** buy_count / sell_count; null when sell_count = 0. */
  buy_sell_ratio: number | null;
  high_price: number;
  low_price: number;
  /** Price of the first trade by (timestamp_ms, file line). */
  open_price: number;
  /** Price of the last trade by (timestamp_ms, file line). */
  close_price: number;
  /** (high − low) / low > 2 % (seed 004). */
  volatility_anomaly: boolean;
}

/**
 * Counted trades are those with status FILLED or PARTIALLY_FILLED (exact, case-sensitive match);
 * windows are `[floor(ts / size) · size, + size)` for size 60 000 / 300 000 / 900 000 ms.
 *
 * Sums are taken in arrival (file line) order (`sum(… ORDER BY line_no)`), as an incremental
 * accumulator would. Floating-point sums depend on order; comparisons with the processor should
 * still use a relative tolerance (1e-9), since the oracle does not promise bit-equality.
 */
const AGGREGATES_SQL = `
WITH sizes(window_size, size_ms, size_order) AS (
  VALUES ('1m', 60000::BIGINT, 1), ('5m', 300000::BIGINT, 2), ('15m', 900000::BIGINT, 3)
),
windowed AS (
  SELECT t.*, s.window_size, s.size_ms, s.size_order,
         t.timestamp_ms - (((t.timestamp_ms % s.size_ms) + s.size_ms) % s.size_ms) AS window_start
  FROM trades t CROSS JOIN sizes s
  WHERE t.status IN ('FILLED', 'PARTIALLY_FILLED')
),
grouped AS (
  SELECT
    symbol, window_size, size_order, window_start, window_start + size_ms AS window_end,
    sum(quantity ORDER BY line_no) AS total_volume,
    sum(price * quantity ORDER BY line_no) AS total_value,
    count(*) AS trade_count,
    count(*) FILTER (WHERE side = 'BUY') AS buy_count,
    count(*) FILTER (WHERE side = 'SELL') AS sell_count,
    max(price) AS high_price,
    min(price) AS low_price,
    first(price ORDER BY timestamp_ms, line_no) AS open_price,
    last(price ORDER BY timestamp_ms, line_no) AS close_price
  FROM windowed
  GROUP BY symbol, window_size, size_order, size_ms, window_start
)
SELECT
  symbol, window_size, window_start, window_end, total_volume, total_value,
  total_value / total_volume AS vwap,
  trade_count, buy_count, sell_count,
  CASE WHEN sell_count = 0 THEN NULL ELSE buy_count::DOUBLE / sell_count END AS buy_sell_ratio,
  high_price, low_price, open_price, close_price,
  (high_price - low_price) / low_price > 0.02 AS volatility_anomaly
FROM grouped
ORDER BY symbol, size_order, window_start`;

/**
 * Reference 1m/5m/15m trade aggregates of an NDJSON trades file, computed by DuckDB SQL
 * independently of the processor. Rows are ordered by symbol, window size (1m, 5m, 15m) and window
 * start; only windows with at least one counted trade appear.
 */
export async function oracleTradeAggregates(tradesNdjsonPath: string): Promise<OracleAggregate[]> {
  return withTradeTable(tradesNdjsonPath, async (connection) => {
    const rows = (await connection.runAndReadAll(AGGREGATES_SQL)).getRowObjectsJS();
    return rows.map((r) => ({
      symbol: toText(r.symbol, 'symbol'),
      window_size: toText(r.window_size, 'window_size') as OracleWindowSize,
      window_start: toNumber(r.window_start, 'window_start'),
      window_end: toNumber(r.window_end, 'window_end'),
      total_volume: toNumber(r.total_volume, 'total_volume'),
      total_value: toNumber(r.total_value, 'total_value'),
      vwap: toNumber(r.vwap, 'vwap'),
      trade_count: toNumber(r.trade_count, 'trade_count'),
      buy_count: toNumber(r.buy_count, 'buy_count'),
      sell_count: toNumber(r.sell_count, 'sell_count'),
      buy_sell_ratio: toNullableNumber(r.buy_sell_ratio, 'buy_sell_ratio'),
      high_price: toNumber(r.high_price, 'high_price'),
      low_price: toNumber(r.low_price, 'low_price'),
      open_price: toNumber(r.open_price, 'open_price'),
      close_price: toNumber(r.close_price, 'close_price'),
      volatility_anomaly: r.volatility_anomaly === true,
    }));
  });
}
