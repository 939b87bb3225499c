import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '@tickflow/config';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const BENCH_NAMES = ['operators', 'pipeline', 'storage', 'api'] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export const BENCH_USAGE = `Usage: tickflow bench [operators|pipeline|storage|api|all …] [--no-services] [--summary-only]

Runs benchmarks (bench/<name>.bench.ts, the same scripts as 'npm run bench:<name>') one after the
other as child processes, streaming their progress, then prints a summary table of the figures
each wrote to bench/results/<name>.json against its targets. Default: all, in the order
operators, pipeline, storage, api (~20–30 minutes). Not part of 'npm test'. Exit 1 as soon as one
fails (the rest are skipped), 130 on Ctrl-C.

  operators  the processor topology on one core; each indicator against a reference library (~1 min)
  pipeline   Kafka → processor: exactly-once throughput, latency, checkpoint cost, restart (~5–10 min)
  storage    ClickHouse writer throughput, history queries, lake analytics (~5–10 min)
  api        REST history under load, WebSocket fan-out latency (~2–3 min)

  --no-services    do not start the test services (Kafka, Redis) first: pipeline, storage and api
                   then use KAFKA_BROKERS and REDIS_URL as set (default 127.0.0.1:19092, redis://127.0.0.1:6379)
  --summary-only   run nothing; print the summary of the results already in bench/results/

Each benchmark takes BENCH_* environment overrides, listed at the top of its script.`;

export interface BenchArgs {
  benches: BenchName[];
  startServices: boolean;
  summaryOnly: boolean;
  help: boolean;
}

/** @throws ConfigError naming the unknown benchmark; parseArgs' error for an unknown flag. */
export function parseBenchArgs(args: readonly string[]): BenchArgs {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      'no-services': { type: 'boolean', default: false },
      'summary-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const chosen = new Set<BenchName>();
  for (const p of positionals.length > 0 ? positionals : ['all']) {
    if (p === 'all') BENCH_NAMES.forEach((b) => chosen.add(b));
    else if ((BENCH_NAMES as readonly string[]).includes(p)) chosen.add(p as BenchName);
    else throw new ConfigError('bench name', `one of ${BENCH_NAMES.join(', ')}, all`, p);
  }
  return {
    benches: BENCH_NAMES.filter((b) => chosen.has(b)), // always the npm order: cheap and service-free first
    startServices: !values['no-services'],
    summaryOnly: values['summary-only'],
    help: values.help,
  };
}

// ---------------------------------------------------------------------------------------------
// The summary table
// ---------------------------------------------------------------------------------------------

interface Row {
  metric: string;
  key: string;
  unit: string;
  /** How the target compares: ≥ for throughput, ≤ for latency and size. */
  dir?: '≥' | '≤';
  /** The key of `targets` when it differs from `key`. */
  targetKey?: string;
}

/** The headline keys each benchmark writes (see its `summary` function and `resultHead(out, …)`). */
const ROWS: Record<BenchName, Row[]> = {
  operators: [
    { metric: 'topology throughput, one core', key: 'trades_per_sec', unit: 'trades/s', dir: '≥' },
    { metric: 'state per symbol (live task)', key: 'state_bytes_per_symbol_live', unit: 'bytes', dir: '≤', targetKey: 'state_bytes_per_symbol' },
    { metric: 'peak RSS', key: 'peak_rss_mb', unit: 'MB' },
  ],
  pipeline: [
    { metric: 'exactly-once throughput', key: 'eos_trades_per_sec', unit: 'trades/s', dir: '≥' },
    { metric: 'at-least-once throughput', key: 'alo_trades_per_sec', unit: 'trades/s' },
    { metric: 'produce → provisional bar p50', key: 'p50_ms', unit: 'ms' },
    { metric: 'produce → provisional bar p99', key: 'p99_ms', unit: 'ms', dir: '≤' },
    { metric: 'checkpoint (median)', key: 'checkpoint_ms', unit: 'ms', dir: '≤' },
    { metric: 'SIGKILL → restart → output', key: 'restart_to_first_output_s', unit: 's', dir: '≤' },
  ],
  storage: [
    { metric: 'Kafka → ClickHouse writer', key: 'writer_rows_per_sec', unit: 'rows/s', dir: '≥' },
    { metric: 'history queries p50', key: 'history_p50_ms', unit: 'ms' },
    { metric: 'history queries p99', key: 'history_p99_ms', unit: 'ms', dir: '≤' },
    { metric: 'lake analytics (slowest)', key: 'lake_query_ms', unit: 'ms', dir: '≤' },
  ],
  api: [
    { metric: 'REST history p50', key: 'rest_p50_ms', unit: 'ms' },
    { metric: 'REST history p99', key: 'rest_p99_ms', unit: 'ms', dir: '≤' },
    { metric: 'REST achieved', key: 'rest_rps', unit: 'req/s' },
    { metric: 'WS fan-out p50', key: 'ws_p50_ms', unit: 'ms' },
    { metric: 'WS fan-out p99', key: 'ws_p99_ms', unit: 'ms', dir: '≤' },
    { metric: 'WS delivered', key: 'ws_msgs_per_sec', unit: 'msgs/s' },
  ],
};

/** What a result file held, as read by {@link readBenchResult}. */
export type BenchResult = { ok: true; result: unknown; modifiedAtMs: number } | { ok: false; problem: string };

export function benchResultPath(name: BenchName, resultsDir = join(REPO_ROOT, 'bench', 'results')): string {
  return join(resultsDir, `${name}.json`);
}

export function readBenchResult(path: string): BenchResult {
  let text: string;
  let modifiedAtMs: number;
  try {
    modifiedAtMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === 'ENOENT' ? 'no results yet' : `unreadable (${code ?? String(err)})` };
  }
  try {
    return { ok: true, result: JSON.parse(text) as unknown, modifiedAtMs };
  } catch (err) {
    return { ok: false, problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const show = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 10_000 ? 0 : 2 });

/**
 * Table rows `[metric, value, target, verdict]` for one benchmark's result (the parsed JSON; anything
 * malformed shows as "—", never throws). The verdict is the benchmark's own `met[key]` where it
 * wrote one, else the value compared with `targets[key]`.
 */
export function benchSummaryRows(name: BenchName, result: unknown): string[][] {
  if (!isRecord(result)) return [['(result is not a JSON object)', '—', '', '']];
  const targets = isRecord(result['targets']) ? result['targets'] : {};
  const met = isRecord(result['met']) ? result['met'] : {};
  const rows = ROWS[name].map((r) => {
    const raw = result[r.key];
    const value = num(raw);
    const target = r.dir ? num(targets[r.targetKey ?? r.key]) : null;
    let verdict = '';
    if (value !== null && target !== null) {
      const own = met[r.targetKey ?? r.key];
      const ok = typeof own === 'boolean' ? own : r.dir === '≥' ? value >= target : value <= target;
      verdict = ok ? '✓' : '✗ missed';
    }
    return [r.metric, value !== null ? `${show(value)} ${r.unit}` : raw === undefined ? 'not run' : '—', target !== null ? `${r.dir} ${show(target)}` : '', verdict];
  });
  if (name === 'operators') {
    const indicators = isRecord(result['indicators']) ? Object.values(result['indicators']).filter(isRecord) : [];
    const timed = indicators.filter((i) => num(i['tickflow_ns_per_update']) !== null && num(i['reference_ns_per_update']) !== null);
    const faster = timed.filter((i) => (i['tickflow_ns_per_update'] as number) < (i['reference_ns_per_update'] as number)).length;
    rows.push(['indicators faster than reference', timed.length > 0 ? `${faster} of ${timed.length}` : 'not run', timed.length > 0 ? 'all' : '', timed.length > 0 ? (faster === timed.length ? '✓' : '✗ missed') : '']);
  }
  return rows;
}

/**
 * The summary printed after a run: per benchmark a heading (file, when, commit) and its rows,
 * aligned. `sinceMs` marks results older than this run as stale (the benchmark did not write them).
 */
export function formatBenchSummary(entries: ReadonlyArray<{ name: BenchName; path: string; read: BenchResult }>, sinceMs?: number): string {
  const lines: string[] = [];
  const table: Array<string[] | string> = [];
  for (const { name, path, read } of entries) {
    const rel = path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length + 1) : path;
    if (!read.ok) {
      table.push(`${name} — ${rel}: ${read.problem}`);
      continue;
    }
    const r = isRecord(read.result) ? read.result : {};
    const when = typeof r['generated_at'] === 'string' ? r['generated_at'] : new Date(read.modifiedAtMs).toISOString();
    const commit = typeof r['commit'] === 'string' ? `, commit ${r['commit'].slice(0, 10)}${r['worktree_dirty'] === true ? ' (dirty)' : ''}` : '';
    const stale = sinceMs !== undefined && read.modifiedAtMs < sinceMs ? ' — NOT written by this run' : '';
    table.push(`${name} — ${rel}, ${when}${commit}${stale}`);
    for (const row of benchSummaryRows(name, read.result)) table.push(row);
  }
  const widths = [0, 0, 0];
  for (const t of table) if (Array.isArray(t)) for (let i = 0; i < 3; i++) widths[i] = Math.max(widths[i]!, t[i]!.length);
  lines.push('', 'Summary');
  for (const t of table) {
    if (typeof t === 'string') lines.push(`  ${t}`);
    else lines.push(`    ${t[0]!.padEnd(widths[0]!)}  ${t[1]!.padStart(widths[1]!)}  ${t[2]!.padEnd(widths[2]!)}  ${t[3]}`.trimEnd());
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

const NEEDS_SERVICES: ReadonlySet<BenchName> = new Set(['pipeline', 'storage', 'api']);

export async function benchCommand(args: string[]): Promise<number> {
  const opts = parseBenchArgs(args);
  if (opts.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const summarize = (names: readonly BenchName[], sinceMs?: number): string =>
    formatBenchSummary(
      names.map((name) => ({ name, path: benchResultPath(name), read: readBenchResult(benchResultPath(name)) })),
      sinceMs,
    );
  if (opts.summaryOnly) {
    console.log(summarize(opts.benches));
    return 0;
  }

  const startedAtMs = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.startServices && opts.benches.some((b) => NEEDS_SERVICES.has(b))) {
    console.error('tickflow bench: ensuring the test services (node tools/test-services.mjs up)…');
    const up = await runChild([join(REPO_ROOT, 'tools', 'test-services.mjs'), 'up'], env, true);
    if (up.code !== 0) {
      console.error(`tickflow bench: starting the test services failed (exit ${up.code}); --no-services uses KAFKA_BROKERS / REDIS_URL as set`);
      return up.code === 130 ? 130 : 1;
    }
    // `up` prints KAFKA_BROKERS=… and REDIS_URL=…; a value the user set wins.
    for (const line of up.stdout.split('\n')) {
      const m = /^(KAFKA_BROKERS|REDIS_URL)=(\S+)$/.exec(line.trim());
      if (m && !env[m[1]!]) env[m[1]!] = m[2]!;
    }
  }

  const ran: BenchName[] = [];
  let code = 0;
  for (const [i, name] of opts.benches.entries()) {
    const script = join('bench', `${name}.bench.ts`);
    const t0 = Date.now();
    console.error(`\n[${i + 1}/${opts.benches.length}] ${name}: node --expose-gc bin/run-ts.mjs ${script}`);
    const r = await runChild(['--expose-gc', join(REPO_ROOT, 'bin', 'run-ts.mjs'), join(REPO_ROOT, script)], env, false);
    ran.push(name);
    console.error(`[${i + 1}/${opts.benches.length}] ${name}: ${r.code === 0 ? 'done' : `failed (exit ${r.code})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (r.code !== 0) {
      code = r.code === 130 ? 130 : 1;
      const skipped = opts.benches.slice(i + 1);
      if (skipped.length > 0) console.error(`tickflow bench: skipping ${skipped.join(', ')}`);
      break;
    }
  }
  console.log(summarize(ran, startedAtMs));
  return code;
}

/**
 * `node <args…>` in the repository with stdin/stderr inherited; stdout streamed through (and kept
 * when `captureStdout`). SIGINT/SIGTERM are passed on to the child, which then cleans up after itself.
 * Resolves with its exit code (130 when it ended on a signal).
 */
function runChild(args: string[], env: NodeJS.ProcessEnv, captureStdout: boolean): Promise<{ code: number; stdout: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['inherit', captureStdout ? 'pipe' : 'inherit', 'inherit'] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolveRun({ code: exitCode ?? (signal ? 130 : 1), stdout });
    });
  });
}
