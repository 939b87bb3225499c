/**
 * @tickflow/kafka — the Kafka edge: the topic catalogue (design §2) as data, idempotent topic
 * creation, a quiet kafkajs client factory, the bus port (`BusClient`) with its in-process
 * implementation for the embedded profile (`InProcessKafka`), and helpers for tests against the
 * real test broker started by `tools/test-services.mjs`.
 */
export { DEFAULT_RAW_PARTITIONS, TOPIC_CATALOGUE, topicCatalogue } from './topic-catalogue';
export type { CleanupPolicy, TopicCatalogueOptions, TopicLayer, TopicSpec } from './topic-catalogue';
export { ensureTopics } from './ensure-topics';
export type { EnsureTopicsOptions, EnsureTopicsResult, TopicMismatch } from './ensure-topics';
export { createKafka, kafkaLogLevelFromEnv, quietLogCreator } from './kafka-client';
export type { CreateKafkaOptions } from './kafka-client';
export {
  DEFAULT_TEST_KAFKA_BROKERS,
  DEFAULT_TEST_REDIS_URL,
  TEST_SERVICES_SCRIPT,
  kafkaBrokers,
  redisUrl,
  restartKafka,
  startTestServices,
  stopTestKafka,
} from './test-services';
export type { RestartKafkaOptions, StopTestKafkaOptions, TestServices, TestServicesOptions } from './test-services';
export type { BusAdmin, BusClient, BusConsumer, BusProducer, BusTransaction } from './bus-client';
export { BUS_ERROR_CODES, BusStateError } from './errors';
export type { BusErrorCode } from './errors';
export { InProcessKafka } from './in-process/in-process-kafka';
export type { BusLog, InProcessKafkaOptions } from './in-process/in-process-kafka-options';
