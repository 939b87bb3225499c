// The exactly-once invariant (design §3) across restarts of the services the processor depends on
// (design §7, chaos: "restart Redis and Kafka mid-stream"). The same seeded input runs once
// undisturbed on the shared services (the baseline) and once with Redis, or the Kafka broker,
// stopped and started again while the processor is mid-stream; the read_committed outputs must be
// equal, every record counted with multiplicity: nothing lost, nothing doubled.
//
// Only services of this file's own are restarted — a redis-server on REDIS_PORT and a broker on
// KAFKA_PORT — never the shared Redis (6379) or broker (19092) that other suites use concurrently.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { runIngest } from '@tickflow/ingestion';
import { restartKafka, startTestServices, stopTestKafka } from '@tickflow/kafka';
import { TOPICS } from '@tickflow/operators';
import { caughtUp, committedTotal, createTopics, ensureServices, flushSentinels, kafkaClient, produce, readAll, readRaw, sliceInput, startProcessor, stopProcessor, type TapeRecord } from './kafka-harness';

const PARTITIONS = 4;
const TRADES = 30_000; // plus ~2 quotes per trade and books: ~100,000 input events per run
const START_MS = Date.UTC(2024, 0, 2, 14, 30);
/** This file's own Redis (restarted by the first test) and broker (restarted by the second). */
const REDIS_PORT = 16390;
const KAFKA_PORT = 19292;
/** How long Redis stays down: a real outage, not a blip ioredis' first reconnect would hide. */
const REDIS_DOWN_MS = 3000;
const OUTPUT_TOPICS = [
  TOPICS.tradesNew, TOPICS.tradesFilled, TOPICS.tradesCancelled, TOPICS.tradesRejected, TOPICS.enrichedTrades, TOPICS.tradeAggregates,
  TOPICS.orderBookMetrics, TOPICS.bars1s, TOPICS.signals, TOPICS.priceAlerts, TOPICS.dlqDeserialization, TOPICS.dlqValidation,
  TOPICS.dlqUnroutable, TOPICS.dlqLateEvents, TOPICS.dlqProcessingErrors,
] as const;

type Processor = ReturnType<typeof startProcessor>;


/** Simulates the seeded input once into `prefix` (the source every run's input is copied from). */
async function simulateInput(kafka: Kafka, admin: Admin, prefix: string): Promise<TapeRecord[]> {
  await createTopics(admin, prefix, PARTITIONS);
  const summary = await runIngest({
    mode: 'simulate',
    kafka,
    topicPrefix: prefix,
    count: TRADES,
    paced: false,
    simulator: { seed: 20_261_123, startTimeMs: START_MS, symbols: 24, tradesPerSecond: 400, badShare: 0.005, lateShare: 0.01, duplicateShare: 0.005 },
  });
  expect(summary.total).toBeGreaterThan(2 * TRADES);
  const input = await readRaw(kafka, admin, prefix);
  expect(input.length).toBe(summary.total);
  return input;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * A Kafka poll that reads a broker being away (restarting, its group coordinator not loaded yet) as
 * "not yet" instead of failing; a timeout of the surrounding `until` then names the last error.
 */
function despiteOutage(poll: () => Promise<boolean>): () => Promise<boolean> {
  let lastError = '';
  return async () => {
    try {
      return await poll();
    } catch (err) {
      if (!(err instanceof Error && err.name.startsWith('KafkaJS'))) throw err;
      if (err.message !== lastError) console.info(`poll failed while the broker is away (retrying): ${err.name}: ${err.message}`);
      lastError = err.message;
      return false;
    }
  };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Throws (with the end of its log) if the processor has exited: no use waiting for a dead one. */
function assertRunning(child: Processor, what: string): void {
  if (!isRunning(child)) {
    throw new Error(`the ${what} processor (pid ${child.pid}) exited (code ${child.exitCode}, signal ${child.signalCode}); last log lines:\n${child.logs.slice(-15).join('\n')}`);
  }
}

/** Multiset of records as canonical JSON (computed_at is wall-clock, left out). */
function multiset(rows: Array<Record<string, unknown>>): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) {
    const { computed_at: _c, ...rest } = r;
    const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    const k = JSON.stringify(sorted, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Every output topic of `disturbed` equals the baseline's as a multiset; a failure shows a few culprits. */
async function expectSameOutputs(baseline: { kafka: Kafka; prefix: string }, disturbed: { kafka: Kafka; prefix: string }): Promise<void> {
  for (const topic of OUTPUT_TOPICS) {
    const [a, b] = await Promise.all([readAll(baseline.kafka, baseline.prefix, topic), readAll(disturbed.kafka, disturbed.prefix, topic)]);
    const ma = multiset(a);
    const mb = multiset(b);
    const lost = [...ma].filter(([k, n]) => (mb.get(k) ?? 0) < n).map(([k]) => k);
    const doubled = [...mb].filter(([k, n]) => (ma.get(k) ?? 0) < n).map(([k]) => k);
    expect({ topic, records: b.length, lost: lost.length, doubled: doubled.length, examples: [...lost, ...doubled].slice(0, 3).map((k) => k.slice(0, 300)) }).toEqual({
      topic,
      records: a.length,
      lost: 0,
      doubled: 0,
      examples: [],
    });
  }
}

/** True once something on 127.0.0.1:`port` answers PING with PONG (not LOADING, not refused). */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('*1\r\n$4\r\nPING\r\n'));
  });
}

/**
 * A redis-server of this test's own, persisting every write (AOF, fsync always) into `dir` as a
 * production Redis would, so its snapshots survive a restart.
 */
async function startRedis(dir: string): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', dir, '--logfile', join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  await until(`redis-server on port ${REDIS_PORT} to answer PING`, async () => {
    if (!isRunning(server)) throw new Error(`redis-server on port ${REDIS_PORT} exited (code ${server.exitCode}); is the port taken? see ${join(dir, 'redis.log')}`);
    return redisAnswers(REDIS_PORT);
  }, 30_000);
  return server;
}

/** SIGTERM (Redis' clean shutdown: the AOF is flushed) and wait for the process to be gone. */
async function stopRedis(server: ChildProcess): Promise<void> {
  if (!isRunning(server)) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  await exited;
}

/** Deletes the checkpoint keys a run's group left in a Redis (they are several MB each). */
async function deleteCheckpoints(url: string, group: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`tickflow:ckpt:${group}-p*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

describe('restarts: Redis and the Kafka broker restarted mid-stream', () => {
  const run = `${process.pid}x${Date.now()}`;
  /** The crash-free baseline both scenarios compare against: shared broker, shared Redis. */
  const calm = `restartA${run}.`;
  const calmGroup = `${calm}processor`;
  const redisDisturbed = `restartR${run}.`;
  const source = `restartS${run}.`;
  let input: TapeRecord[] = [];
  const slice = (k: number): TapeRecord[] => sliceInput(input, k, 3);
  const lastSlice = (): TapeRecord[] => [...slice(2), ...flushSentinels(PARTITIONS, START_MS + 86_400_000)];
  let kafka: Kafka;
  let admin: Admin;
  let env: Record<string, string>;
  let sharedRedisUrl: string;
  let calmProc: Processor | null = null;

  beforeAll(async () => {
    const { brokers, redisUrl } = ensureServices();
    sharedRedisUrl = redisUrl;
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    // Input arrives in slices while disturbed runs process it; --max-task-idle-ms keeps their merge in
    // event-time order regardless, so their output must equal the preloaded crash-free run's.
    env = { KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_CHECKPOINT_MS: '400', TICKFLOW_SESSION_TIMEOUT_MS: '6000', TICKFLOW_MAX_TASK_IDLE_MS: '3000' };
    input = await simulateInput(kafka, admin, source);
    await createTopics(admin, calm, PARTITIONS);
    await produce(kafka, calm, [...input, ...flushSentinels(PARTITIONS, START_MS + 86_400_000)]);
    calmProc = startProcessor({ ...env, TICKFLOW_TOPIC_PREFIX: calm, TICKFLOW_GROUP: calmGroup });
  }, 600_000);

  afterAll(async () => {
    if (calmProc) await stopProcessor(calmProc, 'SIGKILL');
    if (admin) {
      // This file's namespaces on the shared broker; other suites' topics are left alone.
      const ours = (await admin.listTopics().catch(() => [])).filter((t) => t.startsWith(calm) || t.startsWith(redisDisturbed) || t.startsWith(source));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
      await admin.disconnect();
    }
    if (sharedRedisUrl) await deleteCheckpoints(sharedRedisUrl, calmGroup).catch(() => undefined);
  }, 120_000);

  async function calmFinished(): Promise<void> {
    await until('the crash-free run to finish', async () => {
      assertRunning(calmProc!, 'crash-free');
      return caughtUp(admin, calm, calmGroup);
    }, 300_000);
  }

  describe('Redis restarted mid-stream', () => {
    const disturbed = redisDisturbed;
    const group = `${disturbed}processor`;
    const redisUrl = `redis://127.0.0.1:${REDIS_PORT}`;
    let redisDir: string;
    let redis: ChildProcess | null = null;
    let proc: Processor | null = null;

    beforeAll(async () => {
      redisDir = mkdtempSync(join(tmpdir(), 'tickflow-restart-redis-'));
      redis = await startRedis(redisDir);
      await createTopics(admin, disturbed, PARTITIONS);
      await produce(kafka, disturbed, slice(0));
    }, 600_000);

    afterAll(async () => {
      if (proc) await stopProcessor(proc, 'SIGKILL');
      if (redis) await stopRedis(redis);
      if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    });

    it('the processor rides out a Redis restart; its output equals the crash-free run, record for record', async () => {
      const started = startProcessor({ ...env, REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: disturbed, TICKFLOW_GROUP: group });
      proc = started;
      const progressed = async (): Promise<boolean> => {
        assertRunning(started, 'disturbed');
        return (await committedTotal(admin, disturbed, group)) > 0;
      };
      await until('the processor to commit progress', progressed, 120_000);
      // Mid-stream: the next slice arrives while Redis goes down.
      const more = produce(kafka, disturbed, slice(1));
      await stopRedis(redis!);
      await more;
      redis = null;
      const atStop = await committedTotal(admin, disturbed, group);
      await sleep(REDIS_DOWN_MS);
      assertRunning(started, 'disturbed'); // Redis down for seconds: the processor waits, it does not exit
      const atRestart = await committedTotal(admin, disturbed, group);
      redis = await startRedis(redisDir);
      await produce(kafka, disturbed, lastSlice());

      await until('the disturbed run to finish', async () => {
        assertRunning(started, 'disturbed');
        return caughtUp(admin, disturbed, group);
      }, 300_000);
      await calmFinished();
      // Ridden out, not recovered by a supervisor: the one process this test started (and never
      // restarted) is still serving.
      expect(isRunning(started)).toBe(true);
      const total = await committedTotal(admin, disturbed, group);
      console.info(`Redis down ${REDIS_DOWN_MS} ms; input offsets committed: ${atStop} at the stop, ${atRestart} at the restart, ${total} at the end`);

      await expectSameOutputs({ kafka, prefix: calm }, { kafka, prefix: disturbed });
    }, 600_000);
  });

  describe('the Kafka broker restarted mid-stream', () => {
    const disturbed = `restartK${run}.`;
    const group = `${disturbed}processor`;
    let ownKafka: Kafka;
    let ownAdmin: Admin;
    let brokers: string[];
    const launched: Processor[] = [];
    let supervising = true;

    beforeAll(async () => {
      // A leftover of an interrupted run would hold old records: start from nothing.
      await stopTestKafka({ kafkaPort: KAFKA_PORT, deleteData: true });
      brokers = (await startTestServices({ kafkaPort: KAFKA_PORT })).kafkaBrokers;
      ownKafka = kafkaClient(brokers);
      ownAdmin = ownKafka.admin();
      await ownAdmin.connect();
      await createTopics(ownAdmin, disturbed, PARTITIONS);
      await produce(ownKafka, disturbed, slice(0));
    }, 900_000);

    afterAll(async () => {
      supervising = false;
      for (const c of launched) await stopProcessor(c, 'SIGKILL');
      await ownAdmin?.disconnect().catch(() => undefined);
      await stopTestKafka({ kafkaPort: KAFKA_PORT, deleteData: true });
      if (sharedRedisUrl) await deleteCheckpoints(sharedRedisUrl, group).catch(() => undefined);
    }, 180_000);

    it('after a broker restart the read_committed output equals the crash-free run, record for record', async () => {
      // A supervisor's job, should the processor give up during the outage: note why, start it again.
      const exits: Array<{ pid: number | undefined; code: number | null; signal: NodeJS.Signals | null; lastLogs: string[] }> = [];
      const launch = (): void => {
        const proc = startProcessor({ ...env, KAFKA_BROKERS: brokers.join(','), TICKFLOW_TOPIC_PREFIX: disturbed, TICKFLOW_GROUP: group });
        launched.push(proc);
        proc.once('exit', (code, signal) => {
          if (!supervising) return;
          exits.push({ pid: proc.pid, code, signal, lastLogs: proc.logs.slice(-10) });
          setTimeout(() => supervising && launch(), 1000);
        });
      };
      launch();

      await until('the processor to commit progress', async () => (await committedTotal(ownAdmin, disturbed, group)) > 0, 120_000);
      // Mid-stream: the next slice is in, the last one comes after the restart.
      await produce(ownKafka, disturbed, slice(1));
      const beforeRestart = await committedTotal(ownAdmin, disturbed, group);

      await restartKafka({ kafkaPort: KAFKA_PORT });
      await produce(ownKafka, disturbed, lastSlice());

      await until('the disturbed run to finish', despiteOutage(() => caughtUp(ownAdmin, disturbed, group)), 300_000);
      supervising = false;
      await calmFinished();
      if (exits.length > 0) {
        console.warn(`the processor exited ${exits.length} time(s) during the broker restart and was restarted:\n${JSON.stringify(exits, null, 2)}`);
      }
      expect(isRunning(launched.at(-1)!)).toBe(true);
      const total = await committedTotal(ownAdmin, disturbed, group);
      expect(beforeRestart).toBeLessThan(total);
      console.info(`broker restarted; input offsets committed: ${beforeRestart} before the restart, ${total} at the end`);

      await expectSameOutputs({ kafka, prefix: calm }, { kafka: ownKafka, prefix: disturbed });
    }, 600_000);
  });
});
