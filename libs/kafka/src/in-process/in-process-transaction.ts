import type { Offsets, ProducerBatch, ProducerRecord, RecordMetadata, Transaction } from 'kafkajs';
import type { InProcessProducer, TxnTarget } from './in-process-producer';
import { nonRetriable } from './kafka-errors';
import type { TransactionCoordinator, TxnOffset } from './transaction-coordinator';

/**
 * One transaction of an {@link InProcessProducer}, with kafkajs's client-side rules
 * (`src/producer/index.js`, `eosManager`): every call after the transaction ended rejects with
 * "Cannot continue to use transaction once ended"; a commit or abort of a transaction that wrote
 * nothing and sent no offsets ends it without asking the coordinator (so it cannot fail); a commit
 * the coordinator refuses (fenced: INVALID_PRODUCER_EPOCH) leaves the producer in COMMITTING, from
 * which kafkajs allows neither an abort nor a new transaction.
 */
export class InProcessTransaction implements Transaction {
  private ended = false;
  /** Partitions or offsets were added: ending it needs the coordinator (kafkajs's `isOngoing`). */
  private ongoing = false;

  constructor(
    private readonly producer: InProcessProducer,
    private readonly coordinator: TransactionCoordinator,
    private readonly id: TxnTarget,
  ) {}

  isActive(): boolean {
    return this.producer.transactionState === 'TRANSACTING' && !this.ended;
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({ acks: record.acks, timeout: record.timeout, compression: record.compression, topicMessages: [{ topic: record.topic, messages: record.messages }] });
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.guard();
    const out = await this.producer.produce(batch, true, this.id);
    if (out.length > 0 || (batch.topicMessages ?? []).some((t) => t.messages.length > 0)) this.ongoing = true;
    return out;
  }

  async sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void> {
    this.guard();
    if (!offsets.consumerGroupId) throw nonRetriable('Missing consumerGroupId');
    if (!offsets.topics) throw nonRetriable('Missing offset topics');
    const flat: TxnOffset[] = [];
    for (const { topic, partitions } of offsets.topics) for (const { partition, offset } of partitions) flat.push({ topic, partition, offset: Number(offset) });
    this.coordinator.addOffsets(this.id.transactionalId, this.id.producerId, this.id.epoch, offsets.consumerGroupId, flat);
    this.ongoing = true;
  }

  async commit(): Promise<void> {
    await this.end(true);
  }

  async abort(): Promise<void> {
    await this.end(false);
  }

  private async end(commit: boolean): Promise<void> {
    this.guard();
    this.producer.transactionState = commit ? 'COMMITTING' : 'ABORTING';
    if (this.ongoing) this.coordinator.endTxn(this.id.transactionalId, this.id.producerId, this.id.epoch, commit);
    this.producer.transactionState = 'READY';
    this.ended = true;
    await new Promise((resolve) => setImmediate(resolve));
  }

  private guard(): void {
    if (!this.isActive()) throw nonRetriable('Cannot continue to use transaction once ended');
  }
}
