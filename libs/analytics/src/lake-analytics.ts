import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { calendarDay, identifier, intInRange, oneOf, timeRange, utcDate, epochMs, type TimeInput } from './analytics-inputs';
import { toNullableNumber, toNumber, toText } from './duckdb-values';
import { LakeDatabase, type LakeDatabaseOptions } from './lake-database';

/**
 * The seed 000 §5 analytics over the Parquet lake, in DuckDB. Definitions follow seed 000 §5.3
 * (`TradingAnalytics`), with these deliberate differences, each for a stated reason:
 *
 * - *executed trades* are `status IN ('FILLED', 'PARTIALLY_FILLED')`, not only `FILLED`: both are
 *   executions, the router sends both to `processed.trades.filled`, and the processor's aggregates
 *   (which `volumeVsHistory` reads) count both, so the analytics agree with them;
 * - time ranges are explicit half-open `[from, to)` instants instead of "the last N hours before
 *   now()", so results are reproducible; the default is still the seed's last 24 hours;
 * - results are not rounded (the seed rounds for display): callers format;
 * - aggregates are read at their latest `version` per window (corrections replace, not add).
 *
 * Every caller-supplied value is checked at the edge and bound as a prepared-statement parameter.
 */
export interface LakeAnalyticsOptions extends LakeDatabaseOptions {
  /** Processing-time clock for the defaults "now" / "last 24 h", ms. @defaultValue Date.now */
  clock?: () => number;
}

export type TopTradedBy = 'volume' | 'value' | 'count';
export const TOP_TRADED_BY: readonly TopTradedBy[] = ['volume', 'value', 'count'];

export interface TopTradedSymbolsQuery {
  /** Start of the range (inclusive), by trade time. @defaultValue `to` − 24 h (seed `since_hours = 24`) */
  from?: TimeInput;
  /** End of the range (exclusive). @defaultValue now */
  to?: TimeInput;
  /** Rows to return, 1–1000. @defaultValue 20 (seed `top_n`) */
  limit?: number;
  /** Rank by total volume (Σ quantity), value (Σ price × quantity) or trade count. @defaultValue 'volume' (seed) */
  by?: TopTradedBy;
}

/** One symbol's executions in the range (seed `top_traded_symbols`). */
export interface TopTradedSymbol {
  symbol: string;
  trade_count: number;
  /** Σ quantity. */
  total_volume: number;
  /** Σ price × quantity. */
  total_notional: number;
  /** total_notional / total_volume; null when the volume is 0. */
  vwap: number | null;
  low_price: number;
  high_price: number;
  /** (high − low) / low × 100; null when low is 0. */
  price_range_pct: number | null;
}

export interface PortfolioOptions {
  /** Count trades with trade time ≤ asOf, and take the last price as of then. @defaultValue now */
  asOf?: TimeInput;
}

/**
 * An account's open position in one symbol (seed `portfolio_analysis`): BUY adds, SELL subtracts.
 * Symbols whose position is flat (|net| ≤ 1e-9, to absorb floating-point residue) are left out.
 */
export interface PortfolioPosition {
  symbol: string;
  bought_qty: number;
  sold_qty: number;
  /** bought_qty − sold_qty. */
  net_position: number;
  /** Σ BUY price × quantity − Σ SELL price × quantity: the cash put into the position. */
  net_cost: number;
  /** net_cost / net_position (the seed's average cost basis). */
  avg_cost_basis: number;
  trade_count: number;
  /** Price of the symbol's last execution (any account) at or before `asOf`, by (trade time, seq, trade_id). */
  last_price: number;
  /** net_position × last_price. */
  market_value: number;
}

/** `volumeVsHistory` over every symbol that traded on the day. */
export const ALL_SYMBOLS = 'all';

/**
 * A symbol's volume on `day` against its daily volumes before it (seed
 * `compare_volume_to_historical`): daily volume = Σ total_volume of its 1-minute symbol aggregates
 * whose window starts that UTC day; an N-day average is the mean over the days among the N before
 * `day` (day − N … day − 1) *that have volume* — days without trades do not count as zeros, as in
 * the seed. Null averages: no such day.
 */
export interface VolumeVsHistoryRow {
  symbol: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  today_volume: number;
  avg_volume_7d: number | null;
  avg_volume_30d: number | null;
  avg_volume_90d: number | null;
  /** Days with volume among the 7 / 30 / 90 before `day`: how much history each average rests on. */
  days_7d: number;
  days_30d: number;
  days_90d: number;
  /** (today / avg − 1) × 100; null without an average. */
  pct_vs_7d_avg: number | null;
  pct_vs_30d_avg: number | null;
  pct_vs_90d_avg: number | null;
}

export interface SectorPerformanceQuery {
  /** @defaultValue `to` − 24 h */
  from?: TimeInput;
  /** @defaultValue now */
  to?: TimeInput;
}

/**
 * Executions in `[from, to)` per sector (seed `sector_performance`, extended with value and price
 * change). A trade's sector is its symbol's sector in the reference data when the symbol is
 * there, else the sector it was enriched with (`UNKNOWN` for symbols the processor did not know):
 * the seed's inner join would silently drop such trades.
 */
export interface SectorPerformanceRow {
  sector: string;
  trade_count: number;
  total_volume: number;
  total_notional: number;
  symbol_count: number;
  /**
   * Mean over the sector's symbols of (last price / first price − 1) × 100 within the range, first
   * and last by (trade time, seq, trade_id); each symbol weighs the same. (A sector VWAP would
   * average prices of different instruments, so there is none.)
   */
  avg_price_change_pct: number;
}

const EXECUTED = `status IN ('FILLED', 'PARTIALLY_FILLED')`;
const DAY_MS = 86_400_000;

const TOP_TRADED_SQL = `
SELECT symbol,
  count(*) AS trade_count,
  sum(quantity) AS total_volume,
  sum(price * quantity) AS total_notional,
  sum(price * quantity) / nullif(sum(quantity), 0) AS vwap,
  min(price) AS low_price,
  max(price) AS high_price,
  (max(price) - min(price)) / nullif(min(price), 0) * 100 AS price_range_pct
FROM enriched_trades
WHERE ${EXECUTED}
  AND date BETWEEN $from_date::DATE AND $to_date::DATE
  AND timestamp_ms >= $from_ms AND timestamp_ms < $to_ms
GROUP BY symbol
ORDER BY CASE $by WHEN 'volume' THEN sum(quantity) WHEN 'value' THEN sum(price * quantity) ELSE count(*) END DESC, symbol
LIMIT $limit`;

const PORTFOLIO_SQL = `
WITH executed AS (
  SELECT symbol, side, quantity, price
  FROM enriched_trades
  WHERE ${EXECUTED} AND account_id = $account_id
    AND date <= $as_of_date::DATE AND timestamp_ms <= $as_of_ms
),
positions AS (
  SELECT symbol,
    coalesce(sum(quantity) FILTER (WHERE side = 'BUY'), 0) AS bought_qty,
    coalesce(sum(quantity) FILTER (WHERE side = 'SELL'), 0) AS sold_qty,
    coalesce(sum(price * quantity) FILTER (WHERE side = 'BUY'), 0) - coalesce(sum(price * quantity) FILTER (WHERE side = 'SELL'), 0) AS net_cost,
    count(*) AS trade_count
  FROM executed
  GROUP BY symbol
  HAVING abs(bought_qty - sold_qty) > 1e-9
),
last_prices AS (
  SELECT symbol, max_by(price, (timestamp_ms, seq, trade_id)) AS last_price
  FROM enriched_trades
  WHERE ${EXECUTED} AND symbol IN (SELECT symbol FROM positions)
    AND date <= $as_of_date::DATE AND timestamp_ms <= $as_of_ms
  GROUP BY symbol
)
SELECT p.symbol, p.bought_qty, p.sold_qty, p.bought_qty - p.sold_qty AS net_position, p.net_cost,
  p.net_cost / (p.bought_qty - p.sold_qty) AS avg_cost_basis, p.trade_count, l.last_price,
  (p.bought_qty - p.sold_qty) * l.last_price AS market_value
FROM positions p JOIN last_prices l USING (symbol)
ORDER BY abs(p.net_cost) DESC, p.symbol`;

const VOLUME_VS_HISTORY_SQL = `
WITH windows AS (
  SELECT symbol, window_start, arg_max(total_volume, version) AS total_volume
  FROM trade_aggregates
  WHERE scope = 'symbol' AND window_size = '1m'
    AND date BETWEEN $day::DATE - 90 AND $day::DATE
    AND ($all_symbols OR symbol = $symbol)
  GROUP BY symbol, window_start
),
daily AS (
  SELECT symbol, CAST(epoch_ms(window_start) AS DATE) AS trade_date, sum(total_volume) AS daily_volume
  FROM windows
  GROUP BY ALL
),
history AS (
  SELECT symbol,
    avg(daily_volume) FILTER (WHERE trade_date >= $day::DATE - 7) AS avg_7d,
    avg(daily_volume) FILTER (WHERE trade_date >= $day::DATE - 30) AS avg_30d,
    avg(daily_volume) AS avg_90d,
    count(*) FILTER (WHERE trade_date >= $day::DATE - 7) AS days_7d,
    count(*) FILTER (WHERE trade_date >= $day::DATE - 30) AS days_30d,
    count(*) AS days_90d
  FROM daily
  WHERE trade_date >= $day::DATE - 90 AND trade_date < $day::DATE
  GROUP BY symbol
)
SELECT t.symbol, t.daily_volume AS today_volume, h.avg_7d, h.avg_30d, h.avg_90d,
  coalesce(h.days_7d, 0) AS days_7d, coalesce(h.days_30d, 0) AS days_30d, coalesce(h.days_90d, 0) AS days_90d,
  (t.daily_volume / nullif(h.avg_7d, 0) - 1) * 100 AS pct_vs_7d_avg,
  (t.daily_volume / nullif(h.avg_30d, 0) - 1) * 100 AS pct_vs_30d_avg,
  (t.daily_volume / nullif(h.avg_90d, 0) - 1) * 100 AS pct_vs_90d_avg
FROM daily t LEFT JOIN history h USING (symbol)
WHERE t.trade_date = $day::DATE
ORDER BY t.symbol`;

const SECTOR_PERFORMANCE_SQL = `
WITH executed AS (
  SELECT t.symbol, coalesce(r.sector, t.sector) AS sector, t.price, t.quantity, t.timestamp_ms, t.seq, t.trade_id
  FROM enriched_trades t LEFT JOIN symbols r ON r.symbol = t.symbol
  WHERE t.${EXECUTED}
    AND t.date BETWEEN $from_date::DATE AND $to_date::DATE
    AND t.timestamp_ms >= $from_ms AND t.timestamp_ms < $to_ms
),
per_symbol AS (
  SELECT sector, symbol, count(*) AS trade_count, sum(quantity) AS volume, sum(price * quantity) AS notional,
    min_by(price, (timestamp_ms, seq, trade_id)) AS first_price,
    max_by(price, (timestamp_ms, seq, trade_id)) AS last_price
  FROM executed
  GROUP BY sector, symbol
)
SELECT sector, sum(trade_count) AS trade_count, sum(volume) AS total_volume, sum(notional) AS total_notional,
  count(*) AS symbol_count, avg((last_price / first_price - 1) * 100) AS avg_price_change_pct
FROM per_symbol
GROUP BY sector
ORDER BY total_volume DESC, sector`;

/**
 * The seed 000 §5 analytics over the lake. Open once (`LakeAnalytics.open`), query concurrently
 * (each call has its own DuckDB connection), `close()` at the end. Reading Parquet takes no lock,
 * so this runs beside the lake writer.
 */
export class LakeAnalytics {
  private constructor(
    private readonly db: LakeDatabase,
    private readonly clock: () => number,
  ) {}

  static async open(opts: LakeAnalyticsOptions): Promise<LakeAnalytics> {
    return new LakeAnalytics(await LakeDatabase.open(opts), opts.clock ?? Date.now);
  }

  close(): void {
    this.db.close();
  }

  /** Most traded symbols by volume, value or count over executions in `[from, to)`. */
  async topTradedSymbols(query: TopTradedSymbolsQuery = {}): Promise<TopTradedSymbol[]> {
    const { fromMs, toMs } = this.range(query.from, query.to);
    const limit = intInRange(query.limit ?? 20, 'limit', 1, 1000);
    const by = oneOf(query.by ?? 'volume', 'by', TOP_TRADED_BY);
    const rows = await this.query(TOP_TRADED_SQL, { ...rangeParams(fromMs, toMs), by, limit });
    return rows.map((r) => ({
      symbol: toText(r.symbol, 'symbol'),
      trade_count: toNumber(r.trade_count, 'trade_count'),
      total_volume: toNumber(r.total_volume, 'total_volume'),
      total_notional: toNumber(r.total_notional, 'total_notional'),
      vwap: toNullableNumber(r.vwap, 'vwap'),
      low_price: toNumber(r.low_price, 'low_price'),
      high_price: toNumber(r.high_price, 'high_price'),
      price_range_pct: toNullableNumber(r.price_range_pct, 'price_range_pct'),
    }));
  }

  /** An account's open positions as of `asOf`, largest |net_cost| first. */
  async portfolio(accountId: string, opts: PortfolioOptions = {}): Promise<PortfolioPosition[]> {
    const account = identifier(accountId, 'accountId');
    const asOfMs = epochMs(opts.asOf ?? this.clock(), 'asOf');
    const rows = await this.query(PORTFOLIO_SQL, { account_id: account, as_of_ms: BigInt(asOfMs), as_of_date: utcDate(asOfMs) });
    return rows.map((r) => ({
      symbol: toText(r.symbol, 'symbol'),
      bought_qty: toNumber(r.bought_qty, 'bought_qty'),
      sold_qty: toNumber(r.sold_qty, 'sold_qty'),
      net_position: toNumber(r.net_position, 'net_position'),
      net_cost: toNumber(r.net_cost, 'net_cost'),
      avg_cost_basis: toNumber(r.avg_cost_basis, 'avg_cost_basis'),
      trade_count: toNumber(r.trade_count, 'trade_count'),
      last_price: toNumber(r.last_price, 'last_price'),
      market_value: toNumber(r.market_value, 'market_value'),
    }));
  }

  /**
   * Volume on `day` (UTC, YYYY-MM-DD) against the 7/30/90-day averages before it, for one symbol
   * (an empty array when it did not trade that day) or, with {@link ALL_SYMBOLS}, for every symbol
   * that traded that day, by symbol.
   */
  async volumeVsHistory(symbol: string, day: string): Promise<VolumeVsHistoryRow[]> {
    const all = symbol === ALL_SYMBOLS;
    const sym = all ? '' : identifier(symbol, 'symbol', 64);
    const d = calendarDay(day, 'day');
    const rows = await this.query(VOLUME_VS_HISTORY_SQL, { day: d, all_symbols: all, symbol: sym });
    return rows.map((r) => ({
      symbol: toText(r.symbol, 'symbol'),
      day: d,
      today_volume: toNumber(r.today_volume, 'today_volume'),
      avg_volume_7d: toNullableNumber(r.avg_7d, 'avg_7d'),
      avg_volume_30d: toNullableNumber(r.avg_30d, 'avg_30d'),
      avg_volume_90d: toNullableNumber(r.avg_90d, 'avg_90d'),
      days_7d: toNumber(r.days_7d, 'days_7d'),
      days_30d: toNumber(r.days_30d, 'days_30d'),
      days_90d: toNumber(r.days_90d, 'days_90d'),
      pct_vs_7d_avg: toNullableNumber(r.pct_vs_7d_avg, 'pct_vs_7d_avg'),
      pct_vs_30d_avg: toNullableNumber(r.pct_vs_30d_avg, 'pct_vs_30d_avg'),
      pct_vs_90d_avg: toNullableNumber(r.pct_vs_90d_avg, 'pct_vs_90d_avg'),
    }));
  }

  /** Executions in `[from, to)` per sector, largest volume first. */
  async sectorPerformance(query: SectorPerformanceQuery = {}): Promise<SectorPerformanceRow[]> {
    const { fromMs, toMs } = this.range(query.from, query.to);
    const rows = await this.query(SECTOR_PERFORMANCE_SQL, rangeParams(fromMs, toMs));
    return rows.map((r) => ({
      sector: toText(r.sector, 'sector'),
      trade_count: toNumber(r.trade_count, 'trade_count'),
      total_volume: toNumber(r.total_volume, 'total_volume'),
      total_notional: toNumber(r.total_notional, 'total_notional'),
      symbol_count: toNumber(r.symbol_count, 'symbol_count'),
      avg_price_change_pct: toNumber(r.avg_price_change_pct, 'avg_price_change_pct'),
    }));
  }

  private range(from: TimeInput | undefined, to: TimeInput | undefined): { fromMs: number; toMs: number } {
    const toMs = to ?? this.clock();
    const fromMs = from ?? epochMs(toMs, 'to') - DAY_MS;
    return timeRange(fromMs, toMs);
  }

  private async query(sql: string, params: Record<string, DuckDBValue>): Promise<Array<Record<string, unknown>>> {
    await this.db.refreshViews();
    const conn: DuckDBConnection = await this.db.connect();
    try {
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
    } finally {
      conn.closeSync();
    }
  }
}

/** Bound values of a `[from, to)` range; the dates let DuckDB skip whole `date=` directories. */
function rangeParams(fromMs: number, toMs: number): Record<string, DuckDBValue> {
  return { from_ms: BigInt(fromMs), to_ms: BigInt(toMs), from_date: utcDate(fromMs), to_date: utcDate(toMs - 1) };
}
