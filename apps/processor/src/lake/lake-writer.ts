import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EachBatchPayload } from 'kafkajs';
import type { BusAdmin, BusConsumer } from '@tickflow/kafka';
import { LAKE_DATASETS, datasetDir, type AnyLakeDataset } from '@tickflow/analytics';
import { decode } from '@tickflow/schemas';
import { listDatasetFiles, planRecovery, type PartitionFile } from './lake-files';
import { LakeWriterLock } from './lake-writer-lock';
import type { LakeWriterOptions } from './lake-writer-options';
import { ParquetBatchWriter, publish, type LakeRecord } from './parquet-batch-writer';

/** What the writer holds for one source partition it owns, between two rebalances. */
class PartitionState {
  buffer: LakeRecord[] = [];
  /** Processing time the oldest unwritten record arrived; 0 when there is none. */
  pendingSinceMs = 0;
  /** Next source offset to take; also the offset committed after the buffered records are written. */
  nextOffset: number;
  committedOffset: number;
  /** Set by a seek: batches fetched from elsewhere predate it and are ignored. */
  awaitingFetchFrom: number | null;
  /** A rebalance happened since this state was made: write nothing more for it. */
  invalid = false;
  flushQueued = false;

  constructor(
    readonly dataset: AnyLakeDataset,
    readonly topic: string,
    readonly partition: number,
    startOffset: number,
  ) {
    this.nextOffset = startOffset;
    this.committedOffset = startOffset;
    this.awaitingFetchFrom = startOffset;
  }
}

/**
 * The lake writer (design §4): a consumer group of its own over `enriched.trades` and
 * `analytics.trade-aggregates`, read_committed, that writes each source partition's records as
 * Parquet files partitioned `date=/hour=` by event time (lake layout in `@tickflow/analytics`).
 *
 * Per source partition, a batch (size or age) is written to temp files, fsynced, renamed into
 * place, and only then are the offsets after it committed. On every assignment, before consuming,
 * the partition's uncommitted leftovers — published files whose first offset is ≥ the committed
 * offset, and temp files — are deleted (`planRecovery`), so a restart rewrites those records once,
 * even with other batch boundaries. All flushes and recoveries run one at a time (`lane`); a
 * flush never publishes or commits for a partition that a rebalance has taken away since. One
 * writer per lake directory (`LakeWriterLock`): Kafka can fence a stale member's commit, not its
 * rename.
 */
export class LakeWriter {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly datasetsByTopic = new Map<string, AnyLakeDataset>();
  private consumer: BusConsumer | null = null;
  private admin: BusAdmin | null = null;
  private writer: ParquetBatchWriter | null = null;
  private lock: LakeWriterLock | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lane: Promise<void> = Promise.resolve();
  /** Recovery of the latest assignment; batches wait for it. */
  private recovery: Promise<void> = Promise.resolve();
  private rebalancing = false;
  private stopping = false;
  private publishes = 0;
  private rejected = 0;
  private readonly lakeRoot: string;

  constructor(private readonly opts: LakeWriterOptions) {
    this.lakeRoot = resolve(opts.lakeRoot);
    for (const d of LAKE_DATASETS) this.datasetsByTopic.set(opts.topicPrefix + d.topic, d);
  }

  async start(): Promise<void> {
    mkdirSync(this.lakeRoot, { recursive: true });
    this.lock = LakeWriterLock.acquire(this.lakeRoot);
    try {
      await this.connect();
    } catch (err) {
      if (this.timer) clearInterval(this.timer);
      await this.consumer?.disconnect().catch(() => undefined);
      await this.admin?.disconnect().catch(() => undefined);
      this.writer?.close();
      this.lock.release();
      throw err;
    }
  }

  private async connect(): Promise<void> {
    const { kafka, groupId } = this.opts;
    this.writer = await ParquetBatchWriter.open(this.lakeRoot, this.opts.duckdbThreads ?? 2);
    this.admin = kafka.admin();
    await this.admin.connect();
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 5)),
      maxWaitTimeInMs: 200,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => {
      // From here until the next assignment, nothing is published or committed.
      this.rebalancing = true;
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => {
      const error = e.payload.error instanceof Error ? e.payload.error : new Error(String(e.payload.error));
      if (e.payload.restart) this.opts.log('warn', 'consumer crashed; kafkajs restarts it', { error: error.message });
      else this.opts.onFatal?.(error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.datasetsByTopic.keys()], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    const tick = Math.min(1000, Math.max(50, Math.floor(this.opts.maxBatchAgeMs / 4)));
    this.timer = setInterval(() => this.onTick(), tick);
  }

  /** SIGTERM: stop taking records, write and commit everything buffered, leave the group. */
  async stop(): Promise<{ committed: boolean }> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    let committed = true;
    if (this.consumer) {
      this.consumer.pause([...this.datasetsByTopic.keys()].map((topic) => ({ topic })));
      await this.enqueue(async () => {
        for (const st of this.partitions.values()) {
          try {
            if (!(await this.flush(st))) committed = false;
          } catch (err) {
            committed = false;
            this.opts.log('error', 'final lake batch failed; the next run rewrites it', { topic: st.topic, partition: st.partition, error: err instanceof Error ? err.message : String(err) });
          }
        }
      });
      await this.consumer.disconnect();
    }
    await this.admin?.disconnect();
    await this.lane;
    this.writer?.close();
    this.writer = null;
    this.lock?.release();
    this.lock = null;
    return { committed };
  }

  /** Records that did not decode (logged and skipped; their offsets are committed with their batch). */
  get rejectedRecords(): number {
    return this.rejected;
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    for (const st of this.partitions.values()) st.invalid = true;
    this.partitions.clear();
    this.rebalancing = false;
    const owned: Array<{ topic: string; partition: number; dataset: AnyLakeDataset }> = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      const dataset = this.datasetsByTopic.get(topic);
      if (dataset) for (const p of partitions) owned.push({ topic, partition: Number(p), dataset });
    }
    this.opts.log('info', 'partitions assigned', { partitions: owned.map((o) => `${o.topic}[${o.partition}]`) });
    this.recovery = this.enqueue(() => this.recover(owned)).catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      this.opts.log('error', 'lake recovery failed', { error: error.message });
      this.opts.onFatal?.(error);
    });
  }

  /**
   * For each owned partition: read the committed offset and the low watermark, delete the
   * uncommitted leftovers, and seek to where the lake's records end.
   */
  private async recover(owned: ReadonlyArray<{ topic: string; partition: number; dataset: AnyLakeDataset }>): Promise<void> {
    if (owned.length === 0 || this.stopping) return;
    const topics = [...new Set(owned.map((o) => o.topic))];
    const committed = await this.admin!.fetchOffsets({ groupId: this.opts.groupId, topics });
    const lows = new Map<string, number>();
    for (const topic of topics) for (const o of await this.admin!.fetchTopicOffsets(topic)) lows.set(`${topic}:${o.partition}`, Number(o.low));
    const filesByDataset = new Map<string, Map<number, PartitionFile[]>>();
    for (const o of owned) {
      let files = filesByDataset.get(o.dataset.name);
      if (!files) filesByDataset.set(o.dataset.name, (files = listDatasetFiles(datasetDir(this.lakeRoot, o.dataset))));
      const entry = committed.find((c) => c.topic === o.topic)?.partitions.find((p) => p.partition === o.partition);
      const committedOffset = entry ? Number(entry.offset) : -1;
      const plan = planRecovery(files.get(o.partition) ?? [], committedOffset, lows.get(`${o.topic}:${o.partition}`) ?? 0);
      for (const f of plan.remove) rmSync(f.path, { force: true });
      if (plan.remove.length > 0 || plan.rewound) {
        this.opts.log(plan.rewound ? 'warn' : 'info', 'removed uncommitted lake files', {
          dataset: o.dataset.name,
          partition: o.partition,
          committed: committedOffset,
          start: plan.startOffset,
          removed: plan.remove.length,
          rewound: plan.rewound,
        });
      }
      if (this.stopping) return;
      const st = new PartitionState(o.dataset, o.topic, o.partition, plan.startOffset);
      this.partitions.set(key(o.topic, o.partition), st);
      this.consumer!.seek({ topic: o.topic, partition: o.partition, offset: String(plan.startOffset) });
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.recovery;
    if (this.stopping || !isRunning() || isStale()) return;
    const st = this.partitions.get(key(batch.topic, batch.partition));
    if (!st || st.invalid) return;
    if (st.awaitingFetchFrom !== null) {
      // A fetch started before the seek of the recovery: not resolved, so the next one starts there.
      if (Number((batch as unknown as { fetchedOffset: string }).fetchedOffset) !== st.awaitingFetchFrom) return;
      st.awaitingFetchFrom = null;
    }
    const eventName = st.dataset.eventName;
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      if (offset < st.nextOffset) continue; // delivered again after the seek: already buffered
      const r = decode(eventName, m.value);
      if (r.ok) {
        // avsc decodes into record class instances: keep plain data.
        st.buffer.push({ offset, value: { ...(r.value as object) } as Record<string, unknown> });
      } else {
        this.rejected++;
        this.opts.log('error', 'record does not decode; skipped (the topic keeps it)', { topic: batch.topic, partition: batch.partition, offset, error: r.error.message });
      }
    }
    // Past the batch's last record, control records and aborted records included.
    st.nextOffset = Math.max(st.nextOffset, Number(batch.lastOffset()) + 1);
    if (st.pendingSinceMs === 0 && st.nextOffset > st.committedOffset) st.pendingSinceMs = Date.now();
    resolveOffset(batch.lastOffset());
    if (st.buffer.length >= this.opts.maxBatchRecords) await this.requestFlush(st);
    await heartbeat();
  }

  private onTick(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const st of this.partitions.values()) {
      if (st.pendingSinceMs > 0 && now - st.pendingSinceMs >= this.opts.maxBatchAgeMs) void this.requestFlush(st);
    }
  }

  private requestFlush(st: PartitionState): Promise<void> {
    if (st.flushQueued) return this.lane;
    st.flushQueued = true;
    return this.enqueue(async () => {
      st.flushQueued = false;
      await this.flush(st);
    }).catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      this.opts.log('error', 'writing a lake batch failed', { topic: st.topic, partition: st.partition, error: error.message });
      this.opts.onFatal?.(error);
    });
  }

  /**
   * Writes the partition's buffered records in batches of at most `maxBatchRecords`. Returns false
   * when some commit did not happen (a later commit, or the next owner's recovery, covers it).
   */
  private async flush(st: PartitionState): Promise<boolean> {
    if (st.invalid || this.rebalancing) return false;
    if (st.buffer.length === 0 && st.nextOffset <= st.committedOffset) {
      st.pendingSinceMs = 0;
      return true;
    }
    const records = st.buffer;
    const endOffset = st.nextOffset;
    st.buffer = [];
    st.pendingSinceMs = 0;
    const max = this.opts.maxBatchRecords;
    let committed = true;
    for (let i = 0; i === 0 || i < records.length; i += max) {
      const batch = records.slice(i, i + max);
      // The last batch commits past control and aborted records too; earlier ones, past their last record.
      const commitOffset = i + max >= records.length ? endOffset : batch.at(-1)!.offset + 1;
      const outcome = await this.writeBatch(st, batch, commitOffset);
      if (outcome === 'lost') return false;
      if (outcome === 'uncommitted') committed = false;
    }
    return committed;
  }

  /**
   * One batch: temp files, then — if the partition is still ours — rename into place, then commit
   * the offset after it.
   */
  private async writeBatch(st: PartitionState, records: readonly LakeRecord[], commitOffset: number): Promise<'committed' | 'uncommitted' | 'lost'> {
    let staged;
    try {
      staged = await this.writer!.stage(st.dataset, st.partition, records);
    } catch (err) {
      // These records are out of the buffer and not in the lake: never commit past them.
      st.invalid = true;
      throw err;
    }
    // Ownership check and publish, with no await in between: a rebalance cannot slip in.
    if (st.invalid || this.rebalancing) {
      for (const f of staged) rmSync(f.tempPath, { force: true });
      return 'lost';
    }
    publish(staged);
    if (staged.length > 0 && this.opts.crashAfterPublishes !== undefined && ++this.publishes >= this.opts.crashAfterPublishes) {
      this.opts.log('warn', 'fault injection: SIGKILL after publishing, before committing', { dataset: st.dataset.name, partition: st.partition, commitOffset });
      process.kill(process.pid, 'SIGKILL');
    }
    try {
      await this.consumer!.commitOffsets([{ topic: st.topic, partition: st.partition, offset: String(commitOffset) }]);
    } catch (err) {
      // The files stay; the next commit covers them, or the next owner's recovery rewrites them.
      this.opts.log('warn', 'offset commit failed after publishing', { dataset: st.dataset.name, partition: st.partition, commitOffset, error: err instanceof Error ? err.message : String(err) });
      return 'uncommitted';
    }
    st.committedOffset = Math.max(st.committedOffset, commitOffset);
    this.opts.log('info', 'batch committed', {
      dataset: st.dataset.name,
      partition: st.partition,
      records: records.length,
      files: staged.length,
      firstOffset: records[0]?.offset ?? null,
      lastOffset: records.at(-1)?.offset ?? null,
      commitOffset,
    });
    this.opts.onCommitted?.(st.dataset.name, st.partition, records.length, staged.length);
    return 'committed';
  }

  /** Runs `task` after every flush and recovery queued before it. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lane.then(task);
    this.lane = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
