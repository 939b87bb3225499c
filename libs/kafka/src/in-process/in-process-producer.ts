import kafkajs, { Partitioners, type IHeaders, type Message, type PartitionerArgs, type ProducerBatch, type ProducerConfig, type ProducerRecord, type RecordMetadata, type TopicMessages } from 'kafkajs';
import type { BusProducer, BusTransaction } from '../bus-client';
import type { InProcessBroker } from './in-process-broker';
import { InProcessTransaction } from './in-process-transaction';
import { nonRetriable, protocolError } from './kafka-errors';
import type { AppendRecord, PartitionLog, TxnOutcome } from './partition-log';

/** kafkajs's transaction state machine (`src/producer/eosManager/transactionStates.js`). */
export type TxnClientState = 'UNINITIALIZED' | 'READY' | 'TRANSACTING' | 'COMMITTING' | 'ABORTING';

/** Where a transactional send goes: checked against the coordinator before anything is appended. */
export interface TxnTarget {
  transactionalId: string;
  producerId: number;
  epoch: number;
}

/**
 * A producer of the in-process bus, as kafkajs's producer behaves towards its caller:
 *
 * - records are partitioned by the caller's `createPartitioner` or kafkajs's `DefaultPartitioner`
 *   (Java-compatible murmur2), so a key lands on the partition it would on Kafka;
 * - each `send`/`sendBatch` appends every partition's records as one record batch, in call order,
 *   before the returned promise resolves (after a turn of the event loop, as a network round trip);
 * - sending to a missing topic fails with UNKNOWN_TOPIC_OR_PARTITION (wrapped as kafkajs wraps it
 *   after its retries) and appends nothing; timestamps default to now, headers become Buffers;
 * - `transaction()` (with `transactionalId`) initialises the producer id on first use, which fences
 *   older producers with that id, and then follows kafkajs's state machine.
 */
export class InProcessProducer implements BusProducer {
  private readonly partitioner: (args: PartitionerArgs) => number;
  private readonly idempotent: boolean;
  private readonly transactionalId: string | undefined;
  private readonly transactionTimeoutMs: number;
  private connected = false;
  private producerId = -1;
  /** Transactional identity and state, once `transaction()` initialised them. */
  private txnId: TxnTarget | null = null;
  private txnState: TxnClientState = 'UNINITIALIZED';

  constructor(
    private readonly broker: InProcessBroker,
    config: ProducerConfig = {},
  ) {
    this.idempotent = config.idempotent ?? false;
    const retries = config.retry?.retries ?? broker.retry.retries;
    if (this.idempotent && retries !== undefined && retries < 1) throw nonRetriable('Idempotent producer must allow retries to protect against transient errors');
    this.transactionalId = config.transactionalId;
    this.transactionTimeoutMs = config.transactionTimeout ?? 60_000;
    this.partitioner = (config.createPartitioner ?? Partitioners.DefaultPartitioner)();
  }

  async connect(): Promise<void> {
    this.connected = true;
    if (this.idempotent && this.producerId < 0) this.producerId = this.broker.allocateProducerId();
  }

  async disconnect(): Promise<void> {
    // As on Kafka, an open transaction stays open until it times out or a new producer with the same id fences it.
    this.connected = false;
  }

  isIdempotent(): boolean {
    return this.idempotent;
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({ acks: record.acks, timeout: record.timeout, compression: record.compression, topicMessages: [{ topic: record.topic, messages: record.messages }] });
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.produce(batch, this.idempotent, null);
  }

  /**
   * Begins a transaction; the first call runs InitProducerId (fencing older producers with this
   * transactional id and aborting their open transaction).
   */
  async transaction(): Promise<BusTransaction> {
    if (!this.transactionalId) throw nonRetriable('Must provide transactional id for transactional producer');
    if (this.txnState === 'TRANSACTING') throw nonRetriable('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.');
    if (this.txnId === null) {
      const { producerId, epoch } = this.broker.transactions.initProducerId(this.transactionalId, this.transactionTimeoutMs);
      this.txnId = { transactionalId: this.transactionalId, producerId, epoch };
      this.txnState = 'READY';
    }
    if (this.txnState !== 'READY') throw nonRetriable(`Transaction state exception: Cannot call "beginTransaction" in state "${this.txnState}"`);
    this.txnState = 'TRANSACTING';
    return new InProcessTransaction(this, this.broker.transactions, this.txnId);
  }

  /** Used by {@link InProcessTransaction}: the client-side transaction state. */
  get transactionState(): TxnClientState {
    return this.txnState;
  }

  set transactionState(state: TxnClientState) {
    this.txnState = state;
  }

  /**
   * Validates like kafkajs, then appends every partition's records. With `txn`, each partition is
   * added to the transaction first (which checks the producer's epoch: a fenced producer appends nothing).
   */
  async produce(batch: ProducerBatch, idempotent: boolean, txn: TxnTarget | null): Promise<RecordMetadata[]> {
    const acks = batch.acks ?? -1;
    const topicMessages: TopicMessages[] = batch.topicMessages ?? [];
    if (topicMessages.some(({ topic }) => !topic)) throw nonRetriable('Invalid topic');
    if (idempotent && acks !== -1) throw nonRetriable("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
    for (const { topic, messages } of topicMessages) {
      if (!messages) throw nonRetriable(`Invalid messages array [${String(messages)}] for topic "${topic}"`);
      const withoutValue = messages.find((m) => m.value === undefined);
      if (withoutValue) throw nonRetriable(`Invalid message without value for topic "${topic}": ${JSON.stringify(withoutValue)}`);
    }
    if (!this.connected) throw new kafkajs.KafkaJSError('The producer is disconnected');

    // Everything is resolved before anything is appended: a failed send leaves no record behind.
    const groups = new Map<PartitionLog, AppendRecord[]>();
    const nowMs = String(this.broker.now());
    for (const { topic, messages } of topicMessages) {
      const log = this.broker.findTopic(topic);
      if (!log) throw retriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION', topic));
      for (const message of messages) {
        const p = this.partitioner({ topic, partitionMetadata: log.metadata as PartitionerArgs['partitionMetadata'], message });
        const partition = log.partitions[p];
        if (!partition) throw retriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}[${p}]`));
        const record = toRecord(message, nowMs);
        if (log.policy.compact && record.key === null) throw protocolError('INVALID_RECORD', `compacted topic ${topic} cannot accept a record without a key`);
        const list = groups.get(partition);
        if (list) list.push(record);
        else groups.set(partition, [record]);
      }
    }
    const outcomes = new Map<PartitionLog, TxnOutcome>();
    if (txn !== null) {
      this.broker.transactions.check(txn.transactionalId, txn.producerId, txn.epoch);
      for (const partition of groups.keys()) outcomes.set(partition, this.broker.transactions.addPartition(txn.transactionalId, txn.producerId, txn.epoch, partition));
    }
    const out: RecordMetadata[] = [];
    const producerId = txn?.producerId ?? this.producerId;
    const epoch = txn?.epoch ?? 0;
    for (const [partition, records] of groups) {
      const baseOffset = partition.append(records, { producerId, producerEpoch: epoch, txn: outcomes.get(partition) ?? null });
      out.push({ topicName: partition.topic, partition: partition.partition, errorCode: 0, baseOffset: String(baseOffset), logAppendTime: '-1', logStartOffset: String(partition.low) });
    }
    // A produce is a round trip on Kafka: resolve on a later turn, so tight producer loops let timers and I/O run.
    await new Promise((resolve) => setImmediate(resolve));
    return acks === 0 ? [] : out;
  }
}

function retriesExceeded(cause: Error): Error {
  // kafkajs retries UNKNOWN_TOPIC_OR_PARTITION (metadata may be stale) and then gives up with this.
  const RetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as new (e: unknown, meta: object) => Error;
  return new RetriesExceeded(cause, { retryCount: 0, retryTime: 0, cause });
}

function toBytes(v: unknown, what: string): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return Buffer.from(v);
  // Copied: the record must not change if the caller reuses its buffer, as after a network send.
  if (v instanceof Uint8Array) return Buffer.from(v);
  throw nonRetriable(`Invalid ${what}: expected a Buffer, a string or null, got ${typeof v}`);
}

function toRecord(message: Message, nowMs: string): AppendRecord {
  const key = toBytes(message.key, 'key');
  const value = toBytes(message.value, 'value');
  let bytes = (key?.length ?? 0) + (value?.length ?? 0);
  const headers: IHeaders = {};
  if (message.headers) {
    for (const [name, v] of Object.entries(message.headers)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) {
        const list = v.map((x) => toBytes(x, `header ${name}`) ?? Buffer.alloc(0));
        for (const b of list) bytes += name.length + b.length;
        headers[name] = list.length === 1 ? list[0] : list;
      } else {
        const b = toBytes(v, `header ${name}`) ?? Buffer.alloc(0);
        bytes += name.length + b.length;
        headers[name] = b;
      }
    }
  }
  return { key, value, headers, timestamp: message.timestamp ?? nowMs, bytes };
}
