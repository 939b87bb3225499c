import type { EachBatchPayload } from 'kafkajs';
import type { BusAdmin, BusClient, BusConsumer } from '@tickflow/kafka';
import { TOPICS, type TopicName } from '@tickflow/operators';
import { decode } from '@tickflow/schemas';
import { STORED_EVENTS, toStoredRow, type ClickHouse, type StoredEventName } from '@tickflow/clickhouse';
import { PartitionBatcher, type SealedBatch } from './partition-batcher';

export interface ClickHouseWriterOptions {
  /** The bus: a Kafka client, or the embedded profile's `InProcessKafka`. */
  kafka: BusClient;
  ch: ClickHouse;
  /** Consumer group of the writer (its own, apart from the processor's). @defaultValue 'tickflow-clickhouse-writer' */
  groupId: string;
  /** Prepended to every topic name. @defaultValue '' */
  topicPrefix: string;
  /** Insert when a partition's batch holds this many rows. @defaultValue 20_000 */
  batchRows: number;
  /** …or when its oldest record waited this long, ms. @defaultValue 1_000 */
  batchMs: number;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Rows inserted (acknowledged) into a table. */
  onInserted?: (table: string, rows: number, ms: number) => void;
  /**
   * Fault injection for crash tests: SIGKILL this process right after the n-th insert is
   * acknowledged and before its offsets are committed — the window exactly-once has to survive.
   */
  killAfterInserts?: number;
}

/** Output topic → the event it carries, whose STORED_EVENTS entry names table and row mapper. */
const STORED_TOPICS: ReadonlyArray<readonly [TopicName, StoredEventName]> = [
  [TOPICS.bars1s, 'MicroBar'],
  [TOPICS.signals, 'Signal'],
  [TOPICS.tradeAggregates, 'TradeAggregate'],
  [TOPICS.orderBookMetrics, 'OrderBookMetrics'],
  [TOPICS.priceAlerts, 'PriceAlert'],
  [TOPICS.enrichedTrades, 'EnrichedTrade'],
];

/** The output topics the writer stores (logical names, without a topic prefix). */
export const STORED_TOPIC_NAMES: readonly TopicName[] = Object.freeze(STORED_TOPICS.map(([t]) => t));

/** Table recording each batch before it is inserted; see `ClickHouseWriter`. */
export const WRITER_BATCHES_TABLE = 'writer_batches';

interface PartitionState {
  batcher: PartitionBatcher<object>;
  /** Serializes this partition's inserts and commits (the tick and the fetch loop both flush). */
  chain: Promise<void>;
}

/**
 * Writes the output topics into ClickHouse (design §4), exactly once as seen by the tables and their
 * materialized views. Reads read_committed in its own group; per topic partition, rows are batched
 * (size or age), then: (1) the batch's offset range is recorded in `writer_batches`; (2) the rows are
 * inserted with `insert_deduplication_token = <topic>:<partition>:<first>-<last>`; (3) the offsets are
 * committed. After a crash between (2) and (3), the next owner of the partition finds the recorded
 * range at its committed offset and cuts its first batch at exactly that range, so the retried insert
 * carries the same token and ClickHouse drops it. The ReplacingMergeTree tables would also collapse
 * duplicates under FINAL; the token is what keeps the summing views (positions, sectors) exact.
 */
export class ClickHouseWriter {
  private consumer: BusConsumer | null = null;
  private admin: BusAdmin | null = null;
  private readonly partitions = new Map<string, PartitionState>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private inserts = 0;

  constructor(private readonly opts: ClickHouseWriterOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId } = this.opts;
    this.admin = kafka.admin();
    await this.admin.connect();
    this.consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, sessionTimeout: 10_000 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      // Batches of partitions this instance may have lost are dropped uncommitted: their owner re-reads them.
      this.partitions.clear();
    });
    // kafkajs does not hand over fetches holding only markers or aborted records; it reports them here.
    this.consumer.on(this.consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return;
      const state = this.partitions.get(key(payload.topic, payload.partition));
      if (state) this.extend(payload.topic, payload.partition, state, Number(payload.lastOffset));
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: STORED_TOPICS.map(([t]) => this.opts.topicPrefix + t), fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p) });
    this.timer = setInterval(() => this.flushDue(), Math.max(50, Math.floor(this.opts.batchMs / 4)));
  }

  /** Inserts and commits what is buffered, then leaves the group (SIGTERM). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.stop();
    for (const [key, state] of this.partitions) {
      const [topic, partition] = splitKey(key);
      const batch = state.batcher.due(Number.POSITIVE_INFINITY);
      if (batch) this.enqueue(topic, partition, state, batch);
      await state.chain.catch(() => undefined);
    }
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const logical = batch.topic.slice(this.opts.topicPrefix.length) as TopicName;
    const event = STORED_TOPICS.find(([t]) => t === logical)?.[1];
    if (!event || batch.messages.length === 0) return;
    const state = await this.partitionState(batch.topic, batch.partition);
    let last = -1;
    for (const m of batch.messages) {
      if (!isRunning() || isStale()) return;
      last = Number(m.offset);
      const decoded = decode(event, m.value);
      let row: object | null = null;
      if (decoded.ok) row = toStoredRow(event, decoded.value as never);
      else this.opts.log('error', 'output record does not decode; skipped', { topic: batch.topic, partition: batch.partition, offset: m.offset, error: decoded.error.message });
      const sealed = state.batcher.add(Number(m.offset), row, Date.now());
      if (sealed) this.enqueue(batch.topic, batch.partition, state, sealed);
      resolveOffset(m.offset);
    }
    // Transaction markers (and aborted records) after the last data record carry no rows, but the
    // committed offset must pass them, or the writer's lag never reaches 0.
    const tail = Number(batch.lastOffset());
    if (tail > last) this.extend(batch.topic, batch.partition, state, tail);
    // Back-pressure: do not fetch further ahead than one insert per partition.
    await state.chain;
    await heartbeat();
  }

  /** Takes offsets up to `offset` without rows into the partition's open batch (committed with it). */
  private extend(topic: string, partition: number, state: PartitionState, offset: number): void {
    const sealed = state.batcher.add(offset, null, Date.now());
    if (sealed) this.enqueue(topic, partition, state, sealed);
  }

  private flushDue(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const [key, state] of this.partitions) {
      const batch = state.batcher.due(now);
      if (!batch) continue;
      const [topic, partition] = splitKey(key);
      this.enqueue(topic, partition, state, batch);
    }
  }

  private enqueue(topic: string, partition: number, state: PartitionState, batch: SealedBatch<object>): void {
    state.chain = state.chain.then(() => this.write(topic, partition, batch)).catch((err: unknown) => this.failed(topic, partition, err));
  }

  private async write(topic: string, partition: number, batch: SealedBatch<object>): Promise<void> {
    const logical = topic.slice(this.opts.topicPrefix.length) as TopicName;
    const event = STORED_TOPICS.find(([t]) => t === logical)![1];
    const { table } = STORED_EVENTS[event];
    const token = `${logical}:${partition}:${batch.firstOffset}-${batch.lastOffset}`;
    const started = performance.now();
    await this.opts.ch.insert(WRITER_BATCHES_TABLE, [{ group_id: this.opts.groupId, topic: logical, partition, first_offset: batch.firstOffset, last_offset: batch.lastOffset }]);
    if (batch.rows.length > 0) await this.opts.ch.insert(table, batch.rows, { dedupToken: token });
    if (this.opts.killAfterInserts !== undefined && ++this.inserts >= this.opts.killAfterInserts) process.kill(process.pid, 'SIGKILL');
    await this.consumer!.commitOffsets([{ topic, partition, offset: String(batch.lastOffset + 1) }]);
    this.opts.onInserted?.(table, batch.rows.length, performance.now() - started);
  }

  /** An insert or commit failed: forget the partition's progress and re-read it from its last commit. */
  private failed(topic: string, partition: number, err: unknown): void {
    this.opts.log('error', 'insert or commit failed; re-reading the partition from its last commit', { topic, partition, error: err instanceof Error ? err.message : String(err) });
    this.partitions.delete(key(topic, partition));
    if (!this.stopping) void this.seekToCommitted(topic, partition);
  }

  private async seekToCommitted(topic: string, partition: number): Promise<void> {
    await new Promise((r) => setTimeout(r, 1000)); // let a failing ClickHouse or coordinator recover
    const offset = await this.committedOffset(topic, partition).catch(() => null);
    if (offset !== null && !this.stopping) this.consumer?.seek({ topic, partition, offset: String(offset) });
  }

  /**
   * First batch of a partition in this run: if the last recorded batch starts at the committed offset,
   * a previous run may have inserted it without committing, so cut the first batch at its end.
   */
  private async partitionState(topic: string, partition: number): Promise<PartitionState> {
    const k = key(topic, partition);
    let state = this.partitions.get(k);
    if (state) return state;
    const batcher = new PartitionBatcher<object>(this.opts.batchRows, this.opts.batchMs);
    const committed = await this.committedOffset(topic, partition);
    const logical = topic.slice(this.opts.topicPrefix.length);
    const [recorded] = await this.opts.ch.query<{ first_offset: number; last_offset: number }>(
      `SELECT first_offset, last_offset FROM ${WRITER_BATCHES_TABLE} FINAL
        WHERE group_id = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}`,
      { group: this.opts.groupId, topic: logical, partition },
    );
    if (recorded && committed !== null && recorded.first_offset >= committed) {
      batcher.replay(recorded.last_offset);
      this.opts.log('info', 'replaying a batch that may have been inserted before a crash', { topic, partition, first: recorded.first_offset, last: recorded.last_offset });
    }
    state = { batcher, chain: Promise.resolve() };
    this.partitions.set(k, state);
    return state;
  }

  private async committedOffset(topic: string, partition: number): Promise<number | null> {
    const fetched = await this.admin!.fetchOffsets({ groupId: this.opts.groupId, topics: [topic] });
    const entry = fetched[0]?.partitions.find((p) => p.partition === partition);
    return entry && Number(entry.offset) >= 0 ? Number(entry.offset) : null;
  }
}

function key(topic: string, partition: number): string {
  return `${partition}|${topic}`;
}

function splitKey(k: string): [string, number] {
  const i = k.indexOf('|');
  return [k.slice(i + 1), Number(k.slice(0, i))];
}
