/**
 * @tickflow/analytics — the Parquet lake's layout and its readers: the seed 000 §5 analytics
 * (top traded symbols, portfolio, volume vs 7/30/90-day history, sector performance) and the
 * locked-down, read-only ad-hoc SQL entry, all in DuckDB.
 */
export {
  ENRICHED_TRADES,
  HIVE_COLUMNS,
  LAKE_DATASETS,
  SOURCE_COLUMNS,
  TEMP_SUFFIX,
  TRADE_AGGREGATES,
  datasetDir,
  datasetGlob,
  fileColumns,
  hourBucket,
  hourPartitionPath,
  lakeFileName,
  parseLakeFileName,
} from './lake-layout';
export type { AnyLakeDataset, LakeColumn, LakeColumnType, LakeDataset, LakeFileName } from './lake-layout';
export { LakeDatabase, hasParquetFiles } from './lake-database';
export type { LakeDatabaseOptions } from './lake-database';
export { ALL_SYMBOLS, LakeAnalytics, TOP_TRADED_BY } from './lake-analytics';
export type {
  LakeAnalyticsOptions,
  PortfolioOptions,
  PortfolioPosition,
  SectorPerformanceQuery,
  SectorPerformanceRow,
  TopTradedBy,
  TopTradedSymbol,
  TopTradedSymbolsQuery,
  VolumeVsHistoryRow,
} from './lake-analytics';
export type { TimeInput } from './analytics-inputs';
export { AdhocSql } from './adhoc-sql';
export type { AdhocQueryOptions, AdhocResult } from './adhoc-sql';
export { ANALYTICS_ERROR_CODES, AnalyticsError, isAnalyticsError } from './errors';
export type { AnalyticsErrorCode } from './errors';
