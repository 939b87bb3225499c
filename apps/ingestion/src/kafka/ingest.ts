import { randomInt } from 'node:crypto';
import { createKafka, ensureTopics, type BusAdmin, type BusClient, type EnsureTopicsOptions } from '@tickflow/kafka';
import { MarketSimulator } from '../simulator/market-simulator';
import { resolveSimulatorOptions, type SimulatorOptions } from '../simulator/simulator-options';
import type { RawTopic } from '../simulator/sim-event';
import { MarketDataProducer, type ProducerEvent, type WireFormat } from './market-data-producer';
import { EventTimePacer, SYSTEM_CLOCK, readRecordedFiles, recordedLineToEvent, type PacingClock, type RecordedFiles } from './recorded-file-source';

/** Default bootstrap server of {@link runIngest} (the test broker of this repository). */
export const DEFAULT_BROKERS: readonly string[] = Object.freeze(['127.0.0.1:19092']);

/** Progress of a run, reported every `progressIntervalMs` and once at the end (`done: true`). */
export interface IngestProgress {
  /** Records acknowledged by the broker so far, all topics. */
  sent: number;
  /** Records per second: over the last interval while running, over the whole run when done. */
  rate: number;
  elapsedMs: number;
  done: boolean;
}

/** What a run sent. */
export interface IngestSummary {
  /** Records acknowledged per raw topic (topic names without prefix). */
  sent: Record<RawTopic, number>;
  /** Value bytes acknowledged per raw topic. */
  bytes: Record<RawTopic, number>;
  /** All records. */
  total: number;
  elapsedMs: number;
  /** Simulate mode: the simulator seed used (random unless given). */
  seed?: number;
}

/** Options shared by both modes. */
export interface IngestCommonOptions {
  /** Kafka bootstrap servers (ignored when `kafka` is given). @defaultValue {@link DEFAULT_BROKERS} */
  brokers?: readonly string[];
  /**
   * A bus client to use instead of creating one from `brokers` (with `createKafka` of
   * `@tickflow/kafka`): a kafkajs `Kafka`, or the embedded profile's `InProcessKafka`.
   */
  kafka?: BusClient;
  /** Wire format of valid events. @defaultValue `'avro'` */
  format?: WireFormat;
  /** Prefix of every topic name, as the processor's `--topic-prefix`. @defaultValue `''` */
  topicPrefix?: string;
  /** Events per `MarketDataProducer.send` call (a paced run also sends before each sleep). @defaultValue 2000 */
  batchSize?: number;
  /** Outstanding `sendBatch` calls, see `MarketDataProducerOptions.maxInFlight`. @defaultValue 1 */
  maxInFlight?: number;
  /** Called every `progressIntervalMs` while running, and once when done. */
  onProgress?: (progress: IngestProgress) => void;
  /** @defaultValue 500 */
  progressIntervalMs?: number;
  /** Stops the run (what was handed to the producer is still flushed). */
  signal?: AbortSignal;
  /** Stop after this much wall time, ms. @defaultValue no limit */
  durationMs?: number;
  /** Clock and sleep for pacing and elapsed time. @defaultValue the system clock */
  clock?: PacingClock;
  /**
   * Makes sure the raw topics exist before producing, e.g. {@link createTopicsThenCheck}.
   * @defaultValue {@link checkRawTopics}: fails unless all three exist with equal partition counts
   */
  prepareTopics?: (admin: BusAdmin, topics: readonly string[]) => Promise<unknown>;
}

/** Simulate mode: the market simulator's events. */
export interface SimulateIngestOptions extends IngestCommonOptions {
  mode: 'simulate';
  /**
   * Simulator options (rate = `tradesPerSecond`, `symbols`, `seed`, fault shares …).
   * `startTimeMs` defaults to now; `seed` defaults to a random one (runs with equal seeds repeat
   * trade ids, which the processor would drop as duplicates).
   */
  simulator?: SimulatorOptions;
  /** Stop after this many trades (`kind: 'trade'` events; their quotes included). @defaultValue no limit */
  count?: number;
  /**
   * Pace events to the wall clock (event time = wall time, so `tradesPerSecond` is the real rate);
   * false sends as fast as possible. @defaultValue true unless `count` is given
   */
  paced?: boolean;
}

/** Replay mode: recorded NDJSON files merged by `timestamp_ms`. */
export interface ReplayIngestOptions extends IngestCommonOptions {
  mode: 'replay';
  files: RecordedFiles;
  /** Event-time speed: 0 = as fast as possible, k = k× real time. @defaultValue 0 */
  speed?: number;
}

export type IngestOptions = SimulateIngestOptions | ReplayIngestOptions;

/** Sleeps shorter than this are skipped (the next event is sent slightly early instead). */
const MIN_SLEEP_MS = 2;

/**
 * Publishes simulated or recorded market data to the raw topics through a {@link
 * MarketDataProducer} and returns what was acknowledged. Resolves after every record is
 * acknowledged (or rejects with the first failure), also when stopped through `signal`.
 */
export async function runIngest(options: IngestOptions): Promise<IngestSummary> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const batchSize = options.batchSize ?? 2000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize: expected an integer >= 1, got ${batchSize}`);
  let seed: number | undefined;
  if (options.mode === 'simulate') {
    if (options.count !== undefined && !(Number.isSafeInteger(options.count) && options.count >= 0)) {
      throw new RangeError(`count: expected a non-negative integer, got ${options.count}`);
    }
    seed = options.simulator?.seed ?? randomInt(0, 2 ** 31);
    resolveSimulatorOptions({ ...options.simulator, seed }); // throws on a bad option before any I/O
  } else if (options.speed !== undefined && !(options.speed >= 0 && options.speed < Infinity)) {
    throw new RangeError(`speed: expected a finite number >= 0, got ${options.speed}`);
  }
  const kafka = options.kafka ?? createKafka({ clientId: 'tickflow-ingestion', brokers: [...(options.brokers ?? DEFAULT_BROKERS)] });
  const producer = new MarketDataProducer({ kafka, format: options.format, topicPrefix: options.topicPrefix, maxInFlight: options.maxInFlight });

  const admin = kafka.admin();
  await admin.connect();
  try {
    await (options.prepareTopics ?? checkRawTopics)(admin, producer.topics);
  } finally {
    await admin.disconnect();
  }
  await producer.connect();

  // The clock starts once the producer is ready, so a live simulation does not begin with a burst.
  const startMs = clock.now();
  let source: Iterable<ProducerEvent> | AsyncIterable<ProducerEvent>;
  let pacer: EventTimePacer | undefined;
  if (options.mode === 'simulate') {
    const startTimeMs = options.simulator?.startTimeMs ?? startMs;
    source = simulatedEvents(new MarketSimulator({ ...options.simulator, seed, startTimeMs }), options.count);
    if (options.paced ?? options.count === undefined) pacer = new EventTimePacer({ speed: 1, clock, originEventMs: startTimeMs, originWallMs: startMs });
  } else {
    source = recordedEvents(options.files, options.format ?? 'avro');
    pacer = new EventTimePacer({ speed: options.speed ?? 0, clock });
  }

  let lastSent = 0;
  let lastAt = startMs;
  const timer = options.onProgress
    ? setInterval(() => {
        const now = clock.now();
        const sent = producer.sentTotal;
        const rate = now > lastAt ? ((sent - lastSent) * 1000) / (now - lastAt) : 0;
        lastSent = sent;
        lastAt = now;
        options.onProgress?.({ sent, rate: Math.round(rate), elapsedMs: now - startMs, done: false });
      }, options.progressIntervalMs ?? 500)
    : undefined;
  timer?.unref();

  try {
    await pumpEvents(source, (events) => producer.send(events), {
      pacer,
      batchSize,
      clock,
      signal: options.signal,
      deadline: options.durationMs !== undefined ? startMs + options.durationMs : Infinity,
    });
    await producer.close();
  } finally {
    if (timer) clearInterval(timer);
    await producer.close().catch(() => undefined);
  }
  const elapsedMs = clock.now() - startMs;
  const stats = producer.stats();
  const total = producer.sentTotal;
  options.onProgress?.({ sent: total, rate: elapsedMs > 0 ? Math.round((total * 1000) / elapsedMs) : 0, elapsedMs, done: true });
  return { sent: stats.sent, bytes: stats.bytes, total, elapsedMs, ...(seed !== undefined ? { seed } : {}) };
}

/**
 * The default topic check: every raw topic exists (they are created by the topic admin, never
 * auto-created) and all have the same partition count (co-partitioning, design §2).
 */
export async function checkRawTopics(admin: BusAdmin, topics: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new Error(`topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing: create the topic catalogue first (ensureTopics from @tickflow/kafka, \`tickflow topics\`)`);
  }
  const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
  const counts = new Set(meta.map((t) => t.partitions.length));
  if (counts.size > 1) {
    throw new Error(`raw topics are not co-partitioned: ${meta.map((t) => `${t.name} has ${t.partitions.length}`).join(', ')} partitions`);
  }
}

/**
 * A `prepareTopics` that creates the catalogue's missing topics (`ensureTopics` of
 * `@tickflow/kafka`, idempotent, never altering existing topics), then runs {@link checkRawTopics}.
 * What `tickflow ingest` uses, so it works on a fresh broker.
 */
export function createTopicsThenCheck(options: EnsureTopicsOptions = {}): (admin: BusAdmin, topics: readonly string[]) => Promise<void> {
  return async (admin, topics) => {
    await ensureTopics(admin, options);
    await checkRawTopics(admin, topics);
  };
}

function* simulatedEvents(sim: MarketSimulator, count: number | undefined): Generator<ProducerEvent> {
  let trades = 0;
  while (true) {
    const event = sim.next();
    if (event.kind === 'trade') {
      if (count !== undefined && trades >= count) return;
      trades++;
    }
    yield event;
  }
}

async function* recordedEvents(files: RecordedFiles, format: WireFormat): AsyncGenerator<ProducerEvent> {
  for await (const line of readRecordedFiles(files)) yield recordedLineToEvent(line, format);
}

/** Event time used for pacing; NaN (never waits) for raw bytes without a known timestamp. */
function eventTsMs(event: ProducerEvent): number {
  return event.kind === 'raw' ? (event.tsMs ?? Number.NaN) : event.value.timestamp_ms;
}

/** Options of {@link pumpEvents}. */
export interface PumpOptions {
  /** Paces by event time; undefined sends as fast as `send` accepts. */
  pacer?: EventTimePacer;
  /** Events per `send` call. */
  batchSize: number;
  /** @defaultValue {@link SYSTEM_CLOCK} */
  clock?: PacingClock;
  /** Stops before the next event. */
  signal?: AbortSignal;
  /** Wall-clock time (`clock.now()`) to stop at. @defaultValue Infinity */
  deadline?: number;
}

/**
 * Moves events from `source` to `send` in batches of `batchSize`. With a pacer, an event that is
 * not due yet first sends the batch so far (so every event goes out on time), then sleeps until it
 * is due (waits under 2 ms are skipped). Stops at the end of the source, on `signal` or at
 * `deadline`; an event drawn but not yet due when the run stops is not sent.
 */
export async function pumpEvents(
  source: Iterable<ProducerEvent> | AsyncIterable<ProducerEvent>,
  send: (events: ProducerEvent[]) => Promise<void>,
  o: PumpOptions,
): Promise<void> {
  const { pacer, batchSize, signal } = o;
  const clock = o.clock ?? SYSTEM_CLOCK;
  const deadline = o.deadline ?? Infinity;
  const finite = deadline < Infinity;
  let batch: ProducerEvent[] = [];
  const sendBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    await send(events);
  };
  for await (const event of source) {
    if (signal?.aborted || (finite && clock.now() >= deadline)) break;
    if (pacer !== undefined) {
      const delay = pacer.delayMs(eventTsMs(event));
      if (delay >= MIN_SLEEP_MS) {
        await sendBatch();
        await clock.sleep(finite ? Math.min(delay, deadline - clock.now()) : delay, signal);
        // The event is due now unless the run ended during the wait.
        if (signal?.aborted || (finite && clock.now() >= deadline)) break;
      }
    }
    batch.push(event);
    if (batch.length >= batchSize) await sendBatch();
  }
  await sendBatch();
}
