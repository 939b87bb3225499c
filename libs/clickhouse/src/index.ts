/**
 * @tickflow/clickhouse — the ClickHouse edge (design §4): a small port (`ClickHouse`) over a server
 * (HTTP, `CLICKHOUSE_URL`) or embedded chDB (`TICKFLOW_CLICKHOUSE_PATH`) with the same SQL for
 * both, the migration runner for `clickhouse/*.sql`, pure row mappers from events to insert rows,
 * and `tickflow migrate`. Operators never import this package; runners and apps do.
 */
export type { ClickHouse, ClickHouseBackend, InsertOptions, QueryParam, QueryParams } from './clickhouse';
export {
  CLICKHOUSE_FLAGS,
  DEFAULT_CLICKHOUSE_DATABASE,
  DEFAULT_CLICKHOUSE_PATH,
  DEFAULT_CLICKHOUSE_REQUEST_TIMEOUT_MS,
  describeClickHouse,
  loadClickHouseSettings,
  redactUrl,
} from './clickhouse-settings';
export type { ChdbClickHouseSettings, ClickHouseSettings, ServerClickHouseSettings } from './clickhouse-settings';
export { createClickHouse } from './create-clickhouse';
export { CLICKHOUSE_ERROR_CODES, CLICKHOUSE_ERROR_CODE_LIST, ClickHouseError, isClickHouseError } from './errors';
export type { ClickHouseErrorCode, ClickHouseErrorOptions } from './errors';
export { DEFAULT_MIGRATIONS_DIR, MIGRATIONS_TABLE, readMigrations, runMigrations } from './migrations';
export type { AppliedMigration, Migration, MigrationRunResult, RunMigrationsOptions, SkippedMigration } from './migrations';
export { MIGRATE_USAGE, migrateCommand } from './migrate-command';
export type { MigrateCommandIo } from './migrate-command';
export { MAX_DATETIME64_MS, MIN_DATETIME64_MS, formatDateTime64 } from './query-params';
export {
  STORED_EVENTS,
  enrichedTradeRow,
  microBarRow,
  orderBookMetricsRow,
  priceAlertRow,
  signalRow,
  toStoredRow,
  tradeAggregateRow,
} from './row-mappers';
export type {
  DateTime64Text,
  EnrichedTradeRow,
  EnvelopeRow,
  MicroBarRow,
  OrderBookMetricsRow,
  PriceAlertRow,
  SignalRow,
  StoredEvent,
  StoredEventMap,
  StoredEventName,
  TradeAggregateRow,
} from './row-mappers';
export { splitSqlStatements } from './sql-statements';
export { TEST_CHDB_ROOT, openTestClickHouse } from './test-clickhouse';
export type { TestClickHouse } from './test-clickhouse';
