/**
 * `npm run bench:pipeline` — the processor end to end on the real broker and Redis (design §3):
 * sustained throughput with exactly-once on and off, the raw-consumer ceiling, produce → provisional
 * output latency, checkpoint cost for 10,000 symbols, and restart after SIGKILL. Writes
 * bench/results/pipeline.json and prints a summary; progress goes to stderr. Takes ~5–10 minutes.
 *
 * Needs the test services (`node tools/test-services.mjs up`; the npm script runs it). The broker and
 * Redis are shared: every run uses its own topic prefix, consumer groups and Redis keys, and deletes
 * them at the end. Processors are `node bin/tickflow.mjs process` child processes, killed on any exit.
 *
 * Environment overrides (defaults in brackets). A quick run:
 *   BENCH_TRADES=20000 BENCH_LATENCY_S=10 BENCH_CKPT_SYMBOLS=2000 BENCH_RESTART_WARM_S=4 npm run bench:pipeline
 *   KAFKA_BROKERS [127.0.0.1:19092]     REDIS_URL [redis://127.0.0.1:6379]
 *   BENCH_TRADES [300000]        trades preloaded per throughput run (plus ~2 quotes each and books)
 *   BENCH_PARTITIONS [4]         partitions of each raw topic, in every phase
 *   BENCH_SYMBOLS [50]           simulated symbols, preloaded and live feeds
 *   BENCH_CHECKPOINT_MS [1000]   TICKFLOW_CHECKPOINT_MS of the throughput runs
 *   BENCH_LATENCY_RATE [10000]   live events/s of the latency phase
 *   BENCH_LATENCY_S [25]         seconds the latency phase produces; BENCH_LATENCY_WARMUP_S [5] discarded
 *   BENCH_LATENCY_CHECKPOINT_MS [10000]  TICKFLOW_CHECKPOINT_MS of the latency phase (the default)
 *   BENCH_CKPT_SYMBOLS [10000]   symbols in the checkpoint phase's task; BENCH_CKPT_RUNS [7] timed checkpoints
 *   BENCH_RESTART_RATE [2000]    live events/s of the restart phase; BENCH_RESTART_WARM_S [8] before the kill
 *   BENCH_ONLY                   comma list of phases to run: checkpoint,throughput,latency,restart
 */
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { Redis } from 'ioredis';
import { MarketSimulator, runIngest, type SymbolSpec } from '@tickflow/ingestion';
import { ProcessorTask, RAW_TOPICS, TOPICS, type OutputSink } from '@tickflow/operators';
import { decode, type ReferenceSymbol } from '@tickflow/schemas';
import { decodeSnapshot, encodeSnapshot } from '@tickflow/stream';
// Not exported by @tickflow/processor's entry: the store is reached by path (benchmark only).
import { RedisCheckpointStore } from '../apps/processor/src/checkpoint/redis-checkpoint-store';
import {
  assertAlive,
  benchMain,
  cpuSeconds,
  deleteRunTopicsAndGroups,
  envInt,
  fmt,
  killAllChildren,
  loadavg,
  logIssues,
  logTime,
  machineInfo,
  median,
  progressLogger,
  quantile,
  resultHead,
  round,
  sleep,
  stopTickflow,
  summaryFormat,
  waitForCatchUp,
  waitForLog,
  type TickflowChild,
} from './bench-kit';
import { PacedFeed, committedSum, createCatalogue, deleteRedisKeys, rawEndOffsets, startProcessor, tailTopic } from './pipeline-kit';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TRADES = envInt('BENCH_TRADES', 300_000, 1000);
const PARTITIONS = envInt('BENCH_PARTITIONS', 4, 1);
const SYMBOLS = envInt('BENCH_SYMBOLS', 50, 1);
const CHECKPOINT_MS = envInt('BENCH_CHECKPOINT_MS', 1000, 50);
const LATENCY_RATE = envInt('BENCH_LATENCY_RATE', 10_000, 100);
const LATENCY_S = envInt('BENCH_LATENCY_S', 25, 3);
const LATENCY_WARMUP_S = envInt('BENCH_LATENCY_WARMUP_S', 5, 0);
const LATENCY_CHECKPOINT_MS = envInt('BENCH_LATENCY_CHECKPOINT_MS', 10_000, 50);
const PROVISIONAL_MS = 100;
const CKPT_SYMBOLS = envInt('BENCH_CKPT_SYMBOLS', 10_000, 10);
const CKPT_RUNS = envInt('BENCH_CKPT_RUNS', 7, 5);
const RESTART_RATE = envInt('BENCH_RESTART_RATE', 2000, 100);
const RESTART_WARM_S = envInt('BENCH_RESTART_WARM_S', 8, 2);
const RESTART_CHECKPOINT_MS = 1000;
const SESSION_TIMEOUT_MS = 6000;
const PHASES = new Set((process.env.BENCH_ONLY ?? 'checkpoint,throughput,latency,restart').split(',').map((s) => s.trim()));

const TARGETS = { eos_trades_per_sec: 100_000, p99_ms: 50, checkpoint_ms: 200, restart_to_first_output_s: 5 } as const;

const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const PREFIX = {
  eos: `bench-pipe-${RUN_ID}-eos.`,
  alo: `bench-pipe-${RUN_ID}-alo.`,
  latency: `bench-pipe-${RUN_ID}-lat.`,
  restart: `bench-pipe-${RUN_ID}-rst.`,
} as const;
const ALL_PREFIXES = Object.values(PREFIX);
const CKPT_REDIS_PREFIX = `tickflow-bench:${RUN_ID}:ckpt`;
/** Where `tickflow process` keeps its snapshots: `tickflow:ckpt:<group>-p<n>:…`. */
const PROCESSOR_REDIS_PATTERNS = ALL_PREFIXES.map((p) => `tickflow:ckpt:${p}processor-p*`);

const BENCH_STARTED = Date.now();
const progress = progressLogger('pipeline', BENCH_STARTED);

function processorEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { KAFKA_BROKERS: BROKERS.join(','), REDIS_URL, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_GROUP: `${prefix}processor`, ...extra };
}

/** Processor log warnings/errors per phase: evidence if the processor misbehaved. */
const processorIssues: Record<string, { count: number; first: string[] }> = {};
function recordIssues(child: TickflowChild): void {
  const issues = logIssues(child);
  if (issues.count > 0) {
    processorIssues[child.label] = issues;
    progress(`  ! processor ${child.label} logged ${issues.count} warning/error line(s), e.g. ${issues.first[0]}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase: checkpoint cost of a task holding 10,000 symbols (in process, real Redis)
// ---------------------------------------------------------------------------------------------

class CountingSink implements OutputSink {
  count = 0;
  emit(): void {
    this.count++;
  }
}

const SECTORS = ['Technology', 'Financials', 'Health Care', 'Energy', 'Industrials', 'Consumer Discretionary', 'Utilities', 'Materials'];

async function benchCheckpoint(): Promise<Record<string, unknown>> {
  progress(`checkpoint: warming a ProcessorTask with ${fmt(CKPT_SYMBOLS)} symbols…`);
  const specs: SymbolSpec[] = Array.from({ length: CKPT_SYMBOLS }, (_, i) => ({
    symbol: `BS${String(i).padStart(5, '0')}`,
    startPrice: 10 + ((i * 37) % 490),
    sector: SECTORS[i % SECTORS.length]!,
  }));
  // Reference data for every symbol, as a deployment trading them would load; it is part of every
  // task's snapshot (broadcast state), so its share is measured separately below.
  const reference: ReferenceSymbol[] = specs.map((s) => ({
    symbol: s.symbol,
    company_name: `${s.symbol} Corp.`,
    sector: s.sector!,
    industry: 'Benchmark',
    market_cap_tier: 'MID',
    exchange: 'NASDAQ',
    updated_at: 0,
  }));
  const warmSeconds = 6;
  const tradesPerSymbol = 6;
  // Aligned to a minute so the open 1 s / 1 m windows, and so the state, are the same in every run.
  const startTimeMs = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
  const sim = new MarketSimulator({
    seed: 77,
    symbols: specs,
    startTimeMs,
    tradesPerSecond: (CKPT_SYMBOLS * tradesPerSymbol) / warmSeconds,
    quotesPerTrade: 2,
    bookEveryMs: 1000,
  });
  const sink = new CountingSink();
  const task = new ProcessorTask(sink, { taskId: 'bench-ckpt', reference, provisionalBarIntervalMs: 250 });
  const counts = { trade: 0, quote: 0, book: 0 };
  const endMs = startTimeMs + warmSeconds * 1000;
  const warmStarted = performance.now();
  for (let offset = 0; ; offset++) {
    const e = sim.next();
    if (e.kind === 'raw') continue;
    if (e.value.timestamp_ms >= endMs) break;
    const pos = { topic: TOPICS.rawTrades, partition: 0, offset };
    if (e.kind === 'trade') task.processTrade(e.value, pos);
    else if (e.kind === 'quote') task.processQuote(e.value, { ...pos, topic: TOPICS.rawMarketData });
    else task.processBook(e.value, { ...pos, topic: TOPICS.rawOrderBook });
    counts[e.kind]++;
  }
  const warmMs = performance.now() - warmStarted;
  progress(`  warmed in ${(warmMs / 1000).toFixed(1)} s: ${fmt(counts.trade)} trades, ${fmt(counts.quote)} quotes, ${fmt(counts.book)} books; ${fmt(task.symbolCount)} symbols with final bars`);

  const referenceOnly = new ProcessorTask(new CountingSink(), { taskId: 'bench-ckpt', reference }).snapshot().byteLength;
  const store = new RedisCheckpointStore({ url: REDIS_URL, prefix: CKPT_REDIS_PREFIX });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const runs: Array<{ snapshot_ms: number; save_ms: number; total_ms: number; bytes: number }> = [];
  try {
    const epoch = await store.claim('bench-ckpt');
    // One untimed round trip first: connection set-up and the Lua script load are not a checkpoint's cost.
    await store.save('bench-ckpt', epoch, [0, 0, 0], task.snapshot());
    for (let i = 1; i <= CKPT_RUNS; i++) {
      const t0 = performance.now();
      const bytes = task.snapshot();
      const t1 = performance.now();
      await store.save('bench-ckpt', epoch, [i * 1000, i * 2000, i * 10], bytes);
      const t2 = performance.now();
      runs.push({ snapshot_ms: round(t1 - t0, 2), save_ms: round(t2 - t1, 2), total_ms: round(t2 - t0, 2), bytes: bytes.byteLength });
      progress(`  checkpoint ${i}/${CKPT_RUNS}: ${(t2 - t0).toFixed(1)} ms (snapshot ${(t1 - t0).toFixed(1)} + Redis ${(t2 - t1).toFixed(1)}), ${fmt(bytes.byteLength)} bytes`);
      await sleep(100);
    }
  } finally {
    await store.close();
    const removed = await deleteRedisKeys(redis, `${CKPT_REDIS_PREFIX}:*`).catch(() => -1);
    progress(`  removed ${removed} Redis key(s) under ${CKPT_REDIS_PREFIX}`);
    redis.disconnect();
  }
  const bytes = runs[runs.length - 1]!.bytes;
  // Where the bytes go: each top-level part of the snapshot encoded on its own.
  const parts = decodeSnapshot(task.snapshot()) as Record<string, unknown>;
  const breakdown = Object.fromEntries(
    Object.entries(parts)
      .map(([k, v]) => [k, encodeSnapshot(v).byteLength] as const)
      .sort((a, b) => b[1] - a[1]),
  );
  return {
    checkpoint_ms: round(median(runs.map((r) => r.total_ms)), 1),
    snapshot_ms: round(median(runs.map((r) => r.snapshot_ms)), 1),
    redis_save_ms: round(median(runs.map((r) => r.save_ms)), 1),
    state_bytes_per_symbol: Math.round(bytes / CKPT_SYMBOLS),
    snapshot_bytes: bytes,
    reference_bytes: referenceOnly,
    state_bytes_per_symbol_without_reference: Math.round((bytes - referenceOnly) / CKPT_SYMBOLS),
    dedup_trade_ids: counts.trade,
    snapshot_bytes_by_part: breakdown,
    symbols: CKPT_SYMBOLS,
    symbols_with_final_bars: task.symbolCount,
    warm_input: { ...counts, event_time_s: warmSeconds, provisional_ms: 250 },
    runs,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase: throughput through the broker (preloaded raw topics), EOS vs at-least-once, raw ceiling
// ---------------------------------------------------------------------------------------------

async function preload(kafka: Kafka, admin: Admin, prefix: string, label: string): Promise<{ events: number; trades: number; perTopic: Record<string, number>; ingest_s: number }> {
  await createCatalogue(admin, prefix, PARTITIONS);
  progress(`${label}: preloading ${fmt(TRADES)} trades (+ quotes and books) into ${prefix}raw.* (${PARTITIONS} partitions)…`);
  let lastPrint = 0;
  const summary = await runIngest({
    mode: 'simulate',
    kafka,
    topicPrefix: prefix,
    count: TRADES,
    paced: false,
    maxInFlight: 2,
    simulator: { seed: 20_260_101, symbols: SYMBOLS, startTimeMs: Date.UTC(2026, 0, 5, 14, 30), tradesPerSecond: 1000 },
    onProgress: (p) => {
      if (p.done || Date.now() - lastPrint > 3000) {
        lastPrint = Date.now();
        progress(`  ${label} preload: ${fmt(p.sent)} records sent (${fmt(p.rate)}/s)${p.done ? ' — done' : ''}`);
      }
    },
  });
  const ends = await rawEndOffsets(admin, prefix);
  return { events: ends.total, trades: summary.sent['raw.trades'], perTopic: ends.perTopic, ingest_s: round(summary.elapsedMs / 1000, 1) };
}

async function rawConsume(kafka: Kafka, admin: Admin, prefix: string): Promise<Record<string, unknown>> {
  const { total } = await rawEndOffsets(admin, prefix);
  progress(`raw consumer: reading ${fmt(total)} records with a plain kafkajs consumer (read_committed, eachBatch counting)…`);
  const consumer = kafka.consumer({ groupId: `${prefix}raw-reader`, readUncommitted: false });
  let count = 0;
  let joinedAt = 0;
  let firstBatchAt = 0;
  let doneAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt ||= Date.now()));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: RAW_TOPICS.map((t) => prefix + t), fromBeginning: true });
    const runAt = Date.now();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        firstBatchAt ||= Date.now();
        count += batch.messages.length;
        if (count >= total && !doneAt) {
          doneAt = Date.now();
          done();
        }
      },
    });
    const timeout = sleep(300_000).then(() => 'timeout' as const);
    const ticker = setInterval(() => progress(`  raw consumer: ${fmt(count)} / ${fmt(total)}`), 2000);
    const r = await Promise.race([finished.then(() => 'ok' as const), timeout]);
    clearInterval(ticker);
    if (r === 'timeout') throw new Error(`raw consumer read only ${count} of ${total} records in 300 s`);
    const seconds = (doneAt - (joinedAt || runAt)) / 1000;
    progress(`  raw consumer: ${fmt(total / seconds)} records/s`);
    return { records: total, seconds: round(seconds, 2), records_per_sec: Math.round(total / seconds), clock_start: 'consumer group joined', first_batch_after_join_ms: firstBatchAt - (joinedAt || runAt) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

async function processorThroughput(admin: Admin, prefix: string, label: 'eos' | 'alo', trades: number): Promise<Record<string, unknown>> {
  const { ends, total } = await rawEndOffsets(admin, prefix);
  const groupId = `${prefix}processor`;
  const args = label === 'alo' ? ['--at-least-once'] : [];
  progress(`${label}: tickflow process${args.map((a) => ` ${a}`).join('')} — ${fmt(total)} records (${fmt(trades)} trades), checkpoint every ${CHECKPOINT_MS} ms`);
  const child = startProcessor(label, processorEnv(prefix, { TICKFLOW_CHECKPOINT_MS: String(CHECKPOINT_MS) }), args);
  try {
    const started = await waitForLog(child, 'processor started', 120_000);
    const t0 = started.loggedAtMs;
    const cpuAtStart = cpuSeconds(child.proc.pid);
    progress(`  ${label}: "processor started" ${((t0 - child.startedAtMs) / 1000).toFixed(1)} s after spawn`);
    const { endAt, first, perSecAfterFirstCommit: sustained } = await waitForCatchUp({ admin, groupId, ends, total, child, label, timeoutMs: 900_000, progress });
    const seconds = (endAt - t0) / 1000;
    const cpuAtEnd = cpuSeconds(child.proc.pid);
    const cpu = cpuAtStart !== null && cpuAtEnd !== null ? cpuAtEnd - cpuAtStart : null;
    const tasks = child.logs.filter((l) => l.json?.['msg'] === 'task started').length;
    progress(`  ${label}: caught up in ${seconds.toFixed(1)} s — ${fmt(trades / seconds)} trades/s, ${fmt(total / seconds)} events/s`);
    return {
      trades,
      events: total,
      seconds: round(seconds, 2),
      trades_per_sec: Math.round(trades / seconds),
      events_per_sec: Math.round(total / seconds),
      clock_start: '"processor started" log line (after start-up and the group join; includes task init and the last checkpoint)',
      clock_end: 'committed offsets of the group = end offsets on every raw partition (polled every 100 ms)',
      first_commit_after_start_s: first ? round((first.atMs - t0) / 1000, 2) : null,
      events_per_sec_after_first_commit: Number.isFinite(sustained) ? Math.round(sustained) : null,
      startup_s: round((t0 - child.startedAtMs) / 1000, 2),
      processor_cpu_s: cpu === null ? null : round(cpu, 2),
      processor_cpu_share: cpu === null ? null : round(cpu / seconds, 2),
      tasks_started: tasks,
    };
  } finally {
    await stopTickflow(child, 'SIGTERM');
    recordIssues(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase: produce → provisional output latency at 10,000 events/s
// ---------------------------------------------------------------------------------------------

async function benchLatency(kafka: Kafka, admin: Admin): Promise<Record<string, unknown>> {
  const prefix = PREFIX.latency;
  await createCatalogue(admin, prefix, PARTITIONS);
  progress(`latency: ${fmt(LATENCY_RATE)} live events/s for ${LATENCY_S} s over ${SYMBOLS} symbols, TICKFLOW_PROVISIONAL_MS=${PROVISIONAL_MS} (first ${LATENCY_WARMUP_S} s discarded)`);
  const child = startProcessor('latency', processorEnv(prefix, { TICKFLOW_PROVISIONAL_MS: String(PROVISIONAL_MS), TICKFLOW_CHECKPOINT_MS: String(LATENCY_CHECKPOINT_MS) }));
  let reader: Consumer | null = null;
  const feed = new PacedFeed(kafka, { prefix, eventsPerSec: LATENCY_RATE, symbols: SYMBOLS, seed: 31_337 });
  let feedRunning = false;
  const samples: number[] = [];
  /** Worst latency per second of the measured window (checkpoint stalls show up here). */
  const worstBySecond: number[] = [];
  const commitsAt: number[] = [];
  let bars = 0;
  let measureFrom = Number.POSITIVE_INFINITY;
  try {
    await waitForLog(child, 'processor started', 120_000);
    reader = await tailTopic(kafka, prefix + TOPICS.liveBars, `${prefix}live-reader`, (batch, nowMs) => {
      for (const m of batch.messages) {
        const r = decode('MicroBar', m.value);
        if (!r.ok) throw new Error(`ta.live.v1 record does not decode: ${r.error.message}`);
        bars++;
        // ingest_ts of a provisional bar = the largest ingest_ts of its trades = the produce time of
        // the trade that triggered it (a symbol's trades are produced in order).
        if (!r.value.is_final && r.value.ingest_ts >= measureFrom) {
          const ms = nowMs - r.value.ingest_ts;
          samples.push(ms);
          const second = Math.floor((r.value.ingest_ts - measureFrom) / 1000);
          worstBySecond[second] = Math.max(worstBySecond[second] ?? 0, ms);
        }
      }
    });
    await feed.start();
    feedRunning = true;
    const feedStart = Date.now();
    measureFrom = feedStart + LATENCY_WARMUP_S * 1000;
    let lastPrint = feedStart;
    let lastCommitted = 0;
    while (Date.now() - feedStart < LATENCY_S * 1000) {
      assertAlive(child);
      if (feed.failed) throw feed.failed;
      await sleep(250);
      // When checkpoints commit (seconds into the measured window): to line up with latency spikes.
      const committed = await committedSum(admin, prefix, `${prefix}processor`);
      if (committed > lastCommitted) {
        commitsAt.push(round((Date.now() - measureFrom) / 1000, 2));
        lastCommitted = committed;
      }
      if (Date.now() - lastPrint >= 5000) {
        lastPrint = Date.now();
        const sorted = [...samples].sort((a, b) => a - b);
        progress(`  latency: ${((Date.now() - feedStart) / 1000).toFixed(0)} s, ${fmt(bars)} live bars, ${fmt(samples.length)} samples, p50 ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms`);
      }
    }
    const feedStats = await feed.stop();
    feedRunning = false;
    await sleep(2000); // bars of the last trades
    const sorted = [...samples].sort((a, b) => a - b);
    const tasks = child.logs.filter((l) => l.json?.['msg'] === 'task started').length;
    progress(`  latency: ${fmt(feedStats.events)} events sent at ${fmt(feedStats.eventsPerSec)}/s (max ${feedStats.maxBehindMs} ms behind schedule); p50 ${quantile(sorted, 0.5)} ms, p99 ${quantile(sorted, 0.99)} ms over ${fmt(sorted.length)} bars`);
    return {
      p50_ms: quantile(sorted, 0.5),
      p90_ms: quantile(sorted, 0.9),
      p99_ms: quantile(sorted, 0.99),
      max_ms: sorted[sorted.length - 1] ?? null,
      mean_ms: sorted.length ? round(sorted.reduce((s, v) => s + v, 0) / sorted.length, 1) : null,
      latency_samples: sorted.length,
      worst_ms_by_second: Array.from(worstBySecond, (v) => v ?? null),
      checkpoint_commits_seen_at_s: commitsAt,
      timeline_note: 'worst_ms_by_second[i] = worst latency of trades produced in second i after the warm-up; checkpoint_commits_seen_at_s = when the group\'s committed offsets were seen to grow (polled every ~250 ms), same origin',
      live_bars_received: bars,
      measured: 'per provisional bar on ta.live.v1: bench receive time − bar.ingest_ts, where ingest_ts = produce wall-clock time of the triggering trade (set by the bench at hand-over to the producer)',
      feed: { ...feedStats, target_events_per_sec: LATENCY_RATE, trades_per_sec_target: Math.round(PacedFeed.tradesPerSecond(LATENCY_RATE, SYMBOLS)), symbols: SYMBOLS, mix: '1 trade : 2 quotes, 1 book (20 levels) per symbol per second' },
      warmup_s: LATENCY_WARMUP_S,
      duration_s: LATENCY_S,
      provisional_ms: PROVISIONAL_MS,
      checkpoint_ms: LATENCY_CHECKPOINT_MS,
      tasks_started: tasks,
    };
  } finally {
    if (feedRunning) await feed.stop().catch(() => undefined);
    await reader?.disconnect().catch(() => undefined);
    await stopTickflow(child, 'SIGTERM');
    recordIssues(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase: SIGKILL and restart on live input
// ---------------------------------------------------------------------------------------------

async function benchRestart(kafka: Kafka, admin: Admin): Promise<Record<string, unknown>> {
  const prefix = PREFIX.restart;
  await createCatalogue(admin, prefix, PARTITIONS);
  const env = processorEnv(prefix, { TICKFLOW_CHECKPOINT_MS: String(RESTART_CHECKPOINT_MS), TICKFLOW_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) });
  progress(`restart: ${fmt(RESTART_RATE)} live events/s, checkpoint ${RESTART_CHECKPOINT_MS} ms, session timeout ${SESSION_TIMEOUT_MS} ms; SIGKILL after ${RESTART_WARM_S} s, restart at once`);
  const children: TickflowChild[] = [];
  const readers: Consumer[] = [];
  const feed = new PacedFeed(kafka, { prefix, eventsPerSec: RESTART_RATE, symbols: SYMBOLS, seed: 4242 });
  let feedRunning = false;
  let killAt = Number.POSITIVE_INFINITY;
  let committedBeforeKill = 0;
  let firstNewCommittedAt = 0;
  let firstNewLiveAt = 0;
  let firstLiveAfterRestartAt = 0;
  let restartAt = Number.POSITIVE_INFINITY;
  try {
    const first = startProcessor('restart-1', env);
    children.push(first);
    await waitForLog(first, 'processor started', 120_000);
    readers.push(
      await tailTopic(kafka, prefix + TOPICS.tradesFilled, `${prefix}filled-reader`, (batch, nowMs) => {
        for (const m of batch.messages) {
          const r = decode('RawTrade', m.value);
          if (!r.ok) throw new Error(`processed.trades.filled record does not decode: ${r.error.message}`);
          if (r.value.ingest_ts > killAt) firstNewCommittedAt ||= nowMs;
          else if (nowMs < killAt) committedBeforeKill++;
        }
      }),
    );
    readers.push(
      await tailTopic(kafka, prefix + TOPICS.liveBars, `${prefix}live-reader`, (batch, nowMs) => {
        if (nowMs >= restartAt) firstLiveAfterRestartAt ||= nowMs;
        for (const m of batch.messages) {
          const r = decode('MicroBar', m.value);
          if (r.ok && r.value.ingest_ts > killAt) firstNewLiveAt ||= nowMs;
        }
      }),
    );
    await feed.start();
    feedRunning = true;
    const feedStart = Date.now();
    while (Date.now() - feedStart < RESTART_WARM_S * 1000 || committedBeforeKill === 0) {
      assertAlive(first);
      if (feed.failed) throw feed.failed;
      if (Date.now() - feedStart > 120_000) throw new Error('restart: no committed output on processed.trades.filled within 120 s of live input');
      await sleep(100);
    }
    progress(`  restart: ${fmt(committedBeforeKill)} committed trades seen on processed.trades.filled; SIGKILL`);
    killAt = Date.now();
    await stopTickflow(first, 'SIGKILL');
    restartAt = Date.now();
    const second = startProcessor('restart-2', env);
    children.push(second);
    const deadline = restartAt + 120_000;
    let lastPrint = restartAt;
    while (!firstNewCommittedAt || !firstNewLiveAt) {
      assertAlive(second);
      if (feed.failed) throw feed.failed;
      if (Date.now() > deadline) throw new Error(`restart: no new ${firstNewCommittedAt ? 'live' : 'committed'} output within 120 s of the restart`);
      if (Date.now() - lastPrint >= 2000) {
        lastPrint = Date.now();
        progress(`  restart: waiting for new output, ${((Date.now() - restartAt) / 1000).toFixed(0)} s after the restart`);
      }
      await sleep(20);
    }
    const milestone = (msg: string): number | null => {
      const l = second.logs.find((x) => x.json?.['msg'] === msg);
      return l ? round((logTime(l) - restartAt) / 1000, 2) : null;
    };
    const result = {
      restart_to_first_output_s: round((firstNewCommittedAt - restartAt) / 1000, 2),
      restart_to_first_live_output_s: round((firstNewLiveAt - restartAt) / 1000, 2),
      restart_to_first_live_bar_any_input_s: firstLiveAfterRestartAt ? round((firstLiveAfterRestartAt - restartAt) / 1000, 2) : null,
      kill_to_restart_ms: restartAt - killAt,
      restarted_processor: {
        processor_started_s: milestone('processor started'),
        joined_consumer_group_s: milestone('joined consumer group'),
        first_task_started_s: milestone('task started'),
      },
      measured:
        'from spawning the new processor to the first record, read by a read_committed consumer, of processed.trades.filled whose trade was produced after the SIGKILL (ingest_ts > kill time); live: the first ta.live.v1 bar holding such a trade',
      note: `the killed member keeps its partitions until the group coordinator expires its session (TICKFLOW_SESSION_TIMEOUT_MS=${SESSION_TIMEOUT_MS}, the minimum); the new member's join waits for that, so restart_to_first_output_s includes up to ~${SESSION_TIMEOUT_MS / 1000} s of it`,
      input_events_per_sec: RESTART_RATE,
      checkpoint_ms: RESTART_CHECKPOINT_MS,
      session_timeout_ms: SESSION_TIMEOUT_MS,
      warm_s_before_kill: RESTART_WARM_S,
    };
    progress(`  restart: first new committed output ${result.restart_to_first_output_s} s, first new live bar ${result.restart_to_first_live_output_s} s after the restart (joined group at ${result.restarted_processor.joined_consumer_group_s} s)`);
    return result;
  } finally {
    if (feedRunning) await feed.stop().catch(() => undefined);
    for (const r of readers) await r.disconnect().catch(() => undefined);
    for (const c of children) {
      await stopTickflow(c, 'SIGTERM');
      recordIssues(c);
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function cleanUp(admin: Admin | null): Promise<void> {
  if (admin) await deleteRunTopicsAndGroups(admin, ALL_PREFIXES, `bench-pipe-${RUN_ID}-*`, progress);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    let n = 0;
    for (const pattern of PROCESSOR_REDIS_PATTERNS) n += await deleteRedisKeys(redis, pattern);
    progress(`cleanup: deleted ${n} processor checkpoint key(s) from Redis`);
  } catch (err) {
    progress(`cleanup: deleting Redis keys failed: ${String(err)}`);
  } finally {
    redis.disconnect();
  }
}

export async function benchPipeline(): Promise<Record<string, unknown>> {
  const loadStart = loadavg();
  const kafka = new Kafka({ clientId: `tickflow-bench-pipeline-${process.pid}`, brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
  let admin: Admin | null = null;
  const details: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  try {
    if (PHASES.has('checkpoint')) {
      const c = await benchCheckpoint();
      details['checkpoint'] = c;
      out['checkpoint_ms'] = c['checkpoint_ms'];
      out['state_bytes_per_symbol'] = c['state_bytes_per_symbol'];
    }
    admin = kafka.admin();
    await admin.connect();
    if (PHASES.has('throughput')) {
      const eosLoad = await preload(kafka, admin, PREFIX.eos, 'eos');
      const aloLoad = await preload(kafka, admin, PREFIX.alo, 'alo');
      const raw = await rawConsume(kafka, admin, PREFIX.eos);
      const eos = await processorThroughput(admin, PREFIX.eos, 'eos', eosLoad.trades);
      const alo = await processorThroughput(admin, PREFIX.alo, 'alo', aloLoad.trades);
      details['throughput'] = { preload: { eos: eosLoad, alo: aloLoad }, raw, eos, alo };
      Object.assign(out, {
        eos_trades_per_sec: eos['trades_per_sec'],
        eos_events_per_sec: eos['events_per_sec'],
        alo_trades_per_sec: alo['trades_per_sec'],
        alo_events_per_sec: alo['events_per_sec'],
        raw_consume_per_sec: raw['records_per_sec'],
        trades: eosLoad.trades,
        events: eosLoad.events,
      });
    }
    if (PHASES.has('latency')) {
      const l = await benchLatency(kafka, admin);
      details['latency'] = l;
      Object.assign(out, { p50_ms: l['p50_ms'], p99_ms: l['p99_ms'], latency_samples: l['latency_samples'] });
    }
    if (PHASES.has('restart')) {
      const r = await benchRestart(kafka, admin);
      details['restart'] = r;
      Object.assign(out, { restart_to_first_output_s: r['restart_to_first_output_s'], restart_to_first_live_output_s: r['restart_to_first_live_output_s'] });
    }
  } finally {
    killAllChildren();
    await cleanUp(admin);
    await admin?.disconnect().catch(() => undefined);
  }

  return {
    ...resultHead(out, TARGETS, ['eos_trades_per_sec']),
    parameters: {
      trades: TRADES,
      raw_partitions: PARTITIONS,
      symbols: SYMBOLS,
      checkpoint_ms: CHECKPOINT_MS,
      throughput_clock_start: '"processor started" log line',
      latency_events_per_sec: LATENCY_RATE,
      latency_duration_s: LATENCY_S,
      latency_warmup_s: LATENCY_WARMUP_S,
      latency_checkpoint_ms: LATENCY_CHECKPOINT_MS,
      provisional_ms: PROVISIONAL_MS,
      checkpoint_symbols: CKPT_SYMBOLS,
      checkpoint_runs: CKPT_RUNS,
      restart_events_per_sec: RESTART_RATE,
      restart_checkpoint_ms: RESTART_CHECKPOINT_MS,
      session_timeout_ms: SESSION_TIMEOUT_MS,
      phases: [...PHASES],
    },
    machine: machineInfo(loadStart, BROKERS, { redis: REDIS_URL }),
    notes: [
      'Throughput: raw topics preloaded first (simulator, paced:false); the clock runs from the processor\'s "processor started" log line to the moment its group\'s committed offsets equal the end offsets on every raw partition. Resolution: one checkpoint interval plus the 100 ms poll.',
      `Restart: the SIGKILLed member keeps its partitions until the coordinator expires its session (TICKFLOW_SESSION_TIMEOUT_MS=${SESSION_TIMEOUT_MS}, the minimum); the restarted instance's group join waits for that, so restart_to_first_output_s includes up to ~${SESSION_TIMEOUT_MS / 1000} s of it (see details.restart.restarted_processor.joined_consumer_group_s).`,
      'Latency: includes the stall of each exactly-once checkpoint; see details.latency.worst_ms_by_second against checkpoint_commits_seen_at_s.',
      'Shared 2-core machine: the broker, Redis, the processor, this bench and possibly other jobs compete for CPU (machine.loadavg_*).',
    ],
    processor_issues: processorIssues,
    details,
    runtime_s: round((Date.now() - BENCH_STARTED) / 1000, 1),
  };
}

function summary(r: Record<string, unknown>): string {
  const { heading, show, mark } = summaryFormat('pipeline', r);
  const lines = [
    '',
    heading,
    `  exactly-once throughput     ${show(r['eos_trades_per_sec'], 'trades/s')} (${show(r['eos_events_per_sec'], 'events/s')})  target ≥ ${TARGETS.eos_trades_per_sec.toLocaleString('en-US')}${mark('eos_trades_per_sec')}`,
    `  at-least-once throughput    ${show(r['alo_trades_per_sec'], 'trades/s')} (${show(r['alo_events_per_sec'], 'events/s')})`,
    `  raw kafkajs consumer        ${show(r['raw_consume_per_sec'], 'records/s')} (ceiling)`,
    `  produce → provisional bar   p50 ${show(r['p50_ms'], 'ms')}, p99 ${show(r['p99_ms'], 'ms')} over ${show(r['latency_samples'], 'bars')}  target p99 ≤ ${TARGETS.p99_ms} ms${mark('p99_ms')}`,
    `  checkpoint, ${CKPT_SYMBOLS.toLocaleString('en-US')} symbols     ${show(r['checkpoint_ms'], 'ms')} (median), ${show(r['state_bytes_per_symbol'], 'bytes/symbol')}  target ≤ ${TARGETS.checkpoint_ms} ms${mark('checkpoint_ms')}`,
    `  SIGKILL → restart → output  committed ${show(r['restart_to_first_output_s'], 's')}, live ${show(r['restart_to_first_live_output_s'], 's')}  target ≤ ${TARGETS.restart_to_first_output_s} s${mark('restart_to_first_output_s')}`,
  ];
  const issues = Object.entries(r['processor_issues'] as Record<string, { count: number }>);
  if (issues.length > 0) lines.push(`  processor warnings/errors: ${issues.map(([k, v]) => `${k} ${v.count}`).join(', ')} (see processor_issues)`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('pipeline.bench.ts')) {
  await benchMain({
    name: 'pipeline',
    brokers: BROKERS,
    cleanupClientId: 'tickflow-bench-cleanup',
    progress,
    run: benchPipeline,
    summary,
    onSignalMessage: "killing processors and removing this run's topics…",
    cleanUp,
    onFailure: () => {
      const issues = Object.entries(processorIssues);
      if (issues.length > 0) console.error(`processor warnings/errors: ${JSON.stringify(processorIssues, null, 2)}`);
    },
  });
}
