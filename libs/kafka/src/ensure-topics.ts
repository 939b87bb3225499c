import kafkajs, { type ITopicConfig } from 'kafkajs';
import type { BusAdmin } from './bus-client';
import { topicCatalogue, type CleanupPolicy, type TopicSpec } from './topic-catalogue';

export interface EnsureTopicsOptions {
  /**
   * Partition count of the co-partitioned raw topics.
   * @defaultValue 8 (`DEFAULT_RAW_PARTITIONS`)
   */
  rawPartitions?: number;
  /**
   * Replication factor of created topics; -1 lets the broker apply its `default.replication.factor`.
   * @defaultValue -1
   */
  replicationFactor?: number;
  /**
   * Prepended to every topic name (`it-42.raw.trades`), so a test run or a tenant gets its own set
   * on a shared broker. Must match the prefix the apps are started with.
   * @defaultValue '' (the catalogue's names)
   */
  topicPrefix?: string;
  /**
   * How long to wait for every topic to have leaders once created.
   * @defaultValue 30000
   */
  timeoutMs?: number;
}

/** An existing topic that differs from the catalogue. Never altered: changing partitions re-keys a topic. */
export type TopicMismatch =
  | { topic: string; setting: 'partitions'; expected: number; actual: number }
  | { topic: string; setting: 'cleanup.policy'; expected: CleanupPolicy; actual: string };

export interface EnsureTopicsResult {
  /** Topics this call created. */
  created: string[];
  /** Topics that were already there (including ones another client created concurrently). */
  existing: string[];
  /** Existing topics whose partition count or `cleanup.policy` differs from the catalogue. */
  mismatched: TopicMismatch[];
}

function topicConfig(spec: TopicSpec, name: string, replicationFactor: number): ITopicConfig {
  return {
    topic: name,
    numPartitions: spec.partitions,
    replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: spec.cleanupPolicy },
      { name: 'retention.ms', value: String(spec.retentionMs) },
    ],
  };
}

/**
 * Creates the catalogue's topics that do not exist yet (idempotent; safe to run concurrently from
 * several processes) and reports existing topics that differ from the catalogue. Existing topics
 * are never altered. Resolves once the broker serves every catalogue topic (each partition has a leader).
 */
export async function ensureTopics(admin: BusAdmin, options: EnsureTopicsOptions = {}): Promise<EnsureTopicsResult> {
  const prefix = options.topicPrefix ?? '';
  const replicationFactor = options.replicationFactor ?? -1;
  if (!Number.isSafeInteger(replicationFactor) || (replicationFactor < 1 && replicationFactor !== -1)) {
    throw new RangeError(`replicationFactor must be a positive integer or -1, got ${replicationFactor}`);
  }
  const specs = topicCatalogue(options.rawPartitions === undefined ? {} : { rawPartitions: options.rawPartitions });
  const present = new Set(await admin.listTopics());

  const created: string[] = [];
  const existing: string[] = [];
  // One request per missing topic: kafkajs answers `false` for a batch in which *some* topics
  // already existed (a concurrent creator) without saying which, and we report exactly.
  await Promise.all(
    specs.map(async (spec) => {
      const name = prefix + spec.name;
      if (present.has(name)) {
        existing.push(name);
        return;
      }
      // waitForLeaders: false — kafkajs only retries LEADER_NOT_AVAILABLE while waiting, but a
      // KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION until its metadata catches up with the
      // controller; kafkajs then retries the whole create, gets TOPIC_ALREADY_EXISTS and says `false`.
      const didCreate = await admin.createTopics({ topics: [topicConfig(spec, name, replicationFactor)], waitForLeaders: false });
      (didCreate ? created : existing).push(name);
    }),
  );
  await waitForLeaders(
    admin,
    specs.map((s) => prefix + s.name),
    options.timeoutMs ?? 30_000,
  );

  const mismatched = await findMismatches(
    admin,
    specs.filter((s) => existing.includes(prefix + s.name)),
    prefix,
  );
  const order = new Map(specs.map((s, i) => [prefix + s.name, i]));
  const byCatalogue = (a: string, b: string): number => (order.get(a) ?? 0) - (order.get(b) ?? 0);
  return { created: created.sort(byCatalogue), existing: existing.sort(byCatalogue), mismatched };
}

// Not a named import: Node's ESM loader sees only the first few of kafkajs's CommonJS exports
// (Kafka, logLevel, Partitioners, PartitionAssigners, AssignerProtocol, CompressionTypes); vitest
// would accept `import { ConfigResourceTypes }`, plain node / tsx throws a SyntaxError.
const TOPIC_RESOURCE = kafkajs.ConfigResourceTypes.TOPIC;

const RETRIABLE_METADATA_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER']);

/** Resolves when the broker knows every topic in `names` and each partition has a leader. */
async function waitForLeaders(admin: BusAdmin, names: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let why = '';
  for (let delayMs = 20; ; delayMs = Math.min(delayMs * 2, 500)) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      const ready = topics.length === names.length && topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
      why = 'partitions without a leader';
    } catch (err) {
      const type = (err as { type?: unknown }).type;
      if (typeof type !== 'string' || !RETRIABLE_METADATA_ERRORS.has(type)) throw err;
      why = type;
    }
    if (Date.now() + delayMs > deadline) throw new Error(`ensureTopics: topics not ready within ${timeoutMs} ms (${why})`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

async function findMismatches(admin: BusAdmin, specs: readonly TopicSpec[], prefix: string): Promise<TopicMismatch[]> {
  if (specs.length === 0) return [];
  const names = specs.map((s) => prefix + s.name);
  const [{ topics }, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: names }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['cleanup.policy'] })),
    }),
  ]);
  const partitionsOf = new Map(topics.map((t) => [t.name, t.partitions.length]));
  const policyOf = new Map(configs.resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '']));
  const out: TopicMismatch[] = [];
  for (const spec of specs) {
    const topic = prefix + spec.name;
    const actual = partitionsOf.get(topic) ?? 0;
    if (actual !== spec.partitions) out.push({ topic, setting: 'partitions', expected: spec.partitions, actual });
    const policy = policyOf.get(topic) ?? '';
    if (policy !== spec.cleanupPolicy) out.push({ topic, setting: 'cleanup.policy', expected: spec.cleanupPolicy, actual: policy });
  }
  return out;
}
