// The apps as child processes for whole-system tests: `tickflow …` with captured logs, polling
// until a condition holds, and the live chain (ingest simulate → process → api) on fresh topics.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createTopics, ensureServices, kafkaClient } from '../../apps/processor/test/kafka-harness';
import { REPO_ROOT, TICKFLOW_BIN } from '../../apps/processor/test/shared-data';

/** A `tickflow` child process; `logs` holds its stdout and stderr lines. */
export type Proc = ChildProcess & { logs: string[] };

export function tickflow(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [TICKFLOW_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) as Proc;
  child.logs = [];
  const keep = (d: Buffer): void => void child.logs.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

/** Signals the process and resolves with its exit code (null when it died of a signal). */
export async function stop(child: Proc | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/** Polls `probe` every 200 ms until truthy; fails early, with its last log lines, if one of `procs` exits. */
export async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs: number, procs: Proc[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) throw new Error(`a process exited (${p.exitCode ?? p.signalCode}) while waiting for ${what}:\n${p.logs.slice(-10).join('\n')}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface LiveChainOptions {
  /** Topic prefix, key name and temp-dir stem, e.g. `e2elive`. */
  name: string;
  /** `tickflow ingest simulate` arguments. */
  simulate: string[];
}

/**
 * `tickflow api` → `tickflow process` → `tickflow ingest simulate` on topics under a fresh prefix,
 * with an API key from `tickflow keys create`. `stop()` kills the processor and simulator, stops the
 * API with SIGTERM, revokes the key, deletes the topics and returns the API's exit code.
 */
export class LiveChain {
  readonly prefix: string;
  kafka!: Kafka;
  env: Record<string, string> = {};
  apiKey = '';
  keyId = '';
  baseUrl = '';
  api: Proc | null = null;
  processor: Proc | null = null;
  ingest: Proc | null = null;
  private admin: Admin | null = null;
  private chDir = '';

  constructor(private readonly opts: LiveChainOptions) {
    this.prefix = `${opts.name}${process.pid}x${Date.now()}.`;
  }

  /** The processes still expected to run (for `until`). */
  get running(): Proc[] {
    return [this.api, this.processor].filter((p): p is Proc => p !== null);
  }

  async start(): Promise<void> {
    const { brokers, redisUrl } = ensureServices();
    this.kafka = kafkaClient(brokers);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await createTopics(this.admin, this.prefix, 2);
    this.chDir = mkdtempSync(join(tmpdir(), `tickflow-${this.opts.name}-`));
    this.env = { KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: this.prefix, TICKFLOW_CLICKHOUSE_PATH: this.chDir, TICKFLOW_LAKE_DIR: this.chDir };
    const created = execFileSync(process.execPath, [TICKFLOW_BIN, 'keys', 'create', '--owner', this.opts.name, '--name', this.prefix], { cwd: REPO_ROOT, env: { ...process.env, ...this.env }, encoding: 'utf8' });
    this.apiKey = /^(tf_\S+)$/m.exec(created)![1]!;
    this.keyId = /created key (\w+)/.exec(created)![1]!;

    const api = (this.api = tickflow(['api', '--port', '0'], this.env));
    const listening = await until('the API to listen', () => api.logs.map((l) => /"msg":"api listening".*"url":"([^"]+)"/.exec(l)).find(Boolean), 120_000, [api]);
    this.baseUrl = listening[1]!;
    const processor = (this.processor = tickflow(['process', '--metrics-port', '0', '--checkpoint-ms', '1000', '--group', `${this.prefix}processor`], this.env));
    await until('the processor to join its group', () => processor.logs.some((l) => l.includes('"joined consumer group"')), 120_000, [processor]);
    this.ingest = tickflow(['ingest', 'simulate', ...this.opts.simulate], this.env);
  }

  async stop(): Promise<number | null> {
    await stop(this.ingest, 'SIGKILL');
    await stop(this.processor, 'SIGKILL');
    const apiExit = await stop(this.api);
    if (this.keyId) execFileSync(process.execPath, [TICKFLOW_BIN, 'keys', 'revoke', this.keyId], { cwd: REPO_ROOT, env: { ...process.env, ...this.env } });
    if (this.admin) {
      const ours = (await this.admin.listTopics()).filter((t) => t.startsWith(this.prefix));
      await this.admin.deleteTopics({ topics: ours }).catch(() => undefined);
      await this.admin.disconnect();
    }
    if (this.chDir) rmSync(this.chDir, { recursive: true, force: true });
    return apiExit;
  }
}
