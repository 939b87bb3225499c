/**
 * Plumbing of `pipeline.bench.ts`: `tickflow process` as a child process (through bench-kit.ts), topic
 * namespaces on the shared broker, raw-topic offsets, a wall-clock-paced simulated feed and a topic
 * tail. Benchmark-only; the processor itself is used exactly as an operator would run it.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Redis } from 'ioredis';
import { MarketDataProducer, MarketSimulator, type ProducerEvent, type SimEvent } from '@tickflow/ingestion';
import { RAW_TOPICS, TOPICS } from '@tickflow/operators';
import { sleep, startTickflow, type TickflowChild } from './bench-kit';

/** `node bin/tickflow.mjs process --metrics-port 0 …` with `env` added to the bench's environment. */
export function startProcessor(label: string, env: Record<string, string>, extraArgs: readonly string[] = []): TickflowChild {
  return startTickflow(label, `processor ${label}`, ['process', '--metrics-port', '0', ...extraArgs], { ...process.env, ...env });
}

// ---------------------------------------------------------------------------------------------
// Topics, offsets, Redis keys
// ---------------------------------------------------------------------------------------------

/** Every catalogue topic under `prefix`; raw topics get `rawPartitions`, the others 2. */
export async function createCatalogue(admin: Admin, prefix: string, rawPartitions: number): Promise<void> {
  const raw = new Set<string>(RAW_TOPICS);
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(TOPICS).map((t) => ({ topic: prefix + t, numPartitions: raw.has(t) ? rawPartitions : 2, replicationFactor: 1 })),
  });
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
