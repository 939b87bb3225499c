// Against the real single-node Kafka broker of tools/test-services.mjs (started here if needed).
// Every topic lives under a prefix unique to this run and is deleted afterwards, so runs and
// other suites sharing the broker never see each other's topics.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs, { type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { TOPIC_CATALOGUE, createKafka, ensureTopics, startTestServices } from '../src/index';

const runId = randomUUID().slice(0, 8);
const prefix = `it-${runId}.`;
const otherPrefix = `it-${runId}-race.`;
const allNames = (p: string): string[] => TOPIC_CATALOGUE.map((t) => p + t.name);

let kafka: Kafka;
let admin: Admin;
const producers: Producer[] = [];
const consumers: Consumer[] = [];
const groups: string[] = [];

beforeAll(async () => {
  const services = await startTestServices();
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: `it-ensure-topics-${runId}` });
  admin = kafka.admin();
  await admin.connect();
}, 600_000);

afterAll(async () => {
  await Promise.allSettled([...producers, ...consumers].map((c) => c.disconnect()));
  if (!admin) return;
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t.startsWith(otherPrefix));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
});

describe('ensureTopics on a real broker', () => {
  it('creates every catalogue topic; a second run creates nothing and finds no mismatch', async () => {
    const first = await ensureTopics(admin, { topicPrefix: prefix, replicationFactor: 1 });
    expect(first).toEqual({ created: allNames(prefix), existing: [], mismatched: [] });

    const second = await ensureTopics(admin, { topicPrefix: prefix, replicationFactor: 1 });
    expect(second).toEqual({ created: [], existing: allNames(prefix), mismatched: [] });
  });

  it('gives every topic its catalogue partitions, cleanup.policy and retention', async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: allNames(prefix) });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: allNames(prefix).map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy', 'retention.ms'] })),
    });
    for (const spec of TOPIC_CATALOGUE) {
      const name = prefix + spec.name;
      expect(topics.find((t) => t.name === name)?.partitions.length, name).toBe(spec.partitions);
      const entries = configs.resources.find((r) => r.resourceName === name)?.configEntries ?? [];
      const value = (key: string): string | undefined => entries.find((e) => e.configName === key)?.configValue;
      expect(value('cleanup.policy'), name).toBe(spec.cleanupPolicy);
      expect(value('retention.ms'), name).toBe(String(spec.retentionMs));
    }
    expect(topics.find((t) => t.name === prefix + TOPICS.rawTrades)?.partitions).toHaveLength(8);
    expect(TOPIC_CATALOGUE.find((t) => t.name === TOPICS.referenceSymbols)?.cleanupPolicy).toBe('compact');
  });

  it('reports an existing topic with another partition count and leaves it alone', async () => {
    const r = await ensureTopics(admin, { topicPrefix: prefix, replicationFactor: 1, rawPartitions: 4 });
    expect(r.created).toEqual([]);
    expect(r.mismatched).toEqual(
      [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook].map((t) => ({ topic: prefix + t, setting: 'partitions', expected: 4, actual: 8 })),
    );
    const { topics } = await admin.fetchTopicMetadata({ topics: [prefix + TOPICS.rawTrades] });
    expect(topics[0]?.partitions).toHaveLength(8);
  });

  it('accounts exactly when two clients ensure the same topics at once', async () => {
    const [a, b] = await Promise.all([
      ensureTopics(admin, { topicPrefix: otherPrefix, replicationFactor: 1 }),
      ensureTopics(admin, { topicPrefix: otherPrefix, replicationFactor: 1 }),
    ]);
    expect([...a.created, ...b.created].sort()).toEqual(allNames(otherPrefix).sort());
    expect(a.created.filter((t) => b.created.includes(t))).toEqual([]);
    expect([...a.mismatched, ...b.mismatched]).toEqual([]);
  });
});

describe('transactions on the test broker', () => {
  const topic = `${prefix}${TOPICS.rawTrades}`;
  const key = `SYM-${runId}`;

  /** Reads `topic` from the beginning until `last` arrives; returns the values of records keyed `key`. */
  async function readUntil(readUncommitted: boolean, last: string): Promise<{ values: string[]; partition: number }> {
    const groupId = `it-${runId}-${readUncommitted ? 'ru' : 'rc'}`;
    groups.push(groupId);
    const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    let partition = -1;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${last}" within 30 s; read ${JSON.stringify(values)}`)), 30_000);
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message, partition: p }) => {
            if (message.key?.toString() !== key) return;
            const v = message.value?.toString() ?? '';
            values.push(v);
            partition = p;
            if (v === last) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return { values, partition };
  }

  it('commits, aborts and commits offsets: read_committed sees only committed records', async () => {
    await ensureTopics(admin, { topicPrefix: prefix, replicationFactor: 1 });
    const producer = kafka.producer({ transactionalId: `it-${runId}-txn`, idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();

    const send = async (value: string, outcome: 'commit' | 'abort'): Promise<void> => {
      const txn = await producer.transaction();
      await txn.send({ topic, acks: -1, messages: [{ key, value }] });
      await (outcome === 'commit' ? txn.commit() : txn.abort());
    };
    await send('committed-1', 'commit');
    await send('aborted', 'abort');
    await send('committed-2', 'commit');

    const committed = await readUntil(false, 'committed-2');
    expect(committed.values).toEqual(['committed-1', 'committed-2']);
    // The aborted record is in the log (a read_uncommitted reader sees it): the filter is the broker's.
    const uncommitted = await readUntil(true, 'committed-2');
    expect(uncommitted.values).toEqual(['committed-1', 'aborted', 'committed-2']);

    // Consume-transform-produce: output and input offsets commit together, or not at all.
    const groupId = `it-${runId}-eos`;
    groups.push(groupId);
    const offsets = { consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: committed.partition, offset: '1' }] }] };
    const aborted = await producer.transaction();
    await aborted.send({ topic: `${prefix}${TOPICS.status}`, messages: [{ key, value: 'heartbeat' }] });
    await aborted.sendOffsets(offsets);
    await aborted.abort();
    const fetchOffset = async (): Promise<string | undefined> =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions.find((p) => p.partition === committed.partition)?.offset;
    expect(await fetchOffset()).toBe('-1');
    // kafkajs's OffsetFetch predates KIP-447's require_stable: until the commit markers are
    // written (asynchronously, after commit() resolves) it reads the previous, stable offset.
    const committedOffset = async (want: string): Promise<string | undefined> => {
      const deadline = Date.now() + 10_000;
      let got = await fetchOffset();
      while (got !== want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        got = await fetchOffset();
      }
      return got;
    };

    const txn = await producer.transaction();
    await txn.send({ topic: `${prefix}${TOPICS.status}`, messages: [{ key, value: 'heartbeat' }] });
    await txn.sendOffsets({ ...offsets, topics: [{ topic, partitions: [{ partition: committed.partition, offset: '2' }] }] });
    await txn.commit();
    expect(await committedOffset('2')).toBe('2');
  });
});
