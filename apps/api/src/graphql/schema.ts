/** Most rows any `limit` argument accepts (also the cost estimate for a `limit` passed as a variable). */
export const MAX_LIMIT = 1000;
/** Rows of a history page when `limit` is omitted (REST's default is 500; 100 keeps a default selection well inside the cost budget). */
export const DEFAULT_PAGE_ROWS = 100;
/** Most symbols `latestSignals` takes (as REST's `/v1/signals/latest`). */
export const MAX_LATEST_SYMBOLS = 100;

/** tickflow's GraphQL schema (SDL). Field docs are the contract clients see through introspection. */
export const SCHEMA_SDL = /* GraphQL */ `
"""An instant as an ISO-8601 string. Output: UTC with milliseconds (2024-01-02T14:30:00.123Z). Input: with a zone ('Z' or ±hh:mm)."""
scalar DateTime

"""A look-back window ending at sectorPerformance's asOf."""
enum TimeWindow {
  ONE_MINUTE
  FIVE_MINUTES
  FIFTEEN_MINUTES
  ONE_HOUR
  ONE_DAY
}

"""Bar width: 1 s micro-bars, or the 1/5/15-minute trade aggregates of the symbol."""
enum BarInterval {
  ONE_SECOND
  ONE_MINUTE
  FIVE_MINUTES
  FIFTEEN_MINUTES
}

"""Window length of trade aggregates."""
enum AggregateWindow {
  ONE_MINUTE
  FIVE_MINUTES
  FIFTEEN_MINUTES
}

"""Whether an aggregate covers one symbol or a whole sector."""
enum AggregateScope {
  SYMBOL
  SECTOR
}

"""Price-alert severity, by rank: MEDIUM (>= 2 %) < HIGH (>= 5 %) < CRITICAL (>= 10 %)."""
enum Severity {
  MEDIUM
  HIGH
  CRITICAL
}

enum AlertDirection {
  UP
  DOWN
}

"""Which stream moved the price."""
enum AlertTrigger {
  TRADE
  QUOTE
}

type Query {
  """
  The account's positions from its executed trades (average-cost method; see Position), valued at
  each symbol's latest trade price. An account without trades has no positions.
  """
  portfolio("1–128 characters." accountId: String!): Portfolio!

  """
  Per-sector trading over the window (asOf − window, asOf] of exchange time, busiest sector (by
  value) first. asOf defaults to the latest stored trade, not the wall clock, so a replay or a
  closed market still shows its last window.
  """
  sectorPerformance(window: TimeWindow!, asOf: DateTime): SectorPerformance!

  """Symbols that traded in the last 30 days (ClickHouse TTL), by name, with reference data as of their latest trade."""
  symbols(
    "Only symbols of this sector (as of their latest trade)."
    sector: String
    "Only symbols sorting after this one: pass the last symbol of the previous page."
    after: String
    "1–${MAX_LIMIT}."
    limit: Int = 100
  ): [SymbolInfo!]!

  # History, the same reads as REST /v1 (HistoryQueries). Ranges are half-open [from, to) on the
  # listing's time column, unbounded where omitted; pages are keyset-paginated in ascending order.

  """
  Final OHLCV bars of a symbol by window start: ONE_SECOND from the 1 s micro-bars, the others from
  the symbol's trade aggregates of that window (REST: GET /v1/bars/{symbol}). Corrections applied.
  """
  bars(
    symbol: String!
    interval: BarInterval = ONE_SECOND
    "Window start at or after this instant."
    from: DateTime
    "Window start before this instant."
    to: DateTime
    "Rows per page, 1–${MAX_LIMIT}."
    limit: Int = ${DEFAULT_PAGE_ROWS}
    "nextCursor of the previous page, unchanged; omitted for the first page."
    after: String
  ): BarPage!

  """
  Trade aggregate windows of a symbol, or with scope SECTOR of a sector, by window start
  (REST: GET /v1/aggregates/{symbol}).
  """
  aggregates(
    "A symbol, or with scope SECTOR a sector name as in the reference data (1–64 characters)."
    symbol: String!
    window: AggregateWindow = ONE_MINUTE
    scope: AggregateScope = SYMBOL
    "Window start at or after this instant."
    from: DateTime
    "Window start before this instant."
    to: DateTime
    "Rows per page, 1–${MAX_LIMIT}."
    limit: Int = ${DEFAULT_PAGE_ROWS}
    "nextCursor of the previous page, unchanged."
    after: String
  ): AggregatePage!

  """Indicator rows of a symbol by window start (REST: GET /v1/signals/{symbol}). Null values are indicators warming up."""
  signals(
    symbol: String!
    "Window start at or after this instant."
    from: DateTime
    "Window start before this instant."
    to: DateTime
    "Rows per page, 1–${MAX_LIMIT}."
    limit: Int = ${DEFAULT_PAGE_ROWS}
    "nextCursor of the previous page, unchanged."
    after: String
  ): SignalPage!

  """The symbol's most recent indicator row; null when none is stored (REST: 404)."""
  latestSignal(symbol: String!): Signal

  """
  The most recent indicator row of each symbol that has one, in the order asked (a repeated symbol
  once); symbols without signals are left out. 1–${MAX_LATEST_SYMBOLS} symbols; not paginated.
  """
  latestSignals(symbols: [String!]!): [Signal!]!

  """Order-book metrics of a symbol per snapshot, by (timestamp, seq) (REST: GET /v1/orderbook/{symbol})."""
  orderbook(
    symbol: String!
    "Snapshot timestamp at or after this instant."
    from: DateTime
    "Snapshot timestamp before this instant."
    to: DateTime
    "Rows per page, 1–${MAX_LIMIT}."
    limit: Int = ${DEFAULT_PAGE_ROWS}
    "nextCursor of the previous page, unchanged."
    after: String
  ): OrderBookPage!

  """
  Price alerts by detection time, then alertId (REST: GET /v1/alerts). severity and minSeverity
  may be combined; omitted, every severity.
  """
  alerts(
    "Only this symbol's alerts; omitted, every symbol's."
    symbol: String
    "Only alerts of exactly this severity."
    severity: Severity
    "Only alerts of this severity or higher (MEDIUM < HIGH < CRITICAL)."
    minSeverity: Severity
    "Detected at or after this instant."
    from: DateTime
    "Detected before this instant."
    to: DateTime
    "Rows per page, 1–${MAX_LIMIT}."
    limit: Int = ${DEFAULT_PAGE_ROWS}
    "nextCursor of the previous page, unchanged."
    after: String
  ): AlertPage!
}

"""
A page of a history listing (REST's { data, next_cursor }): items in ascending order, and the
cursor of the next page, null on the last one. Pass nextCursor back unchanged as after; a cursor of
another listing, or an edited one, is refused with BAD_CURSOR. A walk returns every row once even
while rows are added (rows added behind the cursor are not seen).
"""
type BarPage {
  items: [Bar!]!
  nextCursor: String
}

"""A page of trade aggregates; see BarPage."""
type AggregatePage {
  items: [Aggregate!]!
  nextCursor: String
}

"""A page of signals; see BarPage."""
type SignalPage {
  items: [Signal!]!
  nextCursor: String
}

"""A page of order-book metrics; see BarPage."""
type OrderBookPage {
  items: [OrderBookMetrics!]!
  nextCursor: String
}

"""A page of price alerts; see BarPage."""
type AlertPage {
  items: [Alert!]!
  nextCursor: String
}

"""A tumbling-window trade aggregate over [windowStart, windowEnd); with scope SECTOR, symbol is the sector."""
type Aggregate {
  symbol: String!
  scope: AggregateScope!
  window: AggregateWindow!
  windowStart: DateTime!
  windowEnd: DateTime!
  """Σ quantity."""
  totalVolume: Float!
  """Σ quantity × price (notional)."""
  totalValue: Float!
  vwap: Float!
  tradeCount: Int!
  buyCount: Int!
  sellCount: Int!
  """buyCount / sellCount; null when sellCount is 0."""
  buySellRatio: Float
  openPrice: Float!
  highPrice: Float!
  lowPrice: Float!
  closePrice: Float!
  """(high − low) / low > 2 %."""
  volatilityAnomaly: Boolean!
  """When the processor emitted this version (processing time, not event time)."""
  computedAt: DateTime!
}

type Portfolio {
  accountId: String!
  """One per symbol the account traded, flat ones included (they carry realized P&L); by symbol."""
  positions: [Position!]!
  """Sum over positions (prices in one currency assumed)."""
  realizedPnl: Float!
  unrealizedPnl: Float!
  marketValue: Float!
  costBasis: Float!
}

"""
An account's position in a symbol by the average-cost method, over its executed trades in
exchange-time order: a trade in the position's direction grows it at the quantity-weighted average
cost; a trade against it realizes (price − averageCost) × quantity for a long, (averageCost − price)
× quantity for a short, leaving the average unchanged; a trade larger than the position closes it
and opens the rest in the other direction at the trade price.
"""
type Position {
  symbol: String!
  """Positive long, negative short, 0 flat."""
  netQuantity: Float!
  """Average cost per unit of the open quantity; null when flat."""
  averageCost: Float
  """netQuantity × averageCost."""
  costBasis: Float!
  realizedPnl: Float!
  """(latestPrice − averageCost) × netQuantity."""
  unrealizedPnl: Float!
  """netQuantity × latestPrice."""
  marketValue: Float!
  """The symbol's latest trade price (any account)."""
  latestPrice: Float!
  latestPriceAt: DateTime!
  boughtQuantity: Float!
  soldQuantity: Float!
  tradeCount: Int!
  """The account's last trade in the symbol."""
  lastTradeAt: DateTime!
}

type SectorPerformance {
  window: TimeWindow!
  """Exclusive start of the window."""
  from: DateTime!
  """Inclusive end of the window (asOf)."""
  to: DateTime!
  sectors: [SectorStats!]!
}

type SectorStats {
  sector: String!
  """Σ quantity."""
  volume: Float!
  """Σ quantity × price (notional)."""
  value: Float!
  tradeCount: Int!
  """value / volume."""
  vwap: Float!
  """The sector's symbols' change percents (first to last trade price in the window), weighted by each symbol's value."""
  changePercent: Float!
  symbolCount: Int!
  """The symbol with the largest value in the window."""
  topSymbol: SymbolStats!
}

type SymbolStats {
  symbol: String!
  volume: Float!
  value: Float!
  tradeCount: Int!
  vwap: Float!
  firstPrice: Float!
  lastPrice: Float!
  """(lastPrice / firstPrice − 1) × 100."""
  changePercent: Float!
}

type SymbolInfo {
  symbol: String!
  companyName: String!
  sector: String!
  industry: String!
  marketCapTier: String!
  listedExchange: String!
  lastPrice: Float!
  lastTradeAt: DateTime!
}

type Subscription {
  """Indicators after each bar of these symbols (1–100 symbols)."""
  signals(symbols: [String!]!): Signal!
  """Bars of one symbol at one interval; 1 s bars include provisional updates (isFinal false)."""
  bars(symbol: String!, interval: BarInterval!): Bar!
  """Price alerts at or above minSeverity, of these symbols (all symbols when omitted)."""
  alerts(minSeverity: Severity = MEDIUM, symbols: [String!]): Alert!
  """Order-book metrics of one symbol, one event per book snapshot."""
  orderbook(symbol: String!): OrderBookMetrics!
}

type Bar {
  symbol: String!
  interval: BarInterval!
  windowStart: DateTime!
  windowEnd: DateTime!
  open: Float!
  high: Float!
  low: Float!
  close: Float!
  volume: Float!
  vwap: Float!
  tradeCount: Int!
  """False for a provisional 1 s bar whose second has not closed yet (subscriptions only: history holds final bars)."""
  isFinal: Boolean!
  """
  1, or higher for a correction of the same window (late trades). Null from the bars query: history
  is read with corrections applied and does not expose versions.
  """
  version: Int
}

"""Indicators after the bar [windowStart, windowEnd); null while an indicator warms up."""
type Signal {
  symbol: String!
  windowStart: DateTime!
  windowEnd: DateTime!
  isFinal: Boolean!
  ema12: Float
  ema26: Float
  macd: Float
  macdSignal: Float
  macdHist: Float
  rsi14: Float
  bbUpper: Float
  bbMiddle: Float
  bbLower: Float
  vwapSession: Float
  vwapRolling: Float
  realizedVol: Float
  spread: Float
  imbalance: Float
  """1, or higher for a correction. Null from the signals queries (history is read with corrections applied)."""
  version: Int
}

type Alert {
  """Stable id: the idempotency key of the alert everywhere (webhooks included)."""
  alertId: String!
  alertType: String!
  symbol: String!
  direction: AlertDirection!
  baselinePrice: Float!
  currentPrice: Float!
  """Percent, e.g. 2.32 for 2.32 %."""
  pctChange: Float!
  windowStart: DateTime!
  detectedAt: DateTime!
  severity: Severity!
  trigger: AlertTrigger!
}

type OrderBookMetrics {
  symbol: String!
  timestamp: DateTime!
  bestBid: Float
  bestAsk: Float
  midPrice: Float
  spread: Float
  spreadBps: Float
  """bestBid >= bestAsk."""
  crossed: Boolean!
  bidDepth5: Float!
  askDepth5: Float!
  imbalance5: Float
  bidDepth10: Float!
  askDepth10: Float!
  imbalance10: Float
  bidDepth20: Float!
  askDepth20: Float!
  imbalance20: Float
  """Changes since the symbol's previous snapshot; null for the first."""
  prevTimestamp: DateTime
  midChange: Float
  spreadChange: Float
  imbalance5Change: Float
  imbalance10Change: Float
  imbalance20Change: Float
}
`;
