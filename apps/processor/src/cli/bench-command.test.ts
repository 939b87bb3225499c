import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@tickflow/config';
import { benchResultPath, benchSummaryRows, formatBenchSummary, parseBenchArgs, readBenchResult, type BenchName } from './bench-command';

const dir = mkdtempSync(join(tmpdir(), 'tickflow-bench-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Shaped like bench/operators.bench.ts' output (no `met`: the summary computes the verdicts). */
const OPERATORS = {
  generated_at: '2026-01-05T10:00:00.000Z',
  trades_per_sec: 612_345,
  state_bytes_per_symbol_live: 1_200,
  peak_rss_mb: 512,
  indicators: {
    Ema: { tickflow_ns_per_update: 4.1, reference_ns_per_update: 30.2, reference: 'trading-signals EMA' },
    Rsi: { tickflow_ns_per_update: 9.9, reference_ns_per_update: 8.5, reference: 'trading-signals RSI' },
  },
  targets: { trades_per_sec: 500_000, state_bytes_per_symbol: 1024, indicator_faster_than_reference: true },
};

/** Shaped like resultHead(out, TARGETS, ['eos_trades_per_sec']) in bench/pipeline.bench.ts; the latency phase was not run. */
const PIPELINE = {
  generated_at: '2026-01-05T11:00:00.000Z',
  commit: '0123456789abcdef0123',
  worktree_dirty: true,
  eos_trades_per_sec: 123_456.7,
  alo_trades_per_sec: 150_001,
  checkpoint_ms: 250.5,
  restart_to_first_output_s: 4.2,
  targets: { eos_trades_per_sec: 100_000, p99_ms: 50, checkpoint_ms: 200, restart_to_first_output_s: 5 },
  // The benchmark's own verdict wins over a recomputation (here deliberately contradicting it for restart).
  met: { eos_trades_per_sec: true, p99_ms: null, checkpoint_ms: false, restart_to_first_output_s: false },
};

describe('tickflow bench: arguments', () => {
  it.each<[string[], BenchName[], boolean, boolean]>([
    [[], ['operators', 'pipeline', 'storage', 'api'], true, false],
    [['all'], ['operators', 'pipeline', 'storage', 'api'], true, false],
    [['api', 'operators'], ['operators', 'api'], true, false],
    [['storage', 'storage', '--no-services'], ['storage'], false, false],
    [['--summary-only', 'pipeline'], ['pipeline'], true, true],
  ])('%j → %j (services %s, summary only %s)', (args, benches, startServices, summaryOnly) => {
    expect(parseBenchArgs(args)).toEqual({ benches, startServices, summaryOnly, help: false });
  });

  it('recognises --help and -h', () => {
    expect(parseBenchArgs(['--help']).help).toBe(true);
    expect(parseBenchArgs(['pipeline', '-h']).help).toBe(true);
  });

  it('names an unknown benchmark, and refuses unknown flags', () => {
    expect(() => parseBenchArgs(['operators', 'frobnicate'])).toThrow(ConfigError);
    expect(() => parseBenchArgs(['frobnicate'])).toThrow('bench name: expected one of operators, pipeline, storage, api, all, got "frobnicate"');
    expect(() => parseBenchArgs(['--fast'])).toThrow(/Unknown option '--fast'/);
    expect(() => parseBenchArgs(['--summary-only=yes'])).toThrow(/does not take an argument/);
  });
});

describe('tickflow bench: summary', () => {
  const write = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('operators: computes verdicts from targets, counts indicators faster than the reference', () => {
    expect(benchSummaryRows('operators', OPERATORS)).toEqual([
      ['topology throughput, one core', '612,345 trades/s', '≥ 500,000', '✓'],
      ['state per symbol (live task)', '1,200 bytes', '≤ 1,024', '✗ missed'],
      ['peak RSS', '512 MB', '', ''],
      ['indicators faster than reference', '1 of 2', 'all', '✗ missed'],
    ]);
  });

  it('pipeline: uses the benchmark’s own met, shows keys it did not write as "not run"', () => {
    expect(benchSummaryRows('pipeline', PIPELINE)).toEqual([
      ['exactly-once throughput', '123,457 trades/s', '≥ 100,000', '✓'],
      ['at-least-once throughput', '150,001 trades/s', '', ''],
      ['produce → provisional bar p50', 'not run', '', ''],
      ['produce → provisional bar p99', 'not run', '≤ 50', ''],
      ['checkpoint (median)', '250.5 ms', '≤ 200', '✗ missed'],
      ['SIGKILL → restart → output', '4.2 s', '≤ 5', '✗ missed'],
    ]);
  });

  it('never throws on malformed results', () => {
    expect(benchSummaryRows('api', [1, 2])).toEqual([['(result is not a JSON object)', '—', '', '']]);
    const rows = benchSummaryRows('storage', { writer_rows_per_sec: 'fast', history_p99_ms: null, targets: 'none', met: 7 });
    expect(rows[0]).toEqual(['Kafka → ClickHouse writer', '—', '', '']);
    expect(rows[2]).toEqual(['history queries p99', '—', '', '']);
    expect(benchSummaryRows('operators', { indicators: { Ema: { tickflow_ns_per_update: 'x' } } }).at(-1)).toEqual(['indicators faster than reference', 'not run', '', '']);
  });

  it('formats a table from result files: headings with date and commit, aligned rows, missing and broken files named', () => {
    const ops = write('operators.json', JSON.stringify(OPERATORS));
    const pipe = write('pipeline.json', JSON.stringify(PIPELINE, null, 2));
    const broken = write('storage.json', '{"writer_rows_per_sec": 12');
    const missing = join(dir, 'api.json');
    utimesSync(ops, new Date(1_000_000), new Date(1_000_000)); // written long before the run below
    const text = formatBenchSummary(
      [
        { name: 'operators', path: ops, read: readBenchResult(ops) },
        { name: 'pipeline', path: pipe, read: readBenchResult(pipe) },
        { name: 'storage', path: broken, read: readBenchResult(broken) },
        { name: 'api', path: missing, read: readBenchResult(missing) },
      ],
      Date.now() - 60_000,
    );
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual(['', 'Summary']);
    expect(text).toContain(`  operators — ${ops}, 2026-01-05T10:00:00.000Z — NOT written by this run\n`);
    expect(text).toContain(`  pipeline — ${pipe}, 2026-01-05T11:00:00.000Z, commit 0123456789 (dirty)\n`);
    expect(text).toMatch(new RegExp(`  storage — ${storageRe(broken)}: not JSON \\(`));
    expect(text).toContain(`  api — ${missing}: no results yet`);
    // Rows: metric left-aligned, value right-aligned, so the target column starts at one position.
    const rows = lines.filter((l) => l.startsWith('    '));
    expect(rows).toHaveLength(10);
    const targetColumn = rows.map((l) => l.indexOf('≥') >= 0 ? l.indexOf('≥') : l.indexOf('≤')).filter((i) => i >= 0);
    expect(new Set(targetColumn).size).toBe(1);
    expect(rows.find((l) => l.includes('checkpoint (median)'))).toMatch(/^ {4}checkpoint \(median\) +250\.5 ms {2}≤ 200 +✗ missed$/);
  });

  it('the default result path is bench/results/<name>.json in the repository', () => {
    expect(benchResultPath('storage')).toMatch(/[/\\]bench[/\\]results[/\\]storage\.json$/);
    expect(benchResultPath('api', dir)).toBe(join(dir, 'api.json'));
  });
});

function storageRe(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
