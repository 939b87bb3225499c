// Test-only helpers (imported by *.test.ts files, never by the library): read the recorded market
// data and TA-Lib reference values from `../shared/data/` relative to the repo root.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Repo root: three levels above libs/indicators/src/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SHARED_DATA_DIR = resolve(REPO_ROOT, '../shared/data');
export const INDICATOR_DATA_DIR = resolve(SHARED_DATA_DIR, 'indicators');

export type CsvRow = Record<string, number | null>;

/**
 * Minimal CSV reader for the reference files: first line is the header, no quoting, every field a
 * number or empty (→ null). Non-numeric fields (e.g. `date`) are kept as null.
 */
export function readNumericCsv(path: string): { columns: string[]; rows: CsvRow[] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0];
  if (header === undefined) throw new Error(`${path}: empty CSV`);
  const columns = header.split(',');
  const rows = lines.slice(1).map((line, i) => {
    const fields = line.split(',');
    if (fields.length !== columns.length) {
      throw new Error(`${path}: line ${i + 2} has ${fields.length} fields, expected ${columns.length}`);
    }
    const row: CsvRow = {};
    columns.forEach((c, j) => {
      const f = fields[j] ?? '';
      const v = f === '' ? null : Number(f);
      row[c] = v === null || Number.isNaN(v) ? null : v;
    });
    return row;
  });
  return { columns, rows };
}

export function readIndicatorCsv(file: string): CsvRow[] {
  return readNumericCsv(resolve(INDICATOR_DATA_DIR, file)).rows;
}

export interface TalibCheckpoint {
  src: string;
  what: string;
  expected: number;
  computed: number;
  abs_diff: number;
}

export function readTalibCheckpoints(): TalibCheckpoint[] {
  const json = JSON.parse(readFileSync(resolve(INDICATOR_DATA_DIR, 'talib_regtest_checkpoints.json'), 'utf8')) as {
    checks: TalibCheckpoint[];
  };
  return json.checks;
}

export interface RecordedTrade {
  symbol: string;
  price: number;
  quantity: number;
  timestamp_ms: number;
  trade_id: string;
}

/** Recorded Binance trades of one symbol, in file order (sorted by event time, ties by trade id). */
export function readTrades(symbol: string): RecordedTrade[] {
  const text = readFileSync(resolve(SHARED_DATA_DIR, 'trades-binance-spot-2024-08-08.ndjson'), 'utf8');
  const out: RecordedTrade[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const t = JSON.parse(line) as RecordedTrade;
    if (t.symbol === symbol) out.push(t);
  }
  return out;
}

/** Relative comparison used for the reference tests: |actual − expected| ≤ tol·|expected|. */
export function relativeError(actual: number, expected: number): number {
  const diff = Math.abs(actual - expected);
  if (diff === 0) return 0;
  return diff / Math.abs(expected);
}
