import type { ITopicConfig, RetryOptions } from 'kafkajs';
import { BusStateStore } from './bus-state-store';
import { stderrBusLog } from './bus-logger';
import { ConsumerGroup } from './consumer-group';
import type { BusLog, InProcessKafkaOptions } from './in-process-kafka-options';
import { protocolError } from './kafka-errors';
import type { PartitionLogLimits } from './partition-log';
import { TopicLog } from './topic-log';
import { TransactionCoordinator } from './transaction-coordinator';

/** How often group sessions and rebalance deadlines are checked, ms. */
const GROUP_SWEEP_MS = 250;

/**
 * The state behind an `InProcessKafka`: topics, consumer groups, the transaction coordinator and
 * the persisted offsets. Clients (producers, consumers, admins) hold a reference to it; everything
 * runs on the caller's event loop, synchronously, so each broker operation is atomic.
 */
export class InProcessBroker {
  readonly clientId: string;
  readonly log: BusLog;
  readonly retry: RetryOptions;
  readonly now: () => number;
  readonly transactions: TransactionCoordinator;
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly store: BusStateStore | null;
  private readonly limits: Omit<PartitionLogLimits, 'reserve'>;
  private nextProducerId = 1;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly retentionTimer: NodeJS.Timeout;
  private closed = false;

  constructor(options: InProcessKafkaOptions) {
    this.clientId = options.clientId ?? 'tickflow';
    this.log = options.log ?? stderrBusLog;
    this.retry = options.retry ?? {};
    this.now = options.now ?? Date.now;
    this.limits = {
      maxRecords: positive('maxRecordsPerPartition', options.maxRecordsPerPartition ?? 200_000),
      maxBytes: positive('maxBytesPerPartition', options.maxBytesPerPartition ?? 64 * 1024 * 1024),
      reserveBlock: positive('reserveBlock', options.reserveBlock ?? 100_000),
      now: this.now,
    };
    const retentionCheckMs = positive('retentionCheckIntervalMs', options.retentionCheckIntervalMs ?? 30_000);
    this.store = options.stateDir !== undefined ? BusStateStore.open(options.stateDir) : null;
    this.transactions = new TransactionCoordinator(
      () => this.nextProducerId++,
      (groupId, offsets) => this.group(groupId).apply(offsets),
    );
    this.sweepTimer = setInterval(() => {
      for (const g of this.groups.values()) g.sweep();
    }, GROUP_SWEEP_MS);
    this.sweepTimer.unref();
    this.retentionTimer = setInterval(() => {
      for (const t of this.topics.values()) for (const p of t.partitions) p.enforceRetention();
    }, retentionCheckMs);
    this.retentionTimer.unref();
  }

  /** A producer id for an idempotent or transactional producer. */
  allocateProducerId(): number {
    return this.nextProducerId++;
  }

  /** The topic, or UNKNOWN_TOPIC_OR_PARTITION as a broker with auto-creation off answers. */
  topic(name: string): TopicLog {
    const t = this.topics.get(name);
    if (!t) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', name);
    return t;
  }

  findTopic(name: string): TopicLog | undefined {
    return this.topics.get(name);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /**
   * Creates a topic (partitions continue from persisted reservations). Returns false when it exists.
   * @throws KafkaJSProtocolError for an invalid name, partition count or config
   */
  createTopic(config: ITopicConfig, validateOnly = false): boolean {
    this.assertOpen();
    TopicLog.validate(config);
    if (this.topics.has(config.topic)) return false;
    if (validateOnly) return true;
    const store = this.store;
    const topic = TopicLog.create(
      config,
      (p) => ({ ...this.limits, reserve: store ? (end) => store.reserve(config.topic, p, end) : null }),
      (p) => store?.reservedEnd(config.topic, p) ?? 0,
    );
    this.topics.set(config.topic, topic);
    return true;
  }

  /** The group (created on first use, with the committed offsets a previous run persisted). */
  group(groupId: string): ConsumerGroup {
    this.assertOpen();
    let g = this.groups.get(groupId);
    if (!g) {
      // Sessions run on the wall clock; `now` (injectable) only drives record timestamps and retention.
      g = new ConsumerGroup(groupId, this.store?.groupOffsets().get(groupId), Date.now, () => this.persistGroups());
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** Aborts open transactions, stops timers and releases the state directory. */
  close(): void {
    if (this.closed) return;
    this.transactions.close();
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.retentionTimer);
    this.store?.close();
  }

  private persistGroups(): void {
    if (!this.store) return;
    const all = new Map(this.store.groupOffsets());
    for (const [id, g] of this.groups) all.set(id, g.offsetTable());
    this.store.saveGroupOffsets(all);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InProcessKafka: closed');
  }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`InProcessKafka: ${name} must be a positive integer, got ${value}`);
  return value;
}
