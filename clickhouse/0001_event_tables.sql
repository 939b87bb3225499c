-- 0001: one table per stored event type (design §4). Rows come from the row mappers of
-- libs/clickhouse (src/row-mappers.ts); column names follow the Avro fields in libs/schemas/avro,
-- except that a timestamp column drops the `_ms` suffix (it is a DateTime64, not a number).
--
-- Rules every table here follows:
--
-- * ReplacingMergeTree(version): a corrected re-emission of a record (same key, higher `version`,
--   e.g. a window re-fired by a late trade) replaces the earlier one. Replacement happens at merge
--   time, so reads use FINAL (filtered on the sort key) or argMax(col, version) GROUP BY key.
-- * ORDER BY is the record's natural identity: two rows with the same key are versions of one
--   record. PARTITION BY uses key columns only, so every version of a record lands in the same
--   partition and background merges can collapse them.
-- * Timestamps are DateTime64(3, 'UTC'). Inserts send them as 'YYYY-MM-DD hh:mm:ss.sss' text:
--   how a JSON number is read for a DateTime64 column differs between ClickHouse versions.
-- * non_replicated_deduplication_window = 1000: block deduplication on a single server and in
--   chDB (on by default only for Replicated tables). The writer retries a batch with the same
--   insert_deduplication_token and the retry is dropped. An identical block inserted without a
--   token is dropped too (content hash), which for these tables means the same rows.
-- * inserted_at + TTL on high-volume tables. The TTL is on the INSERT time, never on event time:
--   a replay of 2024 data inserted today would otherwise be older than any TTL and deleted by the
--   next merge. Raise or drop a TTL with ALTER TABLE … MODIFY TTL / REMOVE TTL in a new migration.
--
-- Every statement is idempotent (IF NOT EXISTS): ClickHouse DDL is not transactional, and the
-- runner re-runs a migration from its first statement after a failure.

-- ta.bars.1s.v1: one final 1 s bar per symbol and second; ~86,400 rows per symbol and day.
CREATE TABLE IF NOT EXISTS micro_bars
(
    symbol          LowCardinality(String),
    window_start    DateTime64(3, 'UTC'),
    window_end      DateTime64(3, 'UTC'),
    open            Float64,
    high            Float64,
    low             Float64,
    close           Float64,
    volume          Float64,
    vwap            Float64,
    count           UInt64,
    is_final        Bool,
    event_ts        DateTime64(3, 'UTC'),
    ingest_ts       DateTime64(3, 'UTC'),
    seq             Int64,
    source          LowCardinality(String),
    correlation_id  String,
    version         UInt32,
    inserted_at     DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (symbol, window_start)
TTL inserted_at + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- ta.signals.v1: indicators after each final bar; as many rows as micro_bars. NULL = warming up.
CREATE TABLE IF NOT EXISTS signals
(
    symbol          LowCardinality(String),
    window_start    DateTime64(3, 'UTC'),
    window_end      DateTime64(3, 'UTC'),
    is_final        Bool,
    ema12           Nullable(Float64),
    ema26           Nullable(Float64),
    macd            Nullable(Float64),
    macd_signal     Nullable(Float64),
    macd_hist       Nullable(Float64),
    rsi14           Nullable(Float64),
    bb_upper        Nullable(Float64),
    bb_middle       Nullable(Float64),
    bb_lower        Nullable(Float64),
    vwap_session    Nullable(Float64),
    vwap_rolling    Nullable(Float64),
    realized_vol    Nullable(Float64),
    spread          Nullable(Float64),
    imbalance       Nullable(Float64),
    event_ts        DateTime64(3, 'UTC'),
    ingest_ts       DateTime64(3, 'UTC'),
    seq             Int64,
    source          LowCardinality(String),
    correlation_id  String,
    version         UInt32,
    inserted_at     DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (symbol, window_start)
TTL inserted_at + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- analytics.trade-aggregates: 1m/5m/15m windows per symbol (scope 'symbol') and per sector
-- (scope 'sector', `symbol` holds the sector name). A few rows per symbol and minute: no TTL.
CREATE TABLE IF NOT EXISTS trade_aggregates
(
    symbol              LowCardinality(String),
    scope               Enum8('symbol' = 1, 'sector' = 2),
    window_start        DateTime64(3, 'UTC'),
    window_end          DateTime64(3, 'UTC'),
    window_size         LowCardinality(String),
    total_volume        Float64,
    total_value         Float64,
    vwap                Float64,
    trade_count         UInt64,
    buy_count           UInt64,
    sell_count          UInt64,
    buy_sell_ratio      Nullable(Float64),
    high_price          Float64,
    low_price           Float64,
    open_price          Float64,
    close_price         Float64,
    volatility_anomaly  Bool,
    computed_at         DateTime64(3, 'UTC'),
    event_ts            DateTime64(3, 'UTC'),
    ingest_ts           DateTime64(3, 'UTC'),
    seq                 Int64,
    source              LowCardinality(String),
    correlation_id      String,
    version             UInt32,
    inserted_at         DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (symbol, window_size, scope, window_start)
SETTINGS non_replicated_deduplication_window = 1000;

-- analytics.orderbook: one row per book snapshot, the highest-volume table. Several snapshots of
-- a symbol can share a millisecond: `seq` (position in the source stream) tells them apart.
CREATE TABLE IF NOT EXISTS orderbook_metrics
(
    symbol               LowCardinality(String),
    timestamp            DateTime64(3, 'UTC'),
    best_bid             Nullable(Float64),
    best_ask             Nullable(Float64),
    mid_price            Nullable(Float64),
    spread               Nullable(Float64),
    spread_bps           Nullable(Float64),
    crossed              Bool,
    bid_depth_5          Float64,
    ask_depth_5          Float64,
    imbalance_5          Nullable(Float64),
    bid_depth_10         Float64,
    ask_depth_10         Float64,
    imbalance_10         Nullable(Float64),
    bid_depth_20         Float64,
    ask_depth_20         Float64,
    imbalance_20         Nullable(Float64),
    prev_timestamp       Nullable(DateTime64(3, 'UTC')),
    mid_change           Nullable(Float64),
    spread_change        Nullable(Float64),
    imbalance_5_change   Nullable(Float64),
    imbalance_10_change  Nullable(Float64),
    imbalance_20_change  Nullable(Float64),
    event_ts             DateTime64(3, 'UTC'),
    ingest_ts            DateTime64(3, 'UTC'),
    seq                  Int64,
    source               LowCardinality(String),
    correlation_id       String,
    version              UInt32,
    inserted_at          DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (symbol, timestamp, seq)
TTL inserted_at + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- alerts.price-movement: rare, kept without TTL. The identity is alert_id; it is built as
-- pa:<symbol>:<detected_at ms>:<correlation_id>, so symbol and detected_at are fixed by it and can
-- lead the sort key: reads by symbol and time range prune instead of scanning every alert.
CREATE TABLE IF NOT EXISTS price_alerts
(
    alert_id        String,
    alert_type      LowCardinality(String),
    symbol          LowCardinality(String),
    direction       Enum8('UP' = 1, 'DOWN' = 2),
    baseline_price  Float64,
    current_price   Float64,
    pct_change      Float64,
    window_start    DateTime64(3, 'UTC'),
    detected_at     DateTime64(3, 'UTC'),
    severity        Enum8('MEDIUM' = 1, 'HIGH' = 2, 'CRITICAL' = 3),
    trigger         Enum8('TRADE' = 1, 'QUOTE' = 2),
    event_ts        DateTime64(3, 'UTC'),
    ingest_ts       DateTime64(3, 'UTC'),
    seq             Int64,
    source          LowCardinality(String),
    correlation_id  String,
    version         UInt32,
    inserted_at     DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(detected_at)
ORDER BY (symbol, detected_at, alert_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- enriched.trades: every execution (FILLED / PARTIALLY_FILLED) with its reference data. The
-- identity is trade_id; a trade's symbol and exchange timestamp never change, so they lead the
-- key for per-symbol time-range reads. TTL 30 d like the topic: the Parquet lake keeps the
-- history, and positions / sector figures (0002) live in their own tables without TTL.
CREATE TABLE IF NOT EXISTS enriched_trades
(
    trade_id         String,
    order_id         String,
    symbol           LowCardinality(String),
    side             Enum8('BUY' = 1, 'SELL' = 2),
    quantity         Float64,
    price            Float64,
    status           LowCardinality(String),
    exchange         LowCardinality(String),
    trader_id        String,
    account_id       String,
    timestamp        DateTime64(3, 'UTC'),
    event_type       LowCardinality(String),
    company_name     String,
    sector           LowCardinality(String),
    industry         LowCardinality(String),
    market_cap_tier  LowCardinality(String),
    listed_exchange  LowCardinality(String),
    event_ts         DateTime64(3, 'UTC'),
    ingest_ts        DateTime64(3, 'UTC'),
    seq              Int64,
    source           LowCardinality(String),
    correlation_id   String,
    version          UInt32,
    inserted_at      DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (symbol, timestamp, trade_id)
TTL inserted_at + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000;
