// Writes lake files for tests, independently of the processor's lake writer: plain DuckDB INSERTs
// into a table of the layout's columns, then COPY … TO one file per UTC hour.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampMillisecondsValue, type DuckDBValue } from '@duckdb/node-api';
import type { EnrichedTrade, TradeAggregate } from '@tickflow/schemas';
import { ENRICHED_TRADES, TRADE_AGGREGATES, datasetDir, fileColumns, hourBucket, hourPartitionPath, lakeFileName, type LakeColumn } from './lake-layout';

type AnyColumn = Omit<LakeColumn<never>, 'field'> & { readonly field: string };

/** Writes `rows` of one dataset as lake files of source partition `partition`, offsets from `firstOffset` in row order. */
export async function writeLakeFiles(
  lakeRoot: string,
  which: 'enriched_trades' | 'trade_aggregates',
  rows: ReadonlyArray<EnrichedTrade | TradeAggregate>,
  partition = 0,
  firstOffset = 0,
): Promise<string[]> {
  const dataset = which === 'enriched_trades' ? ENRICHED_TRADES : TRADE_AGGREGATES;
  const columns: ReadonlyArray<AnyColumn> = dataset.columns;
  const all = fileColumns(dataset);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const written: string[] = [];
  try {
    await conn.run(`CREATE TABLE t (${all.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    const byHour = new Map<number, Array<{ offset: number; row: Record<string, unknown> }>>();
    rows.forEach((row, i) => {
      const r = row as unknown as Record<string, unknown>;
      const bucket = hourBucket(r[dataset.partitionField] as number);
      const list = byHour.get(bucket) ?? [];
      list.push({ offset: firstOffset + i, row: r });
      byHour.set(bucket, list);
    });
    for (const [bucket, list] of byHour) {
      await conn.run('DELETE FROM t');
      for (const { offset, row } of list) {
        const values: DuckDBValue[] = columns.map((c) => value(c, row));
        values.push(partition, BigInt(offset));
        await conn.run(`INSERT INTO t VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
      }
      const path = join(datasetDir(lakeRoot, dataset), hourPartitionPath(bucket), lakeFileName(partition, list[0]!.offset, list.at(-1)!.offset));
      mkdirSync(dirname(path), { recursive: true });
      await conn.run('COPY t TO $path (FORMAT parquet)', { path });
      written.push(path);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return written;
}

function value(c: AnyColumn, row: Record<string, unknown>): DuckDBValue {
  const v = row[c.field];
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'TIMESTAMP_MS':
      return c.nullable && v === 0 ? null : new DuckDBTimestampMillisecondsValue(BigInt(v as number));
    case 'BIGINT':
      return BigInt(v as number);
    default:
      return v as DuckDBValue;
  }
}

const ENVELOPE = { ingest_ts: 0, source: 'test', version: 1 };

export function enrichedTrade(t: Partial<EnrichedTrade> & Pick<EnrichedTrade, 'trade_id' | 'symbol' | 'side' | 'quantity' | 'price' | 'timestamp_ms'>): EnrichedTrade {
  return {
    order_id: `O-${t.trade_id}`,
    status: 'FILLED',
    exchange: 'TEST',
    trader_id: 'TR-1',
    account_id: 'ACC1',
    event_type: 'TRADE',
    company_name: `${t.symbol} Inc.`,
    sector: 'UNKNOWN',
    industry: 'UNKNOWN',
    market_cap_tier: 'UNKNOWN',
    listed_exchange: 'UNKNOWN',
    event_ts: t.timestamp_ms,
    seq: 0,
    correlation_id: t.trade_id,
    ...ENVELOPE,
    ...t,
  };
}

export function tradeAggregate(a: Partial<TradeAggregate> & Pick<TradeAggregate, 'symbol' | 'window_start' | 'total_volume'>): TradeAggregate {
  const size = a.window_size ?? '1m';
  const sizeMs = size === '1m' ? 60_000 : size === '5m' ? 300_000 : 900_000;
  return {
    scope: 'symbol',
    window_size: size,
    window_end: a.window_start + sizeMs,
    total_value: a.total_volume * 100,
    vwap: 100,
    trade_count: 1,
    buy_count: 1,
    sell_count: 0,
    buy_sell_ratio: null,
    high_price: 100,
    low_price: 100,
    open_price: 100,
    close_price: 100,
    volatility_anomaly: false,
    computed_at: a.window_start + sizeMs + 5,
    event_ts: a.window_start + sizeMs,
    seq: 0,
    correlation_id: `${a.symbol}:${a.window_start}`,
    ...ENVELOPE,
    ...a,
  };
}
