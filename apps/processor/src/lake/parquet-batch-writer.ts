import { closeSync, fsyncSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampMillisecondsValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { LAKE_DATASETS, TEMP_SUFFIX, datasetDir, fileColumns, hourBucket, hourPartitionPath, lakeFileName, type AnyLakeDataset, type LakeColumn } from '@tickflow/analytics';

/** A record of one source partition, decoded, with its source offset. */
export interface LakeRecord {
  offset: number;
  value: Record<string, unknown>;
}

/** A Parquet file written under its temporary name, ready to be published (renamed). */
export interface StagedFile {
  tempPath: string;
  finalPath: string;
  records: number;
  firstOffset: number;
  lastOffset: number;
}

type ColumnAppender = (appender: DuckDBAppender, record: Record<string, unknown>) => void;
/** A lake column seen through its field name (the writer handles both datasets alike). */
type RecordColumn = Omit<LakeColumn<never>, 'field'> & { readonly field: string };

/**
 * Writes batches of one source partition as Parquet files of the lake layout, through an
 * in-memory DuckDB: the records go into a staging table by appender, then one
 * `COPY (… WHERE hour_bucket = $b ORDER BY kafka_offset) TO $path (FORMAT parquet)` per UTC hour
 * writes `<dataset>/date=…/hour=…/p<P>-<first>-<last>.parquet.tmp`, which is fsynced. Publishing
 * (`publish`) renames the files into place. Calls must not overlap (the lake writer runs them one at
 * a time).
 */
export class ParquetBatchWriter {
  private readonly appenders = new Map<string, ColumnAppender[]>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly lakeRoot: string,
  ) {}

  static async open(lakeRoot: string, threads = 2): Promise<ParquetBatchWriter> {
    const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    const conn = await instance.connect();
    const writer = new ParquetBatchWriter(instance, conn, lakeRoot);
    for (const dataset of LAKE_DATASETS) {
      const columns = fileColumns(dataset).map((c) => `"${c.name}" ${c.type}`);
      await conn.run(`CREATE TABLE "stage_${dataset.name}" (${columns.join(', ')}, hour_bucket BIGINT)`);
      const recordColumns: ReadonlyArray<RecordColumn> = dataset.columns;
      writer.appenders.set(dataset.name, recordColumns.map(columnAppender));
    }
    return writer;
  }

  /**
   * Writes `records` (one source partition, ascending offsets) as one temp file per UTC hour of the
   * dataset's partition field. Nothing is visible to lake readers until `publish`.
   */
  async stage(dataset: AnyLakeDataset, partition: number, records: readonly LakeRecord[]): Promise<StagedFile[]> {
    if (records.length === 0) return [];
    const table = `stage_${dataset.name}`;
    const columns = this.appenders.get(dataset.name)!;
    const partitionField = dataset.partitionField as string;
    const hours = new Map<number, { first: number; last: number; records: number }>();
    const appender = await this.conn.createAppender(table);
    try {
      for (const r of records) {
        const v = r.value;
        for (let i = 0; i < columns.length; i++) columns[i]!(appender, v);
        const bucket = hourBucket(v[partitionField] as number);
        appender.appendInteger(partition);
        appender.appendBigInt(BigInt(r.offset));
        appender.appendBigInt(BigInt(bucket));
        appender.endRow();
        const h = hours.get(bucket);
        if (h) {
          if (r.offset < h.first) h.first = r.offset;
          if (r.offset > h.last) h.last = r.offset;
          h.records++;
        } else hours.set(bucket, { first: r.offset, last: r.offset, records: 1 });
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const staged: StagedFile[] = [];
    try {
      for (const [bucket, h] of [...hours].sort((a, b) => a[0] - b[0])) {
        const finalPath = join(datasetDir(this.lakeRoot, dataset), hourPartitionPath(bucket), lakeFileName(partition, h.first, h.last));
        const tempPath = finalPath + TEMP_SUFFIX;
        mkdirSync(dirname(finalPath), { recursive: true });
        await this.conn.run(
          `COPY (SELECT * EXCLUDE (hour_bucket) FROM "${table}" WHERE hour_bucket = $bucket ORDER BY kafka_offset) TO $path (FORMAT parquet, COMPRESSION zstd)`,
          { bucket: BigInt(bucket), path: tempPath },
        );
        fsyncFile(tempPath);
        staged.push({ tempPath, finalPath, records: h.records, firstOffset: h.first, lastOffset: h.last });
      }
    } finally {
      await this.conn.run(`DELETE FROM "${table}"`);
    }
    return staged;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Renames staged files into place, then fsyncs their directories. Synchronous on purpose: the
 * caller checks it still owns the partition and publishes with no await in between.
 */
export function publish(files: readonly StagedFile[]): void {
  const dirs = new Set<string>();
  for (const f of files) {
    renameSync(f.tempPath, f.finalPath);
    dirs.add(dirname(f.finalPath));
  }
  for (const d of dirs) fsyncDir(d);
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(path: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** One function per column, built once per dataset (no per-record closures). */
function columnAppender(c: RecordColumn): ColumnAppender {
  const field = c.field;
  const nullable = c.nullable;
  switch (c.type) {
    case 'VARCHAR':
      return (a, r) => (nullable && r[field] == null ? a.appendNull() : a.appendVarchar(String(r[field])));
    case 'DOUBLE':
      return (a, r) => (nullable && r[field] == null ? a.appendNull() : a.appendDouble(r[field] as number));
    case 'BIGINT':
      return (a, r) => (nullable && r[field] == null ? a.appendNull() : a.appendBigInt(BigInt(r[field] as number)));
    case 'INTEGER':
      return (a, r) => (nullable && r[field] == null ? a.appendNull() : a.appendInteger(r[field] as number));
    case 'BOOLEAN':
      return (a, r) => (nullable && r[field] == null ? a.appendNull() : a.appendBoolean(r[field] as boolean));
    case 'TIMESTAMP_MS':
      // An epoch of 0 means "unknown" (ingest_ts): NULL rather than 1970-01-01 for nullable columns.
      return (a, r) => {
        const ms = r[field] as number;
        if (nullable && (ms == null || ms === 0)) a.appendNull();
        else a.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(ms)));
      };
  }
}
