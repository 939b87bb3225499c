/**
 * Plumbing of `pipeline.bench.ts`: `tickflow process` as a child process, topic namespaces on the
 * shared broker, committed-offset progress, a wall-clock-paced simulated feed and a topic tail.
 * Benchmark-only; the processor itself is used exactly as an operator would run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Redis } from 'ioredis';
import { MarketDataProducer, MarketSimulator, type ProducerEvent, type SimEvent } from '@tickflow/ingestion';
import { RAW_TOPICS, TOPICS } from '@tickflow/operators';

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

// ---------------------------------------------------------------------------------------------
// The processor as a child process
// ---------------------------------------------------------------------------------------------

export interface LogLine {
  /** Bench wall clock when the line arrived, ms. */
  atMs: number;
  line: string;
  /** The parsed JSON log record; null for anything else on stderr (a stack trace, a warning). */
  json: Record<string, unknown> | null;
}

export interface ProcessorChild {
  label: string;
  proc: ChildProcess;
  logs: LogLine[];
  startedAtMs: number;
  /** Set when the process exited (code or signal), for crash detection. */
  exit: { code: number | null; signal: NodeJS.Signals | null; atMs: number } | null;
  /** True once the bench sent a signal on purpose. */
  stopping: boolean;
}

const LIVE_CHILDREN = new Set<ProcessorChild>();

/** `node bin/tickflow.mjs process --metrics-port 0 …` with `env` added to the bench's environment. */
export function startProcessor(label: string, env: Record<string, string>, extraArgs: readonly string[] = []): ProcessorChild {
  const startedAtMs = Date.now();
  const proc = spawn(process.execPath, [TICKFLOW_BIN, 'process', '--metrics-port', '0', ...extraArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const child: ProcessorChild = { label, proc, logs: [], startedAtMs, exit: null, stopping: false };
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

/** Signals the child and waits for it to exit; SIGTERM falls back to SIGKILL after `graceMs`. */
export async function stopProcessor(child: ProcessorChild, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
  child.stopping = true;
  if (child.exit) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill(signal);
  if (signal === 'SIGKILL') return exited;
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** SIGKILLs every processor still running (error paths, Ctrl-C); synchronous, safe in an exit handler. */
export function killAllProcessors(): void {
  for (const c of LIVE_CHILDREN) {
    c.stopping = true;
    c.proc.kill('SIGKILL');
  }
}

/** Fails if the child died without being asked to, quoting its last log lines. */
export function assertAlive(child: ProcessorChild): void {
  if (child.exit && !child.stopping) {
    const tail = child.logs.slice(-15).map((l) => `    ${l.line}`).join('\n');
    throw new Error(`processor ${child.label} exited unexpectedly (code ${child.exit.code}, signal ${child.exit.signal}); last log lines:\n${tail}`);
  }
}

/** Waits for the first log record whose `msg` is `msg`; returns it with the time it was logged. */
export async function waitForLog(child: ProcessorChild, msg: string, timeoutMs: number, from = 0): Promise<{ line: LogLine; loggedAtMs: number }> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const line = child.logs.slice(from).find((l) => l.json?.['msg'] === msg);
    if (line) return { line, loggedAtMs: logTime(line) };
    assertAlive(child);
    if (Date.now() > deadline) throw new Error(`processor ${child.label}: no "${msg}" log line within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** When the processor wrote a line (its `time` field), falling back to when the bench read it. */
export function logTime(l: LogLine): number {
  const t = typeof l.json?.['time'] === 'string' ? Date.parse(l.json['time']) : Number.NaN;
  return Number.isFinite(t) ? t : l.atMs;
}

/** CPU seconds (user + system) the child has used so far, from /proc (Linux; null elsewhere). */
export function cpuSeconds(child: ProcessorChild): number | null {
  try {
    const stat = readFileSync(`/proc/${child.proc.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime), counted after the command name; 100 ticks/s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Warnings, errors and non-JSON stderr output of a processor: evidence for the report. */
export function logIssues(child: ProcessorChild, limit = 10): { count: number; first: string[] } {
  const bad = child.logs.filter((l) => l.json === null || l.json['level'] === 'warn' || l.json['level'] === 'error');
  return { count: bad.length, first: bad.slice(0, limit).map((l) => l.line.slice(0, 400)) };
}

// ---------------------------------------------------------------------------------------------
// Topics, offsets, groups, Redis keys
// ---------------------------------------------------------------------------------------------

/** Every catalogue topic under `prefix`; raw topics get `rawPartitions`, the others 2. */
export async function createCatalogue(admin: Admin, prefix: string, rawPartitions: number): Promise<void> {
  const raw = new Set<string>(RAW_TOPICS);
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(TOPICS).map((t) => ({ topic: prefix + t, numPartitions: raw.has(t) ? rawPartitions : 2, replicationFactor: 1 })),
  });
}

/** Deletes every topic whose name starts with one of `prefixes`; returns how many. */
export async function deleteTopicsWithPrefixes(admin: Admin, prefixes: readonly string[]): Promise<number> {
  const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  return topics.length;
}

/** High watermark per `topic:partition` of the raw topics under `prefix`, and per-topic totals. */
export async function rawEndOffsets(admin: Admin, prefix: string): Promise<{ ends: Map<string, number>; perTopic: Record<string, number>; total: number }> {
  const ends = new Map<string, number>();
  const perTopic: Record<string, number> = {};
  let total = 0;
  for (const t of RAW_TOPICS) {
    const offsets = await admin.fetchTopicOffsets(prefix + t);
    let n = 0;
    for (const o of offsets) {
      ends.set(`${prefix + t}:${o.partition}`, Number(o.high));
      n += Number(o.high) - Number(o.low);
    }
    perTopic[t] = n;
    total += n;
  }
  return { ends, perTopic, total };
}

/** The group's committed offsets over the raw topics: their sum and whether every partition reached `ends`. */
export async function committedProgress(admin: Admin, prefix: string, groupId: string, ends: Map<string, number>): Promise<{ committed: number; caughtUp: boolean }> {
  const fetched = await admin.fetchOffsets({ groupId, topics: RAW_TOPICS.map((t) => prefix + t) });
  let committed = 0;
  let caughtUp = true;
  const seen = new Map<string, number>();
  for (const t of fetched) for (const p of t.partitions) seen.set(`${t.topic}:${p.partition}`, Number(p.offset));
  for (const [key, end] of ends) {
    const c = seen.get(key) ?? -1;
    if (c > 0) committed += c;
    if (c < end) caughtUp = false;
  }
  return { committed, caughtUp };
}

/** Sum of the group's committed offsets over the raw topics (grows at each committed checkpoint). */
export async function committedSum(admin: Admin, prefix: string, groupId: string): Promise<number> {
  const fetched = await admin.fetchOffsets({ groupId, topics: RAW_TOPICS.map((t) => prefix + t) });
  return fetched.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Deletes Redis keys matching `pattern` (SCAN, never KEYS); returns how many. */
export async function deleteRedisKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// A simulated feed paced to the wall clock
// ---------------------------------------------------------------------------------------------

export interface PacedFeedOptions {
  prefix: string;
  /** Target records per second over the three raw topics. */
  eventsPerSec: number;
  symbols: number;
  seed: number;
}

export interface PacedFeedStats {
  events: number;
  trades: number;
  elapsedMs: number;
  eventsPerSec: number;
  /** Largest delay between an event's due time (its event time) and its hand-over to the producer. */
  maxBehindMs: number;
}

/**
 * The market simulator live (event time = now), sent through `MarketDataProducer` (the ingestion
 * path: key = symbol, `event-ts` header, Avro). Every trade's and quote's `ingest_ts` is overwritten
 * with the wall clock at hand-over to the producer, so an output's `ingest_ts` tells when its input
 * was produced. The trade rate is derived from the event budget: per trade one trade and two quotes,
 * plus one book per symbol per second.
 */
export class PacedFeed {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly producer: MarketDataProducer;
  private events = 0;
  private trades = 0;
  private maxBehindMs = 0;
  private startedAtMs = 0;
  private stoppedAtMs = 0;
  private failure: unknown = null;
  /** Wall clock of the last hand-over to the producer. */
  lastSendMs = 0;

  constructor(
    kafka: Kafka,
    private readonly o: PacedFeedOptions,
  ) {
    this.producer = new MarketDataProducer({ kafka, topicPrefix: o.prefix });
  }

  static tradesPerSecond(eventsPerSec: number, symbols: number): number {
    return Math.max(1, (eventsPerSec - symbols) / 3);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.startedAtMs = Date.now();
    const sim = new MarketSimulator({
      seed: this.o.seed,
      symbols: this.o.symbols,
      startTimeMs: this.startedAtMs,
      tradesPerSecond: PacedFeed.tradesPerSecond(this.o.eventsPerSec, this.o.symbols),
      quotesPerTrade: 2,
      bookEveryMs: 1000,
    });
    this.loop = this.run(sim).catch((err: unknown) => {
      this.failure = err;
    });
  }

  get failed(): unknown {
    return this.failure;
  }

  private async run(sim: MarketSimulator): Promise<void> {
    let pending: SimEvent = sim.next();
    while (!this.stopped) {
      const now = Date.now();
      const batch: ProducerEvent[] = [];
      while (eventTime(pending) <= now) {
        const behind = now - eventTime(pending);
        if (behind > this.maxBehindMs) this.maxBehindMs = behind;
        if (pending.kind === 'trade') {
          batch.push({ kind: 'trade', value: { ...pending.value, ingest_ts: now } });
          this.trades++;
        } else if (pending.kind === 'quote') batch.push({ kind: 'quote', value: { ...pending.value, ingest_ts: now } });
        else if (pending.kind === 'book') batch.push(pending);
        pending = sim.next();
      }
      if (batch.length > 0) {
        this.lastSendMs = now;
        await this.producer.send(batch);
        this.events += batch.length;
      }
      const wait = eventTime(pending) - Date.now();
      if (wait > 0) await sleep(Math.min(wait, 5));
    }
  }

  async stop(): Promise<PacedFeedStats> {
    this.stopped = true;
    await this.loop;
    this.stoppedAtMs = Date.now();
    await this.producer.close();
    if (this.failure) throw this.failure;
    const elapsedMs = this.stoppedAtMs - this.startedAtMs;
    return { events: this.events, trades: this.trades, elapsedMs, eventsPerSec: Math.round((this.events * 1000) / Math.max(1, elapsedMs)), maxBehindMs: this.maxBehindMs };
  }
}

function eventTime(e: SimEvent): number {
  return e.kind === 'raw' ? 0 : e.value.timestamp_ms;
}

// ---------------------------------------------------------------------------------------------
// Reading a topic as it is written
// ---------------------------------------------------------------------------------------------

/**
 * A consumer of `topic` from the beginning (read_committed, fresh group), calling `onBatch` with the
 * bench clock at each fetched batch. Resolves once the consumer has joined its group.
 */
export async function tailTopic(kafka: Kafka, topic: string, groupId: string, onBatch: (batch: EachBatchPayload['batch'], nowMs: number) => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 20, sessionTimeout: 10_000 });
  let joined!: () => void;
  const joinedP = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      onBatch(batch, Date.now());
    },
  });
  await Promise.race([joinedP, sleep(60_000).then(() => Promise.reject(new Error(`reader of ${topic} did not join its group within 60 s`)))]);
  return consumer;
}
