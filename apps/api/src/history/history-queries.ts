import type { ClickHouse, QueryParam } from '@tickflow/clickhouse';
import type { AggregateScope, AggregateWindowSize, AlertSeverity } from '@tickflow/schemas';
import type {
  AggregateRow,
  AlertKey,
  AlertRow,
  BarInterval,
  BarRow,
  OrderBookKey,
  OrderBookRow,
  Page,
  PageRequest,
  SignalRow,
  SymbolKey,
  SymbolRow,
  TimeKey,
  TimeRange,
} from './history-rows';

export interface BarsQuery extends TimeRange, PageRequest<TimeKey> {
  symbol: string;
  interval: BarInterval;
}
export interface AggregatesQuery extends TimeRange, PageRequest<TimeKey> {
  /** A symbol, or a sector name with `scope: 'sector'`. */
  symbol: string;
  window: AggregateWindowSize;
  scope: AggregateScope;
}
export interface SignalsQuery extends TimeRange, PageRequest<TimeKey> {
  symbol: string;
}
export interface OrderBookQuery extends TimeRange, PageRequest<OrderBookKey> {
  symbol: string;
}
export interface AlertsQuery extends TimeRange, PageRequest<AlertKey> {
  /** @defaultValue every symbol */
  symbol?: string;
  /** Exactly this severity. */
  severity?: AlertSeverity;
  /** This severity or a higher one (MEDIUM < HIGH < CRITICAL). */
  minSeverity?: AlertSeverity;
}

/** Largest page a caller may ask for. */
export const MAX_PAGE_ROWS = 5000;

const SIGNAL_COLUMNS = `symbol, toUnixTimestamp64Milli(window_start) AS start_ms, toUnixTimestamp64Milli(window_end) AS end_ms,
  ema12, ema26, macd, macd_signal, macd_hist, rsi14, bb_upper, bb_middle, bb_lower,
  vwap_session, vwap_rolling, realized_vol, spread, imbalance`;

/**
 * Read-only history over the ClickHouse port (design §4), shared by REST and GraphQL: no HTTP in
 * here. Every read of a ReplacingMergeTree table uses `FINAL` filtered on the leading sort-key
 * columns, so a correction (higher `version`) replaces the row it corrects, before and after
 * merges. Every caller value is bound as a `{name:Type}` parameter; the SQL text only ever varies
 * by which of our own fixed clauses are included.
 *
 * Listings are keyset-paginated in ascending sort-key order: a page holds up to `limit` rows with a
 * key greater than `after`, and `nextKey` is the last row's key when more rows follow (one extra
 * row is read to know), null otherwise. Rows inserted between pages behind the cursor are not
 * seen; rows are never returned twice or skipped because of rows added elsewhere.
 */
export class HistoryQueries {
  constructor(private readonly ch: ClickHouse) {}

  /** Symbols with any stored bars, aggregates or trades, by symbol. */
  async symbols(page: PageRequest<SymbolKey>): Promise<Page<SymbolRow, SymbolKey>> {
    const limit = checkLimit(page.limit);
    const rows = await this.ch.query<RawSymbol>(
      `WITH page AS (
         SELECT symbol FROM (
           SELECT DISTINCT symbol FROM micro_bars WHERE symbol > {after:String}
           UNION ALL SELECT DISTINCT symbol FROM trade_aggregates WHERE scope = 'symbol' AND symbol > {after:String}
           UNION ALL SELECT DISTINCT symbol FROM enriched_trades WHERE symbol > {after:String}
         ) GROUP BY symbol ORDER BY symbol LIMIT {limit:UInt32}
       )
       SELECT p.symbol AS symbol, r.company_name AS company_name, r.sector AS sector, r.industry AS industry,
              r.market_cap_tier AS market_cap_tier, r.listed_exchange AS listed_exchange, b.first_ms AS first_ms, b.last_ms AS last_ms
       FROM page AS p
       LEFT JOIN (
         SELECT symbol, toUnixTimestamp64Milli(min(window_start)) AS first_ms, toUnixTimestamp64Milli(max(window_start)) AS last_ms
         FROM micro_bars WHERE symbol IN (SELECT symbol FROM page) GROUP BY symbol
       ) AS b ON b.symbol = p.symbol
       LEFT JOIN (
         SELECT symbol,
                argMax(company_name, (timestamp, seq, trade_id)) AS company_name, argMax(sector, (timestamp, seq, trade_id)) AS sector,
                argMax(industry, (timestamp, seq, trade_id)) AS industry, argMax(market_cap_tier, (timestamp, seq, trade_id)) AS market_cap_tier,
                argMax(listed_exchange, (timestamp, seq, trade_id)) AS listed_exchange
         FROM enriched_trades WHERE symbol IN (SELECT symbol FROM page) GROUP BY symbol
       ) AS r ON r.symbol = p.symbol
       ORDER BY symbol
       SETTINGS join_use_nulls = 1`,
      { after: page.after?.symbol ?? '', limit: limit + 1 },
    );
    return paginate(rows, limit, (r) => ({ symbol: r.symbol }), (r) => ({
      symbol: r.symbol,
      company_name: r.company_name,
      sector: r.sector,
      industry: r.industry,
      market_cap_tier: r.market_cap_tier,
      listed_exchange: r.listed_exchange,
      first_bar_at: isoOrNull(r.first_ms),
      last_bar_at: isoOrNull(r.last_ms),
    }));
  }

  /** Final OHLCV bars of a symbol: `1s` from `micro_bars`, others from symbol-scope `trade_aggregates`. */
  async bars(q: BarsQuery): Promise<Page<BarRow, TimeKey>> {
    const limit = checkLimit(q.limit);
    const where = new Where({ symbol: q.symbol, limit: limit + 1, ...(q.interval === '1s' ? {} : { window_size: q.interval }) });
    where.timeRange('window_start', q);
    where.afterTime('window_start', q.after ?? null);
    const sql =
      q.interval === '1s'
        ? `SELECT symbol, toUnixTimestamp64Milli(window_start) AS start_ms, toUnixTimestamp64Milli(window_end) AS end_ms,
                  open, high, low, close, volume, vwap, count AS trade_count
           FROM micro_bars FINAL
           WHERE symbol = {symbol:String}${where.sql()}
           ORDER BY window_start LIMIT {limit:UInt32}`
        : `SELECT symbol, toUnixTimestamp64Milli(window_start) AS start_ms, toUnixTimestamp64Milli(window_end) AS end_ms,
                  open_price AS open, high_price AS high, low_price AS low, close_price AS close, total_volume AS volume, vwap, trade_count
           FROM trade_aggregates FINAL
           WHERE symbol = {symbol:String} AND window_size = {window_size:String} AND scope = 'symbol'${where.sql()}
           ORDER BY window_start LIMIT {limit:UInt32}`;
    const rows = await this.ch.query<RawBar>(sql, where.params);
    return paginate(rows, limit, timeKey, (r) => ({
      symbol: r.symbol,
      window_start: iso(r.start_ms),
      window_end: iso(r.end_ms),
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
      vwap: r.vwap,
      trade_count: r.trade_count,
    }));
  }

  /** Trade aggregate windows of a symbol (or, with scope `sector`, of a sector). */
  async aggregates(q: AggregatesQuery): Promise<Page<AggregateRow, TimeKey>> {
    const limit = checkLimit(q.limit);
    const where = new Where({ symbol: q.symbol, window_size: q.window, scope: q.scope, limit: limit + 1 });
    where.timeRange('window_start', q);
    where.afterTime('window_start', q.after ?? null);
    const rows = await this.ch.query<RawAggregate>(
      `SELECT symbol, scope, window_size, toUnixTimestamp64Milli(window_start) AS start_ms, toUnixTimestamp64Milli(window_end) AS end_ms,
              total_volume, total_value, vwap, trade_count, buy_count, sell_count, buy_sell_ratio,
              open_price, high_price, low_price, close_price, volatility_anomaly, toUnixTimestamp64Milli(computed_at) AS computed_ms
       FROM trade_aggregates FINAL
       WHERE symbol = {symbol:String} AND window_size = {window_size:String} AND scope = {scope:String}${where.sql()}
       ORDER BY window_start LIMIT {limit:UInt32}`,
      where.params,
    );
    return paginate(rows, limit, timeKey, (r) => ({
      symbol: r.symbol,
      scope: r.scope,
      window_size: r.window_size,
      window_start: iso(r.start_ms),
      window_end: iso(r.end_ms),
      total_volume: r.total_volume,
      total_value: r.total_value,
      vwap: r.vwap,
      trade_count: r.trade_count,
      buy_count: r.buy_count,
      sell_count: r.sell_count,
      buy_sell_ratio: r.buy_sell_ratio,
      open_price: r.open_price,
      high_price: r.high_price,
      low_price: r.low_price,
      close_price: r.close_price,
      volatility_anomaly: r.volatility_anomaly,
      computed_at: iso(r.computed_ms),
    }));
  }

  /** Indicator rows of a symbol, by window start. */
  async signals(q: SignalsQuery): Promise<Page<SignalRow, TimeKey>> {
    const limit = checkLimit(q.limit);
    const where = new Where({ symbol: q.symbol, limit: limit + 1 });
    where.timeRange('window_start', q);
    where.afterTime('window_start', q.after ?? null);
    const rows = await this.ch.query<RawSignal>(
      `SELECT ${SIGNAL_COLUMNS} FROM signals FINAL
       WHERE symbol = {symbol:String}${where.sql()}
       ORDER BY window_start LIMIT {limit:UInt32}`,
      where.params,
    );
    return paginate(rows, limit, timeKey, toSignal);
  }

  /** The symbol's most recent indicator row, or null when none is stored. */
  async latestSignal(symbol: string): Promise<SignalRow | null> {
    // max() without FINAL is exact (every version of a window has its window_start) and lets FINAL
    // merge a single window instead of the symbol's whole history.
    const rows = await this.ch.query<RawSignal>(
      `SELECT ${SIGNAL_COLUMNS} FROM signals FINAL
       WHERE symbol = {symbol:String} AND window_start = (SELECT max(window_start) FROM signals WHERE symbol = {symbol:String})`,
      { symbol },
    );
    return rows[0] ? toSignal(rows[0]) : null;
  }

  /** The most recent indicator row of each symbol that has one, in the order asked (duplicates once). */
  async latestSignals(symbols: readonly string[]): Promise<SignalRow[]> {
    const wanted = [...new Set(symbols)];
    if (wanted.length === 0) return [];
    const rows = await this.ch.query<RawSignal>(
      `SELECT ${SIGNAL_COLUMNS} FROM signals FINAL
       WHERE symbol IN {symbols:Array(String)}
         AND (symbol, window_start) IN (SELECT symbol, max(window_start) FROM signals WHERE symbol IN {symbols:Array(String)} GROUP BY symbol)`,
      { symbols: wanted },
    );
    const bySymbol = new Map(rows.map((r) => [r.symbol, toSignal(r)]));
    return wanted.flatMap((s) => bySymbol.get(s) ?? []);
  }

  /** Order-book metrics of a symbol, by (timestamp, seq). */
  async orderbook(q: OrderBookQuery): Promise<Page<OrderBookRow, OrderBookKey>> {
    const limit = checkLimit(q.limit);
    const where = new Where({ symbol: q.symbol, limit: limit + 1 });
    where.timeRange('timestamp', q);
    if (q.after) {
      where.and(`(timestamp, seq) > (fromUnixTimestamp64Milli({after_ms:Int64}, 'UTC'), {after_seq:Int64})`, { after_ms: q.after.timeMs, after_seq: q.after.seq });
    }
    const rows = await this.ch.query<RawOrderBook>(
      `SELECT symbol, toUnixTimestamp64Milli(timestamp) AS time_ms, seq, best_bid, best_ask, mid_price, spread, spread_bps, crossed,
              bid_depth_5, ask_depth_5, imbalance_5, bid_depth_10, ask_depth_10, imbalance_10, bid_depth_20, ask_depth_20, imbalance_20,
              toUnixTimestamp64Milli(prev_timestamp) AS prev_ms, mid_change, spread_change, imbalance_5_change, imbalance_10_change, imbalance_20_change
       FROM orderbook_metrics FINAL
       WHERE symbol = {symbol:String}${where.sql()}
       ORDER BY timestamp, seq LIMIT {limit:UInt32}`,
      where.params,
    );
    return paginate(rows, limit, (r) => ({ timeMs: r.time_ms, seq: r.seq }), ({ time_ms, prev_ms, ...r }) => ({
      symbol: r.symbol,
      timestamp: iso(time_ms),
      seq: r.seq,
      best_bid: r.best_bid,
      best_ask: r.best_ask,
      mid_price: r.mid_price,
      spread: r.spread,
      spread_bps: r.spread_bps,
      crossed: r.crossed,
      bid_depth_5: r.bid_depth_5,
      ask_depth_5: r.ask_depth_5,
      imbalance_5: r.imbalance_5,
      bid_depth_10: r.bid_depth_10,
      ask_depth_10: r.ask_depth_10,
      imbalance_10: r.imbalance_10,
      bid_depth_20: r.bid_depth_20,
      ask_depth_20: r.ask_depth_20,
      imbalance_20: r.imbalance_20,
      prev_timestamp: isoOrNull(prev_ms),
      mid_change: r.mid_change,
      spread_change: r.spread_change,
      imbalance_5_change: r.imbalance_5_change,
      imbalance_10_change: r.imbalance_10_change,
      imbalance_20_change: r.imbalance_20_change,
    }));
  }

  /** Price alerts, optionally of one symbol and by severity, by (detected_at, alert_id). */
  async alerts(q: AlertsQuery): Promise<Page<AlertRow, AlertKey>> {
    const limit = checkLimit(q.limit);
    const where = new Where({ limit: limit + 1 });
    if (q.symbol !== undefined) where.and('symbol = {symbol:String}', { symbol: q.symbol });
    if (q.severity !== undefined) where.and('severity = {severity:String}', { severity: q.severity });
    // Enum8 compares by rank: MEDIUM < HIGH < CRITICAL.
    if (q.minSeverity !== undefined) where.and('severity >= {min_severity:String}', { min_severity: q.minSeverity });
    where.timeRange('detected_at', q);
    if (q.after) {
      where.and(`(detected_at, alert_id) > (fromUnixTimestamp64Milli({after_ms:Int64}, 'UTC'), {after_id:String})`, { after_ms: q.after.timeMs, after_id: q.after.alertId });
    }
    const rows = await this.ch.query<RawAlert>(
      `SELECT alert_id, alert_type, symbol, direction, severity, trigger, baseline_price, current_price, pct_change,
              toUnixTimestamp64Milli(window_start) AS start_ms, toUnixTimestamp64Milli(detected_at) AS detected_ms
       FROM price_alerts FINAL
       WHERE 1 = 1${where.sql()}
       ORDER BY detected_at, alert_id LIMIT {limit:UInt32}`,
      where.params,
    );
    return paginate(rows, limit, (r) => ({ timeMs: r.detected_ms, alertId: r.alert_id }), (r) => ({
      alert_id: r.alert_id,
      alert_type: r.alert_type,
      symbol: r.symbol,
      direction: r.direction,
      severity: r.severity,
      trigger: r.trigger,
      baseline_price: r.baseline_price,
      current_price: r.current_price,
      pct_change: r.pct_change,
      window_start: iso(r.start_ms),
      detected_at: iso(r.detected_ms),
    }));
  }
}

/** `AND`-ed clauses of our own text with their bound values. */
class Where {
  private readonly clauses: string[] = [];
  constructor(readonly params: Record<string, QueryParam>) {}

  and(clause: string, params: Record<string, QueryParam> = {}): void {
    this.clauses.push(clause);
    Object.assign(this.params, params);
  }

  /** `[fromMs, toMs)` on `column` (one of our column names, never input). */
  timeRange(column: string, range: TimeRange): void {
    if (range.fromMs !== undefined) this.and(`${column} >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')`, { from_ms: range.fromMs });
    if (range.toMs !== undefined) this.and(`${column} < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')`, { to_ms: range.toMs });
  }

  afterTime(column: string, after: TimeKey | null): void {
    if (after) this.and(`${column} > fromUnixTimestamp64Milli({after_ms:Int64}, 'UTC')`, { after_ms: after.timeMs });
  }

  sql(): string {
    return this.clauses.map((c) => `\n         AND ${c}`).join('');
  }
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_ROWS}, got ${limit}`);
  return limit;
}

/** `rows` holds up to `limit + 1` rows: the extra one only says that another page follows. */
function paginate<Raw, Row, Key>(rows: Raw[], limit: number, keyOf: (r: Raw) => Key, toRow: (r: Raw) => Row): Page<Row, Key> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { rows: kept.map(toRow), nextKey: more ? keyOf(kept[kept.length - 1]!) : null };
}

const timeKey = (r: { start_ms: number }): TimeKey => ({ timeMs: r.start_ms });

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

function toSignal(r: RawSignal): SignalRow {
  const { start_ms, end_ms, ...values } = r;
  return { ...values, window_start: iso(start_ms), window_end: iso(end_ms) };
}

// Rows as ClickHouse returns them: instants as epoch ms.
type RawSymbol = Omit<SymbolRow, 'first_bar_at' | 'last_bar_at'> & { first_ms: number | null; last_ms: number | null };
type RawBar = Omit<BarRow, 'window_start' | 'window_end'> & { start_ms: number; end_ms: number };
type RawAggregate = Omit<AggregateRow, 'window_start' | 'window_end' | 'computed_at'> & { start_ms: number; end_ms: number; computed_ms: number };
type RawSignal = Omit<SignalRow, 'window_start' | 'window_end'> & { start_ms: number; end_ms: number };
type RawOrderBook = Omit<OrderBookRow, 'timestamp' | 'prev_timestamp'> & { time_ms: number; prev_ms: number | null };
type RawAlert = Omit<AlertRow, 'window_start' | 'detected_at'> & { start_ms: number; detected_ms: number };
