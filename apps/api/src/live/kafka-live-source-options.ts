import type { BusClient } from '@tickflow/kafka';
import type { Registry } from 'prom-client';
import type { LiveHub } from './live-hub';
import type { LiveLog } from './live-log';

export interface KafkaLiveSourceOptions {
  /** Bootstrap servers, `host:port`. Ignored when `kafka` is given. */
  brokers: string[];
  /** Where records are published. */
  hub: LiveHub;
  /** Where `live_messages_total` and `live_undecodable_records_total` are registered. */
  metrics: Registry;
  /**
   * Prefix of every topic name (`TICKFLOW_TOPIC_PREFIX`); must match the processor's.
   * @defaultValue ''
   */
  topicPrefix?: string;
  /**
   * The consumer group. Each API instance needs a group of its own: every instance must see every
   * record (fan-out), not a share of the partitions.
   * @defaultValue `tickflow-api-live-<host>-<pid>-<8 random hex>`
   */
  groupId?: string;
  /**
   * Read only committed transactions. Final bars, signals, alerts and aggregates are committed by
   * the processor once per checkpoint (10 s by default), so read_committed delays them by up to that
   * interval. The default reads them as they are written: after a processor crash, records of its
   * aborted transaction can be delivered and then delivered again by the restored task (same
   * identity: `alert_id`; symbol + window_start + version for bars and signals). Provisional bars are
   * written outside transactions and arrive at once either way.
   * @defaultValue false
   */
  readCommitted?: boolean;
  /** @defaultValue 'tickflow-api-live' */
  clientId?: string;
  /**
   * How long `start()` waits for the group join and the first fetch (offsets resolved to latest).
   * @defaultValue 60000
   */
  startTimeoutMs?: number;
  /** @defaultValue JSON lines on stderr */
  log?: LiveLog;
  /**
   * A ready bus client — a shared kafkajs `Kafka`, or the embedded profile's `InProcessKafka` —
   * used instead of one built from `brokers`; `brokers` and `clientId` are then ignored.
   */
  kafka?: BusClient;
}
