import type { EachBatchPayload, Message } from 'kafkajs';
import type { BusAdmin, BusClient, BusConsumer, BusProducer } from '@tickflow/kafka';
import { ProcessorTask, RAW_TOPICS, TOPICS, hasUnknownSymbol, type OutputSink, type ProcessorTaskOptions, type RawTopic, type TopicName } from '@tickflow/operators';
import { decode, type EnrichedTrade, type ReferenceSymbol } from '@tickflow/schemas';
import { CheckpointError, offsetsTag, type CheckpointStore } from '../checkpoint/checkpoint-store';
import { CoPartitionAssigner } from './co-partition-assigner';
import { InputMerger, type InputRecord } from './input-merger';
import { encodeOutput } from './output-encoder';

export interface KafkaProcessorOptions {
  /** The bus: a Kafka client, or the embedded profile's `InProcessKafka`. */
  kafka: BusClient;
  /** Consumer group; also the prefix of the per-partition transactional ids. @defaultValue 'tickflow-processor' */
  groupId: string;
  /** Prepended to every topic name (namespaces on a shared cluster, isolated tests). @defaultValue '' */
  topicPrefix: string;
  checkpointStore: CheckpointStore;
  reference: ReferenceSymbol[];
  /** Checkpoint (snapshot + transaction commit) at least this often per task, ms. @defaultValue 10_000 */
  checkpointIntervalMs: number;
  /** Checkpoint early when a task has buffered this many output records. @defaultValue 50_000 */
  maxBufferedOutputs: number;
  /** false = at-least-once: outputs sent without transactions, offsets committed after (benchmark baseline). */
  exactlyOnce: boolean;
  /** Emit a ta.status.v1 heartbeat per task this often (processing time), ms; 0 = never. @defaultValue 10_000 */
  heartbeatIntervalMs: number;
  /** Session timeout of the consumer group, ms. @defaultValue 10_000 */
  sessionTimeoutMs: number;
  /**
   * How long a task holds its other inputs back for an input that has nothing fetched (processing
   * time, ms) before merging without it — Kafka Streams' max.task.idle.ms. 0 = lowest latency; > 0 =
   * input arriving topic by topic within that time is still merged in event-time order.
   * @defaultValue 0
   */
  maxTaskIdleMs?: number;
  taskOptions?: Partial<ProcessorTaskOptions>;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Observability hooks (metrics). */
  onCheckpoint?: (taskId: string, ms: number, bytes: number) => void;
  onOutputs?: (topic: string, n: number) => void;
  /**
   * Called once per committed checkpoint with the delay from the producer timestamp of the oldest
   * input record fetched since the previous checkpoint to this commit, ms: input → committed output.
   */
  onCommitLatency?: (taskId: string, ms: number) => void;
  /** Called once per committed checkpoint with what it carried (DLQ error types, alert severities…). */
  onCommitted?: (taskId: string, tally: CheckpointTally) => void;
  /** Called per fetched batch: records taken, and records still behind the partition's high watermark. */
  onFetched?: (topic: string, partition: number, records: number, lag: number) => void;
  /** A checkpoint failed; `fenced` = a newer owner took the task over (expected after rebalances). */
  onCheckpointFailed?: (taskId: string, fenced: boolean) => void;
}

/** What one committed checkpoint carried, for metrics: counts per topic, DLQ error type and alert severity. */
export interface CheckpointTally {
  /** `topic error_type` → count. */
  dlq: Map<string, number>;
  /** severity → count. */
  alerts: Map<string, number>;
  /** Enriched trades whose symbol had no reference data. */
  unknownSymbols: number;
}

/** Outputs that bypass the checkpoint transaction (live dashboards; they may repeat after a crash). */
const LIVE_TOPICS: ReadonlySet<TopicName> = new Set([TOPICS.liveBars]);
const DLQ_TOPICS: ReadonlySet<TopicName> = new Set([TOPICS.dlqDeserialization, TOPICS.dlqUnroutable, TOPICS.dlqValidation, TOPICS.dlqProcessingErrors, TOPICS.dlqLateEvents]);

const INPUTS: readonly RawTopic[] = RAW_TOPICS;
/** Pause an input whose queue runs this far ahead of the others; resume below the low mark. */
const PAUSE_AT = 20_000;
const RESUME_AT = 5_000;

/** One task: the topology for partition p of every raw topic, its buffered outputs and its producer. */
class PartitionTask {
  outputs = new Map<TopicName, Message[]>();
  tally = emptyTally();
  buffered = 0;
  /** Producer timestamp of the oldest input record fetched since the last checkpoint began. */
  oldestInputMs: number | null = null;
  /** The checkpoint in progress: at most one per task, since a task has one transactional producer. */
  checkpointing: Promise<void> | null = null;
  lastCheckpointMs = Date.now();
  lastHeartbeatMs = Date.now();
  readonly paused = [false, false, false];
  dropped = false;

  constructor(
    readonly partition: number,
    readonly taskId: string,
    readonly task: ProcessorTask,
    readonly merger: InputMerger,
    readonly producer: BusProducer,
    readonly epoch: number,
  ) {}
}

/**
 * The processor on Kafka (design §3): a consumer group over the co-partitioned raw topics, one
 * ProcessorTask per partition index, and per checkpoint one Kafka transaction carrying the task's
 * outputs since the last checkpoint and its input offsets. Before committing, the task's snapshot is
 * stored in Redis under those offsets; a task that starts (or moves here) first fences the previous
 * owner — its own transactional id per partition bumps the producer epoch, and the checkpoint store's
 * owner epoch refuses the old owner's saves — then restores the snapshot matching the committed
 * offsets and seeks there. Commit or fencing failures drop the task's in-memory state; it is rebuilt
 * from the last commit, so nothing is lost or doubled.
 */
export class KafkaProcessor {
  private readonly tasks = new Map<number, PartitionTask>();
  private readonly initializing = new Map<number, Promise<PartitionTask | null>>();
  private consumer: BusConsumer | null = null;
  private admin: BusAdmin | null = null;
  /** Non-transactional producer for LIVE_TOPICS, flushed after every fetched batch and tick. */
  private liveProducer: BusProducer | null = null;
  private live = new Map<string, Message[]>();
  private liveFlush: Promise<void> | null = null;
  /** Reference data as last seen on `reference.symbols`, applied to tasks created later too. */
  private readonly reference = new Map<string, ReferenceSymbol>();
  private referenceConsumer: BusConsumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(private readonly opts: KafkaProcessorOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId } = this.opts;
    for (const r of this.opts.reference) this.reference.set(r.symbol, r);
    this.admin = kafka.admin();
    await this.admin.connect();
    this.liveProducer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3 } });
    await this.liveProducer.connect();
    await this.followReference();
    this.consumer = kafka.consumer({
      groupId,
      partitionAssigners: [CoPartitionAssigner],
      readUncommitted: false,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 5)),
      maxWaitTimeInMs: 50,
      retry: { retries: 10 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set((e.payload.memberAssignment[this.physical(TOPICS.rawTrades)] ?? []).map(Number));
      for (const p of [...this.tasks.keys()]) if (!assigned.has(p)) void this.dropTask(p, 'partition revoked by a rebalance');
      this.opts.log('info', 'joined consumer group', { partitions: [...assigned].sort((a, b) => a - b), memberId: e.payload.memberId });
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: INPUTS.map((t) => this.physical(t)), fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    this.timer = setInterval(() => void this.onTick(), 200);
  }

  /** Drain and checkpoint every task, then leave the group (SIGTERM). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // Fetch nothing more, checkpoint with the consumer still running (at-least-once commits its
    // offsets through it), then leave the group.
    this.consumer?.pause(INPUTS.map((topic) => ({ topic: this.physical(topic) })));
    for (const t of this.tasks.values()) {
      try {
        await t.checkpointing;
        await this.checkpoint(t);
      } catch (err) {
        this.opts.log('warn', 'final checkpoint failed; the next owner resumes from the previous one', { task: t.taskId, error: String(err) });
      }
    }
    await this.consumer?.stop();
    for (const t of this.tasks.values()) await t.producer.disconnect().catch(() => undefined);
    this.tasks.clear();
    await this.flushLive();
    await this.liveProducer?.disconnect();
    await this.referenceConsumer?.disconnect();
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }

  /**
   * Broadcast input (design §2): every instance reads all of the compacted `reference.symbols` with a
   * group of its own and applies each update to every task it owns, and to tasks it creates later.
   * Reference updates take effect in processing time, as Flink's broadcast state does: a replay of the
   * raw topics gives the same enrichment only when the reference data has not changed in between.
   */
  private async followReference(): Promise<void> {
    const topic = this.physical(TOPICS.referenceSymbols);
    const existing = await this.admin!.listTopics();
    if (!existing.includes(topic)) {
      this.opts.log('warn', 'reference topic missing; enriching from the loaded reference only', { topic });
      return;
    }
    // Like a global table: read what the topic holds now before any task starts, then follow it.
    const ends = new Map((await this.admin!.fetchTopicOffsets(topic)).filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
    let loaded!: () => void;
    const bootstrapped = new Promise<void>((resolve) => (loaded = resolve));
    if (ends.size === 0) loaded();
    const consumer = this.opts.kafka.consumer({ groupId: `${this.opts.groupId}.reference.${process.pid}.${Date.now()}`, maxWaitTimeInMs: 200 });
    this.referenceConsumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition);
        if (end !== undefined && Number(batch.lastOffset()) + 1 >= end) {
          ends.delete(batch.partition);
          if (ends.size === 0) loaded();
        }
        const applied: string[] = [];
        for (const message of batch.messages) {
          if (!message.value) continue; // a tombstone: reference entries are replaced, never deleted
          const r = decode('ReferenceSymbol', message.value);
          if (!r.ok) {
            this.opts.log('warn', 'reference update rejected', { topic, partition: batch.partition, offset: message.offset, error: r.error.message });
            continue;
          }
          // Plain data: avsc decodes into class instances, which task snapshots refuse.
          const update: ReferenceSymbol = { ...r.value };
          this.reference.set(update.symbol, update);
          for (const t of this.tasks.values()) t.task.upsertReference(update);
          applied.push(update.symbol);
        }
        if (applied.length > 0) this.opts.log('info', 'reference updates applied', { count: applied.length, symbols: applied.slice(0, 10) });
      },
    });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref());
    if ((await Promise.race([bootstrapped, timeout])) === 'timeout') this.opts.log('warn', 'reference topic not fully read after 30 s; starting tasks anyway', { topic });
  }

  get taskCount(): number {
    return this.tasks.size;
  }

  /** Event-time watermark per owned task (ms; 0 before the first trade). */
  watermarks(): Array<{ taskId: string; watermarkMs: number }> {
    return [...this.tasks.values()].map((t) => ({ taskId: t.taskId, watermarkMs: t.task.watermarkMs }));
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const input = INPUTS.indexOf(this.logical(batch.topic) as RawTopic);
    if (input < 0 || batch.messages.length === 0) return;
    const t = await this.ensureTask(batch.partition).catch((err: unknown) => {
      // kafkajs retries the batch; without this line a task that cannot start would be silent.
      this.opts.log('error', 'task could not start; retrying with the next fetch', { partition: batch.partition, error: err instanceof Error ? err.message : String(err) });
      throw err;
    });
    if (!t || t.dropped || !isRunning() || isStale()) return;
    const from = t.merger.fetchedUpTo[input]!;
    // A fetch that started beyond what this task has queued predates a seek (restore, rejoin): taking
    // it would leave a gap. Ignore it; the fetch from the sought offset follows.
    if (Number((batch as unknown as { fetchedOffset: string }).fetchedOffset) > from) return;
    const records: InputRecord[] = [];
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      if (offset < from) continue; // re-delivered after a rejoin: already queued or processed
      records.push({ topic: INPUTS[input]!, partition: batch.partition, offset, value: m.value ?? Buffer.alloc(0), tsMs: eventTimeOf(m) });
    }
    const last = Number(batch.lastOffset());
    t.merger.push(input, records, last + 1 >= Number(batch.highWatermark), Date.now());
    if (records.length > 0) t.oldestInputMs ??= Number(batch.messages[batch.messages.length - records.length]!.timestamp);
    this.opts.onFetched?.(INPUTS[input]!, batch.partition, records.length, Math.max(0, Number(batch.highWatermark) - last - 1));
    resolveOffset(batch.lastOffset());
    this.process(t);
    if (t.merger.queued(input) > PAUSE_AT && !t.paused[input]) {
      t.paused[input] = true;
      this.consumer!.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
    }
    void this.flushLive();
    if (t.checkpointing) {
      // Back-pressure: fetch no further while outputs pile up behind a slow commit.
      if (t.buffered >= 2 * this.opts.maxBufferedOutputs) await t.checkpointing.catch(() => undefined);
    } else if (t.buffered >= this.opts.maxBufferedOutputs || Date.now() - t.lastCheckpointMs >= this.opts.checkpointIntervalMs) {
      // Not awaited: the snapshot and outputs are taken synchronously, and the records fetched while
      // the transaction commits (and the live updates they make) belong to the next checkpoint.
      void this.checkpointOrDrop(t);
    }
    await heartbeat();
  }

  /** Processing-time duties: idle watermarks, heartbeats, periodic checkpoints of quiet tasks, resuming paused inputs. */
  private async onTick(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    for (const t of [...this.tasks.values()]) {
      if (t.dropped) continue;
      t.task.onProcessingTime(now);
      if (this.opts.heartbeatIntervalMs > 0 && now - t.lastHeartbeatMs >= this.opts.heartbeatIntervalMs) {
        t.lastHeartbeatMs = now;
        t.task.heartbeat(now);
      }
      this.process(t);
      if (t.buffered > 0 && !t.checkpointing && now - t.lastCheckpointMs >= this.opts.checkpointIntervalMs) void this.checkpointOrDrop(t);
    }
    void this.flushLive();
    void this.confirmIdleInputs(now);
  }

  private endOffsetsAskedAtMs = 0;
  private askingEndOffsets = false;
  private endOffsetsFailing = false;

  /**
   * With maxTaskIdleMs, a task goes on without an empty input only once that input is seen caught
   * up after its wait began (InputMerger). Fetches of an input with nothing new deliver no batch, so
   * look at the broker's end offsets while some task waits: caught up when everything up to the end
   * is fetched, behind when the broker holds more (then the wait goes on until the fetch brings it).
   * A failed look (broker away) confirms nothing, so an outage never ends a wait.
   */
  private async confirmIdleInputs(now: number): Promise<void> {
    const idleMs = this.opts.maxTaskIdleMs ?? 0;
    if (idleMs <= 0 || this.askingEndOffsets || now - this.endOffsetsAskedAtMs < Math.min(1000, idleMs / 4)) return;
    if (![...this.tasks.values()].some((t) => !t.dropped && t.merger.waitingForIdleInput)) return;
    this.askingEndOffsets = true;
    this.endOffsetsAskedAtMs = now;
    try {
      const ends = await Promise.all(INPUTS.map((topic) => this.admin!.fetchTopicOffsets(this.physical(topic))));
      for (const t of this.tasks.values()) {
        if (t.dropped) continue;
        ends.forEach((e, i) => {
          const high = e.find((x) => x.partition === t.partition)?.high;
          if (high !== undefined) t.merger.setCaughtUp(i, t.merger.fetchedUpTo[i]! >= Number(high), now);
        });
        this.process(t);
      }
      this.endOffsetsFailing = false;
    } catch (err) {
      if (!this.endOffsetsFailing) this.opts.log('warn', 'could not read end offsets; idle inputs keep holding their tasks', { error: err instanceof Error ? err.message : String(err) });
      this.endOffsetsFailing = true;
    } finally {
      this.askingEndOffsets = false;
    }
  }

  /** Sends the live updates gathered so far (one request at a time; failures are logged, not retried). */
  private flushLive(): Promise<void> {
    if (this.liveFlush || this.live.size === 0 || !this.liveProducer) return this.liveFlush ?? Promise.resolve();
    const batch = this.live;
    this.live = new Map();
    const topicMessages = [...batch].map(([topic, messages]) => ({ topic, messages }));
    this.liveFlush = this.liveProducer
      .sendBatch({ topicMessages, acks: 1 })
      .then(
        () => undefined,
        (err: unknown) => this.opts.log('warn', 'live updates dropped', { error: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => {
        this.liveFlush = null;
        if (this.live.size > 0) void this.flushLive();
      });
    return this.liveFlush;
  }

  private process(t: PartitionTask): void {
    const { task, partition } = t;
    t.merger.drain((r) => task.processRaw(r.topic, r.value, { topic: r.topic, partition, offset: r.offset, eventTsMs: r.tsMs }), Number.POSITIVE_INFINITY, Date.now());
    for (let i = 0; i < INPUTS.length; i++) {
      if (t.paused[i] && t.merger.queued(i) < RESUME_AT) {
        t.paused[i] = false;
        this.consumer?.resume([{ topic: this.physical(INPUTS[i]!), partitions: [partition] }]);
      }
    }
  }

  private async checkpointOrDrop(t: PartitionTask): Promise<void> {
    try {
      await this.checkpoint(t);
    } catch (err) {
      const fenced = isFencing(err);
      this.opts.onCheckpointFailed?.(t.taskId, fenced);
      this.opts.log(fenced ? 'warn' : 'error', fenced ? 'task fenced by a newer owner; dropping it' : 'checkpoint failed; rebuilding the task from its last commit', {
        task: t.taskId,
        error: err instanceof Error ? err.message : String(err),
      });
      // The partition may meanwhile belong to a newer task (rebalance, rebuild): leave that one alone.
      if (this.tasks.get(t.partition) !== t) return;
      await this.dropTask(t.partition, 'checkpoint failed');
      if (!fenced && !this.stopping) this.seekToCommitted(t.partition);
    }
  }

  /**
   * Snapshot → Redis (tagged with the input offsets), then one transaction with the buffered outputs
   * and those offsets. A crash between the two leaves a snapshot for offsets never committed: harmless,
   * since restore looks up the committed offsets.
   */
  private checkpoint(t: PartitionTask): Promise<void> {
    if (!t.checkpointing) t.checkpointing = this.commitCheckpoint(t).finally(() => (t.checkpointing = null));
    return t.checkpointing;
  }

  private async commitCheckpoint(t: PartitionTask): Promise<void> {
    if (t.dropped) return;
    const started = performance.now();
    // Offsets, state and outputs are taken together, synchronously: records processed while this
    // checkpoint is in flight belong to the next one.
    const offsets = [...t.merger.nextOffsets];
    const bytes = t.task.snapshot();
    const outputs = t.outputs;
    const tally = t.tally;
    const oldestInputMs = t.oldestInputMs;
    t.oldestInputMs = null;
    t.outputs = new Map();
    t.tally = emptyTally();
    t.buffered = 0;
    await this.opts.checkpointStore.save(t.taskId, t.epoch, offsets, bytes);
    const batches = chunkBySize(outputs, (t) => this.physical(t));
    const offsetsPayload = INPUTS.map((topic, i) => ({ topic: this.physical(topic), partitions: [{ partition: t.partition, offset: String(offsets[i]) }] }));
    if (this.opts.exactlyOnce) {
      const txn = await t.producer.transaction();
      try {
        for (const topicMessages of batches) await txn.sendBatch({ topicMessages });
        await txn.sendOffsets({ consumerGroupId: this.opts.groupId, topics: offsetsPayload });
        await txn.commit();
      } catch (err) {
        await txn.abort().catch(() => undefined);
        throw err;
      }
    } else {
      for (const topicMessages of batches) await t.producer.sendBatch({ topicMessages, acks: -1 });
      await this.consumer!.commitOffsets(offsetsPayload.map((o) => ({ topic: o.topic, partition: t.partition, offset: o.partitions[0]!.offset })));
    }
    for (const [topic, messages] of outputs) this.opts.onOutputs?.(topic, messages.length);
    this.opts.onCommitted?.(t.taskId, tally);
    if (oldestInputMs !== null && Number.isFinite(oldestInputMs)) this.opts.onCommitLatency?.(t.taskId, Date.now() - oldestInputMs);
    t.lastCheckpointMs = Date.now();
    this.opts.onCheckpoint?.(t.taskId, performance.now() - started, bytes.byteLength);
  }

  private ensureTask(p: number): Promise<PartitionTask | null> {
    const existing = this.tasks.get(p);
    if (existing) return Promise.resolve(existing);
    let pending = this.initializing.get(p);
    if (!pending) {
      pending = this.initTask(p).finally(() => this.initializing.delete(p));
      this.initializing.set(p, pending);
    }
    return pending;
  }

  /** Fence the previous owner, then restore the snapshot that matches the committed offsets and seek there. */
  private async initTask(p: number): Promise<PartitionTask | null> {
    const { kafka, groupId, checkpointStore } = this.opts;
    const taskId = `${groupId}-p${p}`;
    const producer = kafka.producer(
      this.opts.exactlyOnce
        ? { transactionalId: taskId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000, retry: { retries: 10 } }
        : { idempotent: true, maxInFlightRequests: 1, retry: { retries: 10 } },
    );
    await producer.connect();
    if (this.opts.exactlyOnce) {
      // kafkajs sends InitProducerId lazily, at the first transaction. Do it now, before reading the
      // committed offsets: it bumps the epoch (the previous owner's commits now fail) and makes the
      // coordinator finish or abort that owner's open transaction first.
      const fence = await producer.transaction();
      await fence.abort();
    }
    const epoch = await checkpointStore.claim(taskId);
    const committed = await this.settledCommittedOffsets(p, taskId);
    const task = new ProcessorTask(
      {
        emit: (topic, key, value) => this.buffer(p, topic, key, value),
      } satisfies OutputSink,
      { taskId, reference: [...this.reference.values()], ...this.opts.taskOptions },
    );
    const start = committed.map((c, i) => (c >= 0 ? c : this.lowWatermarks.get(`${INPUTS[i]}:${p}`) ?? 0));
    if (committed.some((c) => c >= 0)) {
      const bytes = await checkpointStore.load(taskId, start);
      if (!bytes) {
        await producer.disconnect();
        throw new CheckpointError(
          'CKPT_RESTORE_MISMATCH',
          `task ${taskId}: Kafka committed offsets ${offsetsTag(start)} but no snapshot is stored for them (was Redis reset without persistence?). Refusing to guess state.`,
        );
      }
      task.restore(bytes);
      // The snapshot holds the reference data of its time; updates seen since are newer (by updated_at).
      for (const r of this.reference.values()) task.upsertReference(r);
    }
    const ends = await Promise.all(INPUTS.map((topic) => this.admin!.fetchTopicOffsets(this.physical(topic))));
    // Offsets below an input's low watermark hold nothing any more (retention deleted them, or the
    // embedded bus started past them after a restart): the task resumes at the oldest that exists.
    const resume = start.map((s, i) => Math.max(s, Number(ends[i]!.find((x) => x.partition === p)?.low ?? 0)));
    if (resume.some((r, i) => r > start[i]!)) {
      this.opts.log('warn', 'committed input offsets are below the oldest available; resuming at the oldest', { task: taskId, committed: offsetsTag(start), resume: offsetsTag(resume) });
    }
    const merger = new InputMerger(INPUTS, resume, this.opts.maxTaskIdleMs ?? 0);
    ends.forEach((h, i) => {
      const high = Number(h.find((x) => x.partition === p)?.high ?? 0);
      merger.setCaughtUp(i, resume[i]! >= high, Date.now());
    });
    const t = new PartitionTask(p, taskId, task, merger, producer, epoch);
    this.tasks.set(p, t);
    for (let i = 0; i < INPUTS.length; i++) this.consumer!.seek({ topic: this.physical(INPUTS[i]!), partition: p, offset: String(resume[i]) });
    this.opts.log('info', 'task started', { task: taskId, offsets: offsetsTag(resume), restored: committed.some((c) => c >= 0), epoch });
    return null; // the current batch predates the seek; the next fetch starts at the restored offsets
  }

  private readonly lowWatermarks = new Map<string, number>();

  /**
   * Committed offsets, once settled. Right after a transactional commit the group coordinator can
   * still answer with the previous offsets for tens of milliseconds (kafkajs has no KIP-447
   * require_stable), and restoring from those would redo committed work. So when the newest stored
   * snapshot is ahead of what Kafka reports, poll until Kafka catches up; if it never does within the
   * grace period, that snapshot's transaction was aborted and the reported offsets are right.
   */
  private async settledCommittedOffsets(p: number, taskId: string, graceMs = 3000): Promise<number[]> {
    const newest = await this.opts.checkpointStore.latestOffsets(taskId);
    let committed = await this.committedOffsets(p);
    if (!newest || newest.length !== committed.length) return committed;
    const deadline = Date.now() + graceMs;
    while (offsetsTag(committed) !== offsetsTag(newest) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      committed = await this.committedOffsets(p);
    }
    return committed;
  }

  /**
   * The group's committed offsets for partition p of each input (-1 = none). kafkajs' admin does not
   * retry offset fetches; right after a broker restart the group coordinator moves and the first
   * answers are NOT_COORDINATOR and the like, so retriable errors are retried here with backoff.
   */
  private async committedOffsets(p: number): Promise<number[]> {
    const topics = INPUTS.map((t) => this.physical(t));
    for (let attempt = 1; ; attempt++) {
      try {
        const fetched = await this.admin!.fetchOffsets({ groupId: this.opts.groupId, topics });
        const out: number[] = [];
        for (const topic of INPUTS) {
          const entry = fetched.find((f) => f.topic === this.physical(topic))?.partitions.find((x) => x.partition === p);
          out.push(entry ? Number(entry.offset) : -1);
          if (!entry || Number(entry.offset) < 0) {
            const offsets = await this.admin!.fetchTopicOffsets(this.physical(topic));
            this.lowWatermarks.set(`${topic}:${p}`, Number(offsets.find((x) => x.partition === p)?.low ?? 0));
          }
        }
        return out;
      } catch (err) {
        if (this.stopping || !isRetriable(err) || attempt >= 30) throw err;
        this.opts.log('warn', 'fetching committed offsets failed; retrying', { partition: p, attempt, error: err instanceof Error ? err.message : String(err) });
        await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2000)));
      }
    }
  }

  private physical(topic: string): string {
    return this.opts.topicPrefix + topic;
  }

  private logical(topic: string): string {
    return topic.startsWith(this.opts.topicPrefix) ? topic.slice(this.opts.topicPrefix.length) : topic;
  }

  private buffer(p: number, topic: TopicName, key: string | null, value: object): void {
    const t = this.tasks.get(p);
    if (!t) return;
    const event = value as { event_ts?: number; error_type?: string; severity?: string };
    // Event time in a header, not the Kafka timestamp: time-based retention would delete outputs of
    // a replayed historical tape at once.
    const message: Message = { key, value: encodeOutput(topic, value), headers: event.event_ts !== undefined ? { [EVENT_TS_HEADER]: String(event.event_ts) } : {} };
    if (LIVE_TOPICS.has(topic)) {
      const physical = this.physical(topic);
      let live = this.live.get(physical);
      if (!live) this.live.set(physical, (live = []));
      live.push(message);
      return;
    }
    let list = t.outputs.get(topic);
    if (!list) t.outputs.set(topic, (list = []));
    list.push(message);
    t.buffered++;
    if (DLQ_TOPICS.has(topic)) increment(t.tally.dlq, `${topic} ${event.error_type ?? 'UNKNOWN'}`);
    else if (topic === TOPICS.priceAlerts) increment(t.tally.alerts, event.severity ?? 'UNKNOWN');
    else if (topic === TOPICS.enrichedTrades && hasUnknownSymbol(value as EnrichedTrade)) t.tally.unknownSymbols++;
  }

  private async dropTask(p: number, why: string): Promise<void> {
    const t = this.tasks.get(p);
    if (!t) return;
    t.dropped = true;
    this.tasks.delete(p);
    this.opts.log('info', 'task dropped', { task: t.taskId, why, discardedOutputs: t.buffered });
    // Let a transaction in flight end (commit, or fail once the new owner fences it) before closing
    // its producer: a producer closed mid-transaction leaves it open at the coordinator until the
    // next owner's InitProducerId aborts it, and that owner then waits.
    await t.checkpointing?.catch(() => undefined);
    await t.producer.disconnect().catch(() => undefined);
  }

  private seekToCommitted(p: number): void {
    // The next batch of any input re-creates the task from the last commit; make sure one comes.
    this.committedOffsets(p).then(
      (committed) => {
        committed.forEach((c, i) => {
          const offset = c >= 0 ? c : this.lowWatermarks.get(`${INPUTS[i]}:${p}`) ?? 0;
          this.consumer?.seek({ topic: this.physical(INPUTS[i]!), partition: p, offset: String(offset) });
        });
      },
      (err: unknown) => {
        if (this.stopping) return;
        // Without the seek, the fetch position may be past the last commit: leave the group's
        // assignment to a rejoin, which restarts every task from its commit.
        this.opts.log('error', 'could not read committed offsets to rebuild a task; rejoining the group', { partition: p, error: err instanceof Error ? err.message : String(err) });
        void this.rejoin();
      },
    );
  }

  /** Stop and restart the consumer: every owned task is dropped and rebuilt from its last commit. */
  private async rejoin(): Promise<void> {
    if (!this.consumer || this.stopping) return;
    for (const p of [...this.tasks.keys()]) await this.dropTask(p, 'rejoining the group');
    await this.consumer.stop().catch(() => undefined);
    if (this.stopping) return;
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
  }
}

/**
 * kafkajs writes all of one partition's messages from a sendBatch call as a single record batch,
 * which the broker refuses above max.message.bytes (1 MiB by default). Split a checkpoint's outputs
 * into sendBatch calls of at most ~512 KiB of values.
 */
const MAX_SEND_BYTES = 512 * 1024;

function chunkBySize(outputs: Map<TopicName, Message[]>, physical: (t: string) => string): Array<Array<{ topic: string; messages: Message[] }>> {
  const calls: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let call: Array<{ topic: string; messages: Message[] }> = [];
  let bytes = 0;
  for (const [topic, messages] of outputs) {
    let current: Message[] = [];
    call.push({ topic: physical(topic), messages: current });
    for (const m of messages) {
      const size = (m.value as Buffer).byteLength + 64;
      if (bytes + size > MAX_SEND_BYTES && bytes > 0) {
        calls.push(call);
        current = [];
        call = [{ topic: physical(topic), messages: current }];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
  }
  const nonEmpty = call.filter((c) => c.messages.length > 0);
  if (nonEmpty.length > 0) calls.push(nonEmpty);
  return calls.map((c) => c.filter((x) => x.messages.length > 0)).filter((c) => c.length > 0);
}

function emptyTally(): CheckpointTally {
  return { dlq: new Map(), alerts: new Map(), unknownSymbols: 0 };
}

function increment(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Header carrying a record's event time (ms); producers set it, the Kafka timestamp is their clock. */
export const EVENT_TS_HEADER = 'event-ts';

/** A raw record's event time: the `event-ts` header, else the Kafka timestamp (outside producers). */
function eventTimeOf(m: { headers?: Record<string, unknown>; timestamp: string }): number {
  const h = m.headers?.[EVENT_TS_HEADER];
  const ts = h !== undefined ? Number(String(h)) : Number.NaN;
  return Number.isFinite(ts) ? ts : Number(m.timestamp);
}

function isRetriable(err: unknown): boolean {
  const e = err as { retriable?: boolean; type?: string; message?: string };
  return e.retriable === true || /COORDINATOR|NOT_LEADER|LEADER_NOT_AVAILABLE|REQUEST_TIMED_OUT|ECONNREFUSED|Connection error/i.test(`${e.type ?? ''} ${e.message ?? ''}`);
}

function isFencing(err: unknown): boolean {
  if (err instanceof CheckpointError) return err.code === 'CKPT_FENCED';
  const e = err as { type?: string; name?: string; message?: string };
  return /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|TRANSACTIONAL_ID_AUTHORIZATION|INVALID_TXN_STATE/.test(`${e.type ?? ''} ${e.name ?? ''} ${e.message ?? ''}`);
}
