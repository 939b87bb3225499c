import kafkajs, { type DescribeConfigResponse, type FetchOffsetsPartition, type ITopicConfig, type ITopicMetadata, type ResourceConfigQuery, type SeekEntry } from 'kafkajs';
import type { BusAdmin } from '../bus-client';
import type { InProcessBroker } from './in-process-broker';
import { nonRetriable } from './kafka-errors';

const TOPIC_RESOURCE = kafkajs.ConfigResourceTypes.TOPIC;

/**
 * Topic and offset administration of the in-process bus, with kafkajs's results: offsets as
 * strings, `fetchTopicOffsets` reporting `high` as the last stable offset (kafkajs lists offsets
 * read_committed), `fetchOffsets` answering '-1' for partitions without a committed offset, and
 * UNKNOWN_TOPIC_OR_PARTITION for topics that do not exist.
 */
export class InProcessAdmin implements BusAdmin {
  constructor(private readonly broker: InProcessBroker) {}

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {}

  async listTopics(): Promise<string[]> {
    return this.broker.topicNames();
  }

  /**
   * Creates the topics that do not exist; `true` when it created all of them, `false` when some
   * already existed (kafkajs's answer). Applies `cleanup.policy` and `retention.ms` from `configEntries`.
   */
  async createTopics(options: { validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number; topics: ITopicConfig[] }): Promise<boolean> {
    const { topics } = options;
    if (!topics || !Array.isArray(topics)) throw nonRetriable(`Invalid topics array ${String(topics)}`);
    if (topics.some(({ topic }) => typeof topic !== 'string')) throw nonRetriable('Invalid topics array, the topic names have to be a valid string');
    if (new Set(topics.map((t) => t.topic)).size < topics.length) throw nonRetriable('Invalid topics array, it cannot have multiple entries for the same topic');
    let allCreated = true;
    for (const t of topics) if (!this.broker.createTopic(t, options.validateOnly ?? false)) allCreated = false;
    return allCreated;
  }

  async fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: ITopicMetadata[] }> {
    const names = options?.topics ?? this.broker.topicNames();
    return { topics: names.map((name) => ({ name, partitions: this.broker.topic(name).metadata.map((m) => ({ ...m, replicas: [...m.replicas], isr: [...m.isr], offlineReplicas: [] })) })) };
  }

  /** Per partition: `high` (= `offset`) is the last stable offset, `low` the log start offset. */
  async fetchTopicOffsets(topic: string): Promise<Array<SeekEntry & { high: string; low: string }>> {
    if (!topic || typeof topic !== 'string') throw nonRetriable(`Invalid topic ${String(topic)}`);
    return this.broker.topic(topic).partitions.map((p) => {
      const high = String(p.lastStable());
      return { partition: p.partition, offset: high, high, low: String(p.low) };
    });
  }

  /**
   * The group's committed offsets for `topics` (every topic it committed to when omitted); '-1'
   * where none. `resolveOffsets` turns -1 into the high and -2 into the low offset and commits them,
   * as kafkajs does.
   */
  async fetchOffsets(options: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<Array<{ topic: string; partitions: FetchOffsetsPartition[] }>> {
    if (!options.groupId) throw nonRetriable(`Invalid groupId ${options.groupId}`);
    if (options.topics !== undefined && !Array.isArray(options.topics)) throw nonRetriable('Expected topics array to be set');
    const group = this.broker.group(options.groupId);
    const topics = options.topics && options.topics.length > 0 ? options.topics : group.committedTopics().filter((t) => this.broker.findTopic(t));
    return topics.map((topic) => {
      const log = this.broker.topic(topic);
      const partitions = log.partitions.map((p) => {
        const c = group.committedOffset(topic, p.partition);
        let offset = c ? c.offset : -1;
        if (options.resolveOffsets && offset === -1) offset = p.lastStable();
        if (options.resolveOffsets && offset === -2) offset = p.low;
        return { partition: p.partition, offset: String(offset), metadata: c?.metadata ?? null };
      });
      if (options.resolveOffsets) group.apply(partitions.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata })));
      return { topic, partitions };
    });
  }

  /** Topic configs: the topic's own entries and Kafka's defaults for `cleanup.policy` and `retention.ms`. */
  async describeConfigs(configs: { resources: ResourceConfigQuery[]; includeSynonyms: boolean }): Promise<DescribeConfigResponse> {
    const { resources } = configs;
    if (!resources || !Array.isArray(resources)) throw nonRetriable(`Invalid resources array ${String(resources)}`);
    if (resources.length === 0) throw nonRetriable('Resources array cannot be empty');
    return {
      throttleTime: 0,
      resources: resources.map((r) => {
        if (r.type !== TOPIC_RESOURCE) throw nonRetriable(`Invalid resource type ${r.type}: the in-process bus has topic configs only`);
        const topic = this.broker.topic(r.name);
        const names = r.configNames ?? [...new Set([...topic.configs.keys(), 'cleanup.policy', 'retention.ms'])];
        const configEntries = names.flatMap((name) => {
          const c = topic.config(name);
          if (!c) return [];
          return [{ configName: name, configValue: c.value, readOnly: false, isDefault: c.isDefault, configSource: c.isDefault ? kafkajs.ConfigSource.DEFAULT_CONFIG : kafkajs.ConfigSource.TOPIC_CONFIG, isSensitive: false, configSynonyms: [] }];
        });
        return { errorCode: 0, errorMessage: null as unknown as string, resourceType: TOPIC_RESOURCE, resourceName: r.name, configEntries };
      }),
    };
  }
}
