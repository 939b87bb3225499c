-- 0002: positions per (account_id, symbol) and per-sector minute figures, kept up to date by
-- materialized views over enriched_trades (design §4).
--
-- How these stay exact:
-- * A materialized view sees each block inserted into enriched_trades, once. A retried insert
--   (same insert_deduplication_token) is dropped by enriched_trades and, because the insert path
--   sets deduplicate_blocks_in_dependent_materialized_views = 1 and the target tables have their
--   own non_replicated_deduplication_window, by these tables as well.
-- * They sum rows as inserted: FINAL on enriched_trades does not apply to them. A trade inserted
--   twice under different tokens (e.g. replaying a tape into a database that already holds it)
--   is counted twice: replay into a fresh database, or rebuild these tables (see the README).
-- * Merges are eventual: several partial rows per key can coexist, so ALWAYS read them with
--   GROUP BY and the matching aggregate (sum / argMaxMerge / max), never a bare SELECT.

-- Positions. Read:
--   SELECT account_id, symbol,
--          sum(net_quantity) AS net_quantity,   -- BUY +, SELL −
--          sum(net_cost) AS net_cost,           -- cash paid for buys minus cash received for sells
--          sum(trade_count) AS trade_count,
--          argMaxMerge(last_price) AS last_price,
--          max(last_trade_at) AS last_trade_at
--   FROM positions WHERE account_id = {account_id:String}
--   GROUP BY account_id, symbol
-- AggregatingMergeTree because "last price" is not a sum: argMax over (timestamp, seq, trade_id)
-- picks the latest trade deterministically, trades sharing a millisecond in arrival order.
CREATE TABLE IF NOT EXISTS positions
(
    account_id     String,
    symbol         LowCardinality(String),
    net_quantity   SimpleAggregateFunction(sum, Float64),
    net_cost       SimpleAggregateFunction(sum, Float64),
    buy_quantity   SimpleAggregateFunction(sum, Float64),
    sell_quantity  SimpleAggregateFunction(sum, Float64),
    trade_count    SimpleAggregateFunction(sum, UInt64),
    last_price     AggregateFunction(argMax, Float64, Tuple(DateTime64(3, 'UTC'), Int64, String)),
    last_trade_at  SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (account_id, symbol)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS positions_mv TO positions AS
SELECT
    account_id,
    symbol,
    sum(if(side = 'BUY', quantity, -quantity))                  AS net_quantity,
    sum(if(side = 'BUY', quantity * price, -(quantity * price))) AS net_cost,
    sumIf(quantity, side = 'BUY')                                AS buy_quantity,
    sumIf(quantity, side = 'SELL')                               AS sell_quantity,
    toUInt64(count())                                            AS trade_count,
    argMaxState(price, (timestamp, seq, trade_id))               AS last_price,
    max(timestamp)                                               AS last_trade_at
FROM enriched_trades
GROUP BY account_id, symbol;

-- Sector figures per minute (of the trade's exchange timestamp). Read:
--   SELECT sector, minute,
--          sum(s.volume) AS volume, sum(s.value) AS value, sum(s.value) / sum(s.volume) AS vwap,
--          sum(trade_count) AS trade_count, sum(buy_count) AS buy_count, sum(sell_count) AS sell_count
--   FROM sector_trades_1m AS s
--   WHERE minute >= {from:DateTime('UTC')} AND minute < {to:DateTime('UTC')}
--   GROUP BY sector, minute ORDER BY sector, minute
-- SummingMergeTree: every figure is a sum, so merged rows stay correct.
CREATE TABLE IF NOT EXISTS sector_trades_1m
(
    sector       LowCardinality(String),
    minute       DateTime('UTC'),
    volume       Float64,
    value        Float64,
    trade_count  UInt64,
    buy_count    UInt64,
    sell_count   UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (sector, minute)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sector_trades_1m_mv TO sector_trades_1m AS
SELECT
    sector,
    toStartOfMinute(toDateTime(timestamp, 'UTC')) AS minute,
    sum(quantity)                                  AS volume,
    sum(quantity * price)                          AS value,
    toUInt64(count())                              AS trade_count,
    toUInt64(countIf(side = 'BUY'))                AS buy_count,
    toUInt64(countIf(side = 'SELL'))               AS sell_count
FROM enriched_trades
GROUP BY sector, minute;
