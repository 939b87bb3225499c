import { join } from 'node:path';
import type { EnrichedTrade, Envelope, TradeAggregate } from '@tickflow/schemas';

/**
 * The Parquet lake (design §4, seed 001's data lake), shared by its writer (the processor's
 * `tickflow lake`) and its readers (this library, `tickflow sql`):
 *
 * ```
 * <root>/<dataset>/date=YYYY-MM-DD/hour=HH/p<partition>-<firstOffset>-<lastOffset>.parquet
 * ```
 *
 * One dataset per source topic. `date`/`hour` are the UTC hour of the record's partition time (an
 * event time: `timestamp_ms` for trades, `window_start` for aggregates). A file holds records of
 * one source partition, in offset order, all in that hour; its name carries the first and last
 * source offset it holds, zero-padded to 12 digits so names sort by offset. Files are immutable
 * once renamed into place; a rewrite of the same offsets after a crash deletes or replaces them
 * (see the writer), so a record is in the lake exactly once.
 */

/** DuckDB column types used in lake files. `TIMESTAMP_MS` is a naive timestamp holding UTC. */
export type LakeColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'BOOLEAN' | 'TIMESTAMP_MS';

export interface LakeColumn<R> {
  readonly name: string;
  readonly type: LakeColumnType;
  /** The record field it holds; for a `TIMESTAMP_MS` column, the epoch-ms field it is derived from. */
  readonly field: keyof R & string;
  /** May hold NULL. Derived timestamps of a `0` ("unknown") epoch are NULL. */
  readonly nullable: boolean;
}

export interface LakeDataset<R> {
  /** Directory under the lake root, and the SQL view name. */
  readonly name: string;
  /** Logical source topic (without a deployment's topic prefix). */
  readonly topic: string;
  /** Avro event name of the topic's values. */
  readonly eventName: 'EnrichedTrade' | 'TradeAggregate';
  /** Epoch-ms field whose UTC hour places a record in `date=/hour=`. */
  readonly partitionField: keyof R & string;
  /** Columns from the record, in file order; the source columns follow them. */
  readonly columns: ReadonlyArray<LakeColumn<R>>;
}

/** Where each row came from, appended after the record's columns: identity of the source record. */
export const SOURCE_COLUMNS = [
  { name: 'kafka_partition', type: 'INTEGER' },
  { name: 'kafka_offset', type: 'BIGINT' },
] as const satisfies ReadonlyArray<{ name: string; type: LakeColumnType }>;

/** Hive partition columns DuckDB adds when reading with `hive_partitioning = true`. */
export const HIVE_COLUMNS = [
  { name: 'date', type: 'DATE' },
  { name: 'hour', type: 'INTEGER' },
] as const;

const col = <R>(name: keyof R & string, type: LakeColumnType, nullable = false): LakeColumn<R> => ({ name, type, field: name, nullable });
/** A TIMESTAMP_MS twin of an epoch-ms field. */
const ts = <R>(name: string, field: keyof R & string, nullable = false): LakeColumn<R> => ({ name, type: 'TIMESTAMP_MS', field, nullable });

/** Envelope fields every event carries (a column of `Envelope` is a column of any event). */
const ENVELOPE: ReadonlyArray<LakeColumn<Envelope>> = [
  col('event_ts', 'BIGINT'),
  ts('event_time', 'event_ts'),
  col('ingest_ts', 'BIGINT'),
  ts('ingest_time', 'ingest_ts', true),
  col('seq', 'BIGINT'),
  col('source', 'VARCHAR'),
  col('correlation_id', 'VARCHAR'),
  col('version', 'INTEGER'),
];

/** `enriched.trades` → `enriched_trades/`, partitioned by trade time (`timestamp_ms`). */
export const ENRICHED_TRADES: LakeDataset<EnrichedTrade> = {
  name: 'enriched_trades',
  topic: 'enriched.trades',
  eventName: 'EnrichedTrade',
  partitionField: 'timestamp_ms',
  columns: [
    col('trade_id', 'VARCHAR'),
    col('order_id', 'VARCHAR'),
    col('symbol', 'VARCHAR'),
    col('side', 'VARCHAR'),
    col('quantity', 'DOUBLE'),
    col('price', 'DOUBLE'),
    col('status', 'VARCHAR'),
    col('exchange', 'VARCHAR'),
    col('trader_id', 'VARCHAR'),
    col('account_id', 'VARCHAR'),
    col('timestamp_ms', 'BIGINT'),
    ts('trade_time', 'timestamp_ms'),
    col('event_type', 'VARCHAR'),
    col('company_name', 'VARCHAR'),
    col('sector', 'VARCHAR'),
    col('industry', 'VARCHAR'),
    col('market_cap_tier', 'VARCHAR'),
    col('listed_exchange', 'VARCHAR'),
    ...ENVELOPE,
  ],
};

/**
 * `analytics.trade-aggregates` → `trade_aggregates/`, partitioned by `window_start` (so every row
 * of a window sits in the hour the window starts in). Rows are stored as emitted: corrections
 * (late data) are further rows with a higher `version` — for symbol scope, readers take the highest
 * version per (symbol, window_size, window_start); sector-scope rows are partial sums, one per
 * processor task (a sector's symbols spread over input partitions), to be added up by readers.
 */
export const TRADE_AGGREGATES: LakeDataset<TradeAggregate> = {
  name: 'trade_aggregates',
  topic: 'analytics.trade-aggregates',
  eventName: 'TradeAggregate',
  partitionField: 'window_start',
  columns: [
    col('symbol', 'VARCHAR'),
    col('scope', 'VARCHAR'),
    col('window_size', 'VARCHAR'),
    col('window_start', 'BIGINT'),
    ts('window_start_time', 'window_start'),
    col('window_end', 'BIGINT'),
    ts('window_end_time', 'window_end'),
    col('total_volume', 'DOUBLE'),
    col('total_value', 'DOUBLE'),
    col('vwap', 'DOUBLE'),
    col('trade_count', 'BIGINT'),
    col('buy_count', 'BIGINT'),
    col('sell_count', 'BIGINT'),
    col('buy_sell_ratio', 'DOUBLE', true),
    col('high_price', 'DOUBLE'),
    col('low_price', 'DOUBLE'),
    col('open_price', 'DOUBLE'),
    col('close_price', 'DOUBLE'),
    col('volatility_anomaly', 'BOOLEAN'),
    col('computed_at', 'BIGINT'),
    ts('computed_time', 'computed_at'),
    ...ENVELOPE,
  ],
};

export const LAKE_DATASETS = [ENRICHED_TRADES, TRADE_AGGREGATES] as const;
export type AnyLakeDataset = (typeof LAKE_DATASETS)[number];

/** Every column of a dataset's files, in order: the record's, then the source columns. */
export function fileColumns(dataset: { readonly columns: ReadonlyArray<{ readonly name: string; readonly type: LakeColumnType }> }): Array<{ name: string; type: LakeColumnType }> {
  return [...dataset.columns.map((c) => ({ name: c.name, type: c.type })), ...SOURCE_COLUMNS];
}

const HOUR_MS = 3_600_000;

/** Hour bucket of an epoch-ms time: `floor(ms / 1 h)`. */
export function hourBucket(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS);
}

/** `date=YYYY-MM-DD/hour=HH` of an hour bucket (UTC). */
export function hourPartitionPath(bucket: number): string {
  const iso = new Date(bucket * HOUR_MS).toISOString(); // YYYY-MM-DDTHH:…
  return `date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

/** Directory of a dataset under the lake root. */
export function datasetDir(lakeRoot: string, dataset: { readonly name: string }): string {
  return join(lakeRoot, dataset.name);
}

/** The glob DuckDB reads a dataset with. */
export function datasetGlob(lakeRoot: string, dataset: { readonly name: string }): string {
  return join(lakeRoot, dataset.name, '**', '*.parquet');
}

const OFFSET_DIGITS = 12;
const FILE_NAME = /^p(\d+)-(\d+)-(\d+)\.parquet$/;
/** Suffix of a file being written; never matched by `*.parquet`. */
export const TEMP_SUFFIX = '.tmp';
const TEMP_NAME = /^p(\d+)-(\d+)-(\d+)\.parquet\.tmp$/;

export interface LakeFileName {
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

/** `p3-000000001200-000000001799.parquet` */
export function lakeFileName(partition: number, firstOffset: number, lastOffset: number): string {
  return `p${partition}-${String(firstOffset).padStart(OFFSET_DIGITS, '0')}-${String(lastOffset).padStart(OFFSET_DIGITS, '0')}.parquet`;
}

/** Parses a lake file name (or, with `temp`, the name of one being written); null for other files. */
export function parseLakeFileName(name: string, temp = false): LakeFileName | null {
  const m = (temp ? TEMP_NAME : FILE_NAME).exec(name);
  if (!m) return null;
  const partition = Number(m[1]);
  const firstOffset = Number(m[2]);
  const lastOffset = Number(m[3]);
  if (!Number.isSafeInteger(firstOffset) || !Number.isSafeInteger(lastOffset) || lastOffset < firstOffset) return null;
  return { partition, firstOffset, lastOffset };
}
