/**
 * Plumbing shared by the broker benchmarks (`pipeline.bench.ts`, `storage.bench.ts`): `tickflow`
 * subcommands as child processes with their JSON logs captured, a consumer group's progress against
 * end offsets, clean-up of a run's topics and groups, machine and CPU sampling, and the driver that
 * writes bench/results/<name>.json. Benchmark-only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TICKFLOW_BIN = join(REPO_ROOT, 'bin', 'tickflow.mjs');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export const round = (v: number, digits = 0): number => Number(v.toFixed(digits));

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** An integer environment override, `fallback` when unset; throws below `min`. */
export function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer >= ${min}`);
  return n;
}

/** `[<name> 12.3s] msg` on stderr, seconds since `startedAtMs`. */
export function progressLogger(name: string, startedAtMs: number): (msg: string) => void {
  return (msg) => console.error(`[${name} ${((Date.now() - startedAtMs) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}

// ---------------------------------------------------------------------------------------------
// `tickflow <subcommand>` as a child process
// ---------------------------------------------------------------------------------------------

export interface LogLine {
  /** Bench wall clock when the line arrived, ms. */
  atMs: number;
  line: string;
  /** The parsed JSON log record; null for anything else on stderr (a stack trace, a warning). */
  json: Record<string, unknown> | null;
}

export interface TickflowChild {
  label: string;
  /** How errors name the child, e.g. `processor eos`, `tickflow store`. */
  name: string;
  proc: ChildProcess;
  logs: LogLine[];
  startedAtMs: number;
  /** Set when the process exited (code or signal), for crash detection. */
  exit: { code: number | null; signal: NodeJS.Signals | null; atMs: number } | null;
  /** True once the bench sent a signal on purpose. */
  stopping: boolean;
}

const LIVE_CHILDREN = new Set<TickflowChild>();

/** `node bin/tickflow.mjs <args…>` in the repository with environment `env`; stderr lines are kept in `logs`. */
export function startTickflow(label: string, name: string, args: readonly string[], env: NodeJS.ProcessEnv): TickflowChild {
  const startedAtMs = Date.now();
  const proc = spawn(process.execPath, [TICKFLOW_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const child: TickflowChild = { label, name, proc, logs: [], startedAtMs, exit: null, stopping: false };
  let partial = '';
  proc.stderr!.on('data', (d: Buffer) => {
    const atMs = Date.now();
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.length === 0) continue;
      let json: Record<string, unknown> | null = null;
      if (line.startsWith('{')) {
        try {
          json = JSON.parse(line) as Record<string, unknown>;
        } catch {
          json = null;
        }
      }
      child.logs.push({ atMs, line, json });
    }
  });
  proc.once('exit', (code, signal) => {
    child.exit = { code, signal, atMs: Date.now() };
    LIVE_CHILDREN.delete(child);
  });
  LIVE_CHILDREN.add(child);
  return child;
}

/**
 * Signals the child and waits for it to exit; anything but SIGKILL falls back to SIGKILL after
 * `graceMs`. Returns how it exited and whether the fallback was needed.
 */
export async function stopTickflow(
  child: TickflowChild,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 20_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
  child.stopping = true;
  if (child.exit) return { code: child.exit.code, signal: child.exit.signal, killed: false };
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill(signal);
  let killed = false;
  const timer =
    signal === 'SIGKILL'
      ? null
      : setTimeout(() => {
          killed = true;
          child.proc.kill('SIGKILL');
        }, graceMs);
  await exited;
  if (timer) clearTimeout(timer);
  return { code: child.exit!.code, signal: child.exit!.signal, killed };
}

/** SIGKILLs every child still running (error paths, Ctrl-C); synchronous, safe in an exit handler. */
export function killAllChildren(): void {
  for (const c of LIVE_CHILDREN) {
    c.stopping = true;
    c.proc.kill('SIGKILL');
  }
}

/** Fails if the child died without being asked to, quoting its last log lines. */
export function assertAlive(child: TickflowChild): void {
  if (child.exit && !child.stopping) {
    const tail = child.logs.slice(-15).map((l) => `    ${l.line}`).join('\n');
    throw new Error(`${child.name} exited unexpectedly (code ${child.exit.code}, signal ${child.exit.signal}); last log lines:\n${tail}`);
  }
}

/** Waits for the first log record whose `msg` is `msg`; returns it with the time it was logged. */
export async function waitForLog(child: TickflowChild, msg: string, timeoutMs: number, from = 0): Promise<{ line: LogLine; loggedAtMs: number }> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const line = child.logs.slice(from).find((l) => l.json?.['msg'] === msg);
    if (line) return { line, loggedAtMs: logTime(line) };
    assertAlive(child);
    if (Date.now() > deadline) throw new Error(`${child.name}: no "${msg}" log line within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** When the child wrote a line (its `time` field), falling back to when the bench read it. */
export function logTime(l: LogLine): number {
  const t = typeof l.json?.['time'] === 'string' ? Date.parse(l.json['time']) : Number.NaN;
  return Number.isFinite(t) ? t : l.atMs;
}

/** Warnings, errors and non-JSON stderr output of a child: evidence for the report. */
export function logIssues(child: TickflowChild, limit = 10): { count: number; first: string[] } {
  const bad = child.logs.filter((l) => l.json === null || l.json['level'] === 'warn' || l.json['level'] === 'error');
  return { count: bad.length, first: bad.slice(0, limit).map((l) => l.line.slice(0, 400)) };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; null elsewhere or once it is gone). */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // proc(5) fields 14 and 15 (utime, stime), counted after the command name; 100 ticks/s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer groups and a run's topics on the shared broker
// ---------------------------------------------------------------------------------------------

/**
 * The group's committed offsets on the partitions of `ends` (`topic:partition` → end offset): their
 * sum and whether every partition reached its end.
 */
export async function committedProgress(admin: Admin, groupId: string, ends: Map<string, number>): Promise<{ committed: number; caughtUp: boolean }> {
  const topics = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
  const fetched = await admin.fetchOffsets({ groupId, topics });
  const seen = new Map<string, number>();
  for (const t of fetched) for (const p of t.partitions) seen.set(`${t.topic}:${p.partition}`, Number(p.offset));
  let committed = 0;
  let caughtUp = true;
  for (const [key, end] of ends) {
    const c = seen.get(key) ?? -1;
    if (c > 0) committed += c;
    if (c < end) caughtUp = false;
  }
  return { committed, caughtUp };
}

export interface CatchUpOptions {
  admin: Admin;
  groupId: string;
  /** `topic:partition` → end offset the group must commit up to. */
  ends: Map<string, number>;
  /** Records to commit in all (for progress lines and the rate after the first commit). */
  total: number;
  /** The consumer whose group it is: polling fails if it dies. */
  child: TickflowChild;
  /** Names the consumer in progress lines and the timeout error. */
  label: string;
  timeoutMs: number;
  progress: (msg: string) => void;
}

/**
 * Polls the group's committed offsets every 100 ms until they reach `ends` on every partition (a
 * progress line every 3 s). Returns when that was seen, the first poll that saw a commit, and the
 * rate from that poll on (NaN when it caught up on the first commit).
 */
export async function waitForCatchUp(o: CatchUpOptions): Promise<{ endAt: number; first: { atMs: number; committed: number } | null; perSecAfterFirstCommit: number }> {
  let first: { atMs: number; committed: number } | null = null;
  let lastPrint = Date.now();
  let lastPrintCommitted = 0;
  const deadline = Date.now() + o.timeoutMs;
  while (true) {
    assertAlive(o.child);
    const now = Date.now();
    const p = await committedProgress(o.admin, o.groupId, o.ends);
    if (p.committed > 0 && !first) first = { atMs: now, committed: p.committed };
    if (p.caughtUp) {
      const perSecAfterFirstCommit = first && now > first.atMs ? (o.total - first.committed) / ((now - first.atMs) / 1000) : Number.NaN;
      return { endAt: now, first, perSecAfterFirstCommit };
    }
    if (now - lastPrint >= 3000) {
      o.progress(`  ${o.label}: ${fmt(p.committed)} / ${fmt(o.total)} records committed (${fmt(((p.committed - lastPrintCommitted) * 1000) / (now - lastPrint))}/s)`);
      lastPrint = now;
      lastPrintCommitted = p.committed;
    }
    if (now > deadline) throw new Error(`${o.label}: ${p.committed} of ${o.total} records committed after ${o.timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Deletes every topic whose name starts with one of `prefixes`; returns how many. */
export async function deleteTopicsWithPrefixes(admin: Admin, prefixes: readonly string[]): Promise<number> {
  const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  return topics.length;
}

/** Deletes this run's topics and consumer groups (names starting with one of `prefixes`); `under` names them in the log. */
export async function deleteRunTopicsAndGroups(admin: Admin, prefixes: readonly string[], under: string, progress: (msg: string) => void): Promise<void> {
  try {
    const n = await deleteTopicsWithPrefixes(admin, prefixes);
    progress(`cleanup: deleted ${n} topic(s) under ${under}`);
  } catch (err) {
    progress(`cleanup: deleting topics failed: ${String(err)}`);
  }
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => prefixes.some((p) => g.startsWith(p)));
    if (groups.length > 0) await admin.deleteGroups(groups);
  } catch {
    /* groups of killed members stay until their session expires; the broker removes empty groups later */
  }
}

// ---------------------------------------------------------------------------------------------
// The machine: what it is, and what it did while a phase ran
// ---------------------------------------------------------------------------------------------

export const loadavg = (): number[] => os.loadavg().map((v) => round(v, 2));

/** The result's `machine` block: the host, load averages at start and end, the broker, then `extra`. */
export function machineInfo(loadavgStart: number[], brokers: readonly string[], extra: Record<string, unknown>): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    total_mem_mb: Math.round(os.totalmem() / 2 ** 20),
    loadavg_start: loadavgStart,
    loadavg_end: loadavg(),
    broker: `${brokers.join(',')} (shared single-node Kafka of tools/test-services.mjs, same machine)`,
    ...extra,
  };
}

export interface CpuSample {
  atMs: number;
  /** Jiffies busy / total over all CPUs, from /proc/stat (null off Linux). */
  busy: number | null;
  total: number | null;
  /** CPU seconds of this process (user + system). */
  selfCpuS: number;
}

export function sampleCpu(): CpuSample {
  const self = process.cpuUsage();
  let busy: number | null = null;
  let total: number | null = null;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    total = v.reduce((a, b) => a + b, 0);
    busy = total - (v[3] ?? 0) - (v[4] ?? 0); // minus idle and iowait
  } catch {
    /* not Linux */
  }
  return { atMs: Date.now(), busy, total, selfCpuS: (self.user + self.system) / 1e6 };
}

/**
 * What the machine did between two samples: share of all cores busy (everything, this bench and its
 * children included), the bench process's own CPU, and the load averages at the end.
 */
export function cpuBetween(a: CpuSample, b: CpuSample, childCpuS = 0): Record<string, number | null | number[]> {
  const seconds = (b.atMs - a.atMs) / 1000;
  const cores = os.cpus().length;
  const busyShare = a.busy !== null && b.busy !== null && a.total !== null && b.total !== null && b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : null;
  const selfCpu = b.selfCpuS - a.selfCpuS;
  const ours = selfCpu + childCpuS;
  return {
    seconds: round(seconds, 1),
    machine_busy_pct: busyShare === null ? null : round(busyShare * 100, 0),
    bench_cpu_s: round(ours, 1),
    // What the rest of the machine (other jobs, the shared broker) used, in cores on average.
    others_cores: busyShare === null || seconds <= 0 ? null : round(Math.max(0, busyShare * cores - ours / seconds), 2),
    loadavg_end: loadavg(),
  };
}

// ---------------------------------------------------------------------------------------------
// The result file and the summary
// ---------------------------------------------------------------------------------------------

function gitInfo(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim().length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/**
 * The first fields of a result: when, at which commit of which worktree, the headline numbers `out`,
 * the targets and whether each was met (≥ for the keys in `atLeast`, ≤ for the others; null where
 * `out` has no number for it).
 */
export function resultHead(
  out: Record<string, unknown>,
  targets: Readonly<Record<string, number>>,
  atLeast: readonly string[],
): Record<string, unknown> & { targets: Readonly<Record<string, number>>; met: Record<string, boolean | null> } {
  const git = gitInfo();
  const met = Object.fromEntries(
    Object.entries(targets).map(([key, target]) => {
      const v = out[key];
      return [key, typeof v !== 'number' ? null : atLeast.includes(key) ? v >= target : v <= target];
    }),
  );
  return { generated_at: new Date().toISOString(), commit: git.commit, worktree_dirty: git.dirty, ...out, targets, met };
}

/** The summary's heading line, and formatters of a value (`show`) and of a target's verdict (`mark`). */
export function summaryFormat(name: string, r: Record<string, unknown>): { heading: string; show: (v: unknown, unit: string) => string; mark: (key: string) => string } {
  const met = r['met'] as Record<string, boolean | null>;
  return {
    heading: `tickflow ${name} benchmark — ${String(r['commit'] ?? '?').slice(0, 10)}, ${String(r['generated_at'])}, ${String(r['runtime_s'])} s`,
    show: (v, unit) => (typeof v === 'number' ? `${v.toLocaleString('en-US')} ${unit}` : 'not run'),
    mark: (k) => (met[k] === null || met[k] === undefined ? '' : met[k] ? '  ✓ target met' : '  ✗ target missed'),
  };
}

export interface BenchMainOptions {
  /** `pipeline`, `storage`: bench/results/<name>.json and the failure message. */
  name: string;
  brokers: readonly string[];
  /** Kafka client id of the admin that cleans up after SIGINT/SIGTERM. */
  cleanupClientId: string;
  progress: (msg: string) => void;
  run: () => Promise<Record<string, unknown>>;
  summary: (result: Record<string, unknown>) => string;
  /** The progress line on SIGINT/SIGTERM, after `<signal>: `. */
  onSignalMessage: string;
  /** Removes the run's topics, groups (and anything else it left on the services); after a signal. */
  cleanUp: (admin: Admin) => Promise<void>;
  /** Synchronous clean-up besides killing the children (temp dirs), on exit and on a signal. */
  cleanUpSync?: () => void;
  /** Extra output when the run fails, before exit code 1. */
  onFailure?: () => void;
}

/**
 * The benchmark as a script: on SIGINT/SIGTERM the children are killed and the run's topics removed
 * (exit 130), on any exit the children are killed; the result goes to bench/results/<name>.json
 * and its summary to stdout (exit 0), a failure to stderr (exit 1).
 */
export async function benchMain(o: BenchMainOptions): Promise<void> {
  const onSignal = (signal: NodeJS.Signals): void => {
    o.progress(`${signal}: ${o.onSignalMessage}`);
    killAllChildren();
    o.cleanUpSync?.();
    const admin = new Kafka({ clientId: o.cleanupClientId, brokers: [...o.brokers], logLevel: logLevel.NOTHING }).admin();
    const cleanup = admin.connect().then(() => o.cleanUp(admin)).finally(() => admin.disconnect());
    void Promise.race([cleanup, sleep(15_000)]).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    killAllChildren();
    o.cleanUpSync?.();
  });
  try {
    const result = await o.run();
    const file = join(REPO_ROOT, 'bench', 'results', `${o.name}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(o.summary(result));
    console.error(`wrote ${file}`);
    process.exit(0);
  } catch (err) {
    console.error(`${o.name} benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    o.onFailure?.();
    process.exit(1);
  }
}
