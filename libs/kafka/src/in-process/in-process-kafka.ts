import type { ConsumerConfig, ProducerConfig } from 'kafkajs';
import type { BusClient } from '../bus-client';
import { InProcessAdmin } from './in-process-admin';
import { InProcessBroker } from './in-process-broker';
import { InProcessConsumer } from './in-process-consumer';
import type { InProcessKafkaOptions } from './in-process-kafka-options';
import { InProcessProducer } from './in-process-producer';

/**
 * The embedded profile's bus: a Kafka broker and its kafkajs client in one object, in this
 * process, with Kafka's partition / offset / consumer-group / transaction contract as kafkajs
 * callers observe it — so `KafkaProcessor`, the writers and the API sources run on it unchanged.
 *
 * What it keeps of Kafka: keyed records land on the partitions kafkajs's partitioner picks; every
 * record, transaction markers included, takes an offset; read_committed consumers never see open or
 * aborted transactions; `sendOffsets` commits with its transaction; a new producer with a
 * transactional id fences the older ones; groups rebalance with the caller's assigners and fence
 * stale members' commits; retention, caps and compaction bound each partition.
 *
 * What it does not: records live in memory only (a restart drops what was not consumed; with
 * `stateDir`, committed offsets survive and new offsets continue past every offset ever handed
 * out); one process, one broker; no network errors, no replication, no quotas.
 *
 * `close()` when done: it aborts open transactions, stops the bus's timers and releases `stateDir`.
 */
export class InProcessKafka implements BusClient {
  private readonly broker: InProcessBroker;

  /**
   * @throws BusStateError when `stateDir` holds a corrupt state file or another live bus
   */
  constructor(options: InProcessKafkaOptions = {}) {
    this.broker = new InProcessBroker(options);
  }

  producer(config?: ProducerConfig): InProcessProducer {
    return new InProcessProducer(this.broker, config);
  }

  consumer(config: ConsumerConfig): InProcessConsumer {
    return new InProcessConsumer(this.broker, config);
  }

  admin(): InProcessAdmin {
    return new InProcessAdmin(this.broker);
  }

  /** Aborts open transactions, stops the bus's timers and releases `stateDir`. Stop consumers first. Idempotent. */
  async close(): Promise<void> {
    this.broker.close();
  }
}
