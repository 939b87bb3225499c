import type { ITopicConfig, PartitionMetadata } from 'kafkajs';
import { protocolError } from './kafka-errors';
import { PartitionLog, type PartitionLogLimits, type RetentionPolicy } from './partition-log';

/** Kafka's defaults for what a topic that does not set them gets. */
export const TOPIC_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'delete',
  'retention.ms': '604800000',
});

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const POLICIES = new Set(['delete', 'compact', 'compact,delete', 'delete,compact']);

/**
 * A topic of the in-process bus: its partitions and its configuration (`cleanup.policy`,
 * `retention.ms` are applied; other entries are kept for `describeConfigs`).
 */
export class TopicLog {
  readonly partitions: readonly PartitionLog[];
  /** What kafkajs's partitioners and assigners read: one leader (node 0) per partition. */
  readonly metadata: readonly PartitionMetadata[];
  /** Entries the creator set. */
  readonly configs: ReadonlyMap<string, string>;

  private constructor(
    readonly name: string,
    configs: Map<string, string>,
    readonly policy: RetentionPolicy,
    partitions: PartitionLog[],
  ) {
    this.configs = configs;
    this.partitions = partitions;
    this.metadata = Object.freeze(partitions.map((p) => Object.freeze({ partitionErrorCode: 0, partitionId: p.partition, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] })));
  }

  /**
   * Validates a `createTopics` entry as the broker would (name, partition count, config values).
   * @throws KafkaJSProtocolError INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS or INVALID_CONFIG
   */
  static validate(config: ITopicConfig): { partitions: number; configs: Map<string, string>; policy: RetentionPolicy } {
    if (!LEGAL_NAME.test(config.topic) || config.topic === '.' || config.topic === '..') throw protocolError('INVALID_TOPIC_EXCEPTION', config.topic);
    const partitions = config.numPartitions === undefined || config.numPartitions === -1 ? 1 : config.numPartitions;
    if (!Number.isSafeInteger(partitions) || partitions < 1) throw protocolError('INVALID_PARTITIONS', `${config.topic}: ${config.numPartitions}`);
    const configs = new Map<string, string>();
    for (const entry of config.configEntries ?? []) configs.set(entry.name, entry.value);
    const cleanup = configs.get('cleanup.policy') ?? TOPIC_DEFAULTS['cleanup.policy']!;
    if (!POLICIES.has(cleanup)) throw protocolError('INVALID_CONFIG', `${config.topic}: cleanup.policy=${cleanup}`);
    const retention = configs.get('retention.ms') ?? TOPIC_DEFAULTS['retention.ms']!;
    const retentionMs = Number(retention);
    if (!/^-?\d+$/.test(retention) || !Number.isSafeInteger(retentionMs) || retentionMs < -1) throw protocolError('INVALID_CONFIG', `${config.topic}: retention.ms=${retention}`);
    return { partitions, configs, policy: { retentionMs, delete: cleanup.includes('delete'), compact: cleanup.includes('compact') } };
  }

  /** A new topic; partition p starts at `startOffset(p)` (0, or a persisted reservation's end). */
  static create(config: ITopicConfig, limits: (partition: number) => PartitionLogLimits, startOffset: (partition: number) => number): TopicLog {
    const { partitions, configs, policy } = TopicLog.validate(config);
    const logs = Array.from({ length: partitions }, (_, p) => new PartitionLog(config.topic, p, startOffset(p), policy, limits(p)));
    return new TopicLog(config.topic, configs, policy, logs);
  }

  /** The value of a config entry, the topic's own or Kafka's default. */
  config(name: string): { value: string; isDefault: boolean } | undefined {
    const own = this.configs.get(name);
    if (own !== undefined) return { value: own, isDefault: false };
    const dflt = TOPIC_DEFAULTS[name];
    return dflt === undefined ? undefined : { value: dflt, isDefault: true };
  }

  /** Partition `p`, or UNKNOWN_TOPIC_OR_PARTITION. */
  partition(p: number): PartitionLog {
    const log = this.partitions[p];
    if (!log) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', `${this.name}[${p}]`);
    return log;
  }
}
