import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ReferenceSymbol } from '@tickflow/schemas';

/** The reference data shipped with tickflow (the simulator's symbols and the recorded crypto pairs). */
export const BUILTIN_REFERENCE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'reference', 'symbols.csv');

const COLUMNS = ['symbol', 'company_name', 'sector', 'industry', 'market_cap_tier', 'exchange'] as const;

/**
 * Loads reference symbols from a CSV or Parquet file through DuckDB (seed 000 §5.4 pre-flight).
 * Required columns: symbol, company_name, sector, industry, market_cap_tier, exchange; an optional
 * `updated_at` (epoch ms) orders updates. The path is bound as a parameter, never spliced into SQL.
 */
export async function loadReference(path: string = BUILTIN_REFERENCE): Promise<ReferenceSymbol[]> {
  if (!existsSync(path)) throw new Error(`reference data file not found: ${path}`);
  const ext = extname(path).toLowerCase();
  const reader = ext === '.parquet' ? 'read_parquet($1)' : ext === '.csv' ? 'read_csv($1, header = true, all_varchar = true)' : null;
  if (!reader) throw new Error(`reference data must be .csv or .parquet, got ${path}`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const result = await conn.runAndReadAll(`SELECT * FROM ${reader}`, [path]);
    const rows = result.getRowObjects();
    const columns = result.columnNames();
    const missing = COLUMNS.filter((c) => !columns.includes(c));
    if (missing.length > 0) throw new Error(`reference data ${path} lacks column(s): ${missing.join(', ')}`);
    return rows.map((row, i) => {
      const get = (c: string): string => {
        const v = row[c];
        if (v === null || v === undefined || String(v).trim() === '') throw new Error(`reference data ${path} row ${i + 2}: ${c} is empty`);
        return String(v).trim();
      };
      return {
        symbol: get('symbol').toUpperCase(),
        company_name: get('company_name'),
        sector: get('sector'),
        industry: get('industry'),
        market_cap_tier: get('market_cap_tier'),
        exchange: get('exchange'),
        updated_at: row['updated_at'] !== undefined && row['updated_at'] !== null ? Number(row['updated_at']) : 0,
      };
    });
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
