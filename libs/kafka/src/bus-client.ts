import type { Admin, AdminConfig, Consumer, ConsumerConfig, Producer, ProducerConfig, Transaction } from 'kafkajs';

/**
 * The bus port (design §1, "two profiles, one code path"): exactly the part of kafkajs that tickflow's
 * runners use, so the same app classes run over a Kafka cluster (kafkajs's `Kafka`, which satisfies
 * `BusClient` as it is) or over the embedded profile's in-process bus (`InProcessKafka`).
 *
 * Each type is a `Pick` of kafkajs's own type, so signatures, payloads and event names are kafkajs's.
 * Only the factories are re-declared, to return the narrowed types: a backend implements what is
 * used, not all of kafkajs. Adding a member here means implementing it in every backend.
 */

/** An open transaction: its records and input offsets become visible atomically at `commit`. */
export type BusTransaction = Pick<Transaction, 'send' | 'sendBatch' | 'sendOffsets' | 'commit' | 'abort'>;

/** A producer; transactional when created with a `transactionalId`. */
export type BusProducer = Pick<Producer, 'connect' | 'disconnect' | 'send' | 'sendBatch'> & {
  /**
   * Begins a transaction (the first call also fences every older producer with the same
   * `transactionalId` and aborts its open transaction).
   */
  transaction(): Promise<BusTransaction>;
};

/** A consumer-group member: `run` delivers batches per partition; events via `on(consumer.events.X)`. */
export type BusConsumer = Pick<Consumer, 'connect' | 'disconnect' | 'subscribe' | 'run' | 'stop' | 'commitOffsets' | 'seek' | 'pause' | 'resume' | 'on' | 'events'>;

/** Topic and offset administration. `fetchTopicOffsets` reports `high` as the last stable offset, as kafkajs does. */
export type BusAdmin = Pick<Admin, 'connect' | 'disconnect' | 'listTopics' | 'createTopics' | 'fetchTopicMetadata' | 'fetchTopicOffsets' | 'fetchOffsets' | 'describeConfigs'>;

/** What tickflow asks of a `Kafka` client. kafkajs's `Kafka` is one; `InProcessKafka` is the other. */
export interface BusClient {
  producer(config?: ProducerConfig): BusProducer;
  consumer(config: ConsumerConfig): BusConsumer;
  admin(config?: AdminConfig): BusAdmin;
}
