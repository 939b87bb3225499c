import type { ClickHouse } from '@tickflow/clickhouse';
import type { AccountFill, LatestTrade } from './portfolio';
import type { SymbolWindowStats } from './sector-performance';

/** What `symbols` returns per symbol: reference data and the last trade, as of its latest trade. */
export interface SymbolInfo {
  symbol: string;
  companyName: string;
  sector: string;
  industry: string;
  marketCapTier: string;
  listedExchange: string;
  lastPrice: number;
  lastTradeAtMs: number;
}

export interface SymbolsQuery {
  /** Only symbols whose latest trade carries this sector; '' for all. */
  sector: string;
  /** Only symbols after this one (keyset pagination: pass the last symbol of the previous page). */
  after: string;
  limit: number;
}

/**
 * The ClickHouse reads behind GraphQL's analytics, all from `enriched_trades` (design §4) with
 * every user value a bound parameter. "Executed" means status FILLED or PARTIALLY_FILLED (what
 * the enrichment stage stores; the filter keeps that true if it ever stores more).
 *
 * Sums and path-dependent figures read `FINAL`, so a trade stored twice counts once. The
 * `positions` and `sector_trades_1m` views are not used: they sum rows as inserted (a replayed
 * trade counts twice), average-cost P&L depends on the order of trades, which sums cannot recover,
 * and one-minute buckets carry neither first/last prices nor per-symbol figures. Reads that only
 * take a max / argMax skip `FINAL`: a duplicate of a trade changes neither.
 */
export class TradeAnalyticsQueries {
  constructor(private readonly ch: ClickHouse) {}

  /** The account's executed trades, grouped by symbol, each symbol's in trade order. */
  async accountFills(accountId: string): Promise<AccountFill[]> {
    const rows = await this.ch.query<{ symbol: string; side: 'BUY' | 'SELL'; quantity: number; price: number; ts_ms: number }>(
      `SELECT symbol, side, quantity, price, toUnixTimestamp64Milli(timestamp) AS ts_ms
       FROM enriched_trades FINAL
       WHERE account_id = {accountId:String} AND status IN ('FILLED', 'PARTIALLY_FILLED')
       ORDER BY symbol, timestamp, seq, trade_id`,
      { accountId },
    );
    return rows.map((r) => ({ symbol: r.symbol, side: r.side, quantity: r.quantity, price: r.price, tradeTsMs: r.ts_ms }));
  }

  /** Each symbol's latest executed trade (any account), by (timestamp, seq, trade_id). */
  async latestTrades(symbols: readonly string[]): Promise<Map<string, LatestTrade>> {
    const out = new Map<string, LatestTrade>();
    if (symbols.length === 0) return out;
    const rows = await this.ch.query<{ symbol: string; price: number; ts_ms: number }>(
      `SELECT symbol, argMax(price, (timestamp, seq, trade_id)) AS price, toUnixTimestamp64Milli(max(timestamp)) AS ts_ms
       FROM enriched_trades
       WHERE symbol IN {symbols:Array(String)} AND status IN ('FILLED', 'PARTIALLY_FILLED')
       GROUP BY symbol`,
      { symbols },
    );
    for (const r of rows) out.set(r.symbol, { price: r.price, atMs: r.ts_ms });
    return out;
  }

  /** The exchange time of the latest executed trade stored, epoch ms; null when there is none. */
  async latestTradeMs(): Promise<number | null> {
    const [row] = await this.ch.query<{ n: number; ts_ms: number }>(
      `SELECT count() AS n, toUnixTimestamp64Milli(max(timestamp)) AS ts_ms
       FROM enriched_trades
       WHERE status IN ('FILLED', 'PARTIALLY_FILLED')`,
    );
    return row && row.n > 0 ? row.ts_ms : null;
  }

  /** Per sector and symbol: executed trades with `fromMs < timestamp <= toMs`. */
  async sectorSymbolStats(fromMs: number, toMs: number): Promise<SymbolWindowStats[]> {
    const rows = await this.ch.query<{ sector: string; symbol: string; volume: number; notional: number; trade_count: number; first_price: number; last_price: number }>(
      `SELECT sector, symbol,
              sum(quantity) AS volume,
              sum(quantity * price) AS notional,
              count() AS trade_count,
              argMin(price, (timestamp, seq, trade_id)) AS first_price,
              argMax(price, (timestamp, seq, trade_id)) AS last_price
       FROM enriched_trades FINAL
       WHERE timestamp > {from:DateTime64(3, 'UTC')} AND timestamp <= {to:DateTime64(3, 'UTC')}
         AND status IN ('FILLED', 'PARTIALLY_FILLED')
       GROUP BY sector, symbol`,
      { from: new Date(fromMs), to: new Date(toMs) },
    );
    return rows.map((r) => ({ sector: r.sector, symbol: r.symbol, volume: r.volume, value: r.notional, tradeCount: r.trade_count, firstPrice: r.first_price, lastPrice: r.last_price }));
  }

  /** Symbols that traded (within the table's 30-day TTL), by name. */
  async symbols(q: SymbolsQuery): Promise<SymbolInfo[]> {
    // Columns are qualified and aliases differ from column names: a ClickHouse alias shadows the
    // column of the same name inside other expressions.
    const rows = await this.ch.query<{
      sym: string; company: string; latest_sector: string; latest_industry: string; tier: string; listed: string; last_price: number; ts_ms: number;
    }>(
      `SELECT t.symbol AS sym,
              argMax(t.company_name, (t.timestamp, t.seq, t.trade_id)) AS company,
              argMax(t.sector, (t.timestamp, t.seq, t.trade_id)) AS latest_sector,
              argMax(t.industry, (t.timestamp, t.seq, t.trade_id)) AS latest_industry,
              argMax(t.market_cap_tier, (t.timestamp, t.seq, t.trade_id)) AS tier,
              argMax(t.listed_exchange, (t.timestamp, t.seq, t.trade_id)) AS listed,
              argMax(t.price, (t.timestamp, t.seq, t.trade_id)) AS last_price,
              toUnixTimestamp64Milli(max(t.timestamp)) AS ts_ms
       FROM enriched_trades AS t
       WHERE t.symbol > {after:String} AND t.status IN ('FILLED', 'PARTIALLY_FILLED')
       GROUP BY t.symbol
       HAVING {sector:String} = '' OR latest_sector = {sector:String}
       ORDER BY sym
       LIMIT {limit:UInt32}`,
      { after: q.after, sector: q.sector, limit: q.limit },
    );
    return rows.map((r) => ({
      symbol: r.sym,
      companyName: r.company,
      sector: r.latest_sector,
      industry: r.latest_industry,
      marketCapTier: r.tier,
      listedExchange: r.listed,
      lastPrice: r.last_price,
      lastTradeAtMs: r.ts_ms,
    }));
  }
}
