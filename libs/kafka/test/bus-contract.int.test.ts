// The bus contract (design §1: "an in-process bus with the same partition/offset/consumer contract
// as Kafka"): one suite of scenarios, run against the real test broker (kafkajs) and against
// InProcessKafka, asserting the same observable results. Expectations come from the scenario itself
// (what was sent, in which order) and from an independent murmur2 (Kafka's Java partitioner), never
// from what a backend answered.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, Partitioners, type Admin, type EachBatchPayload, type PartitionAssigner } from 'kafkajs';
import { InProcessKafka, createKafka, kafkaBrokers, type BusAdmin, type BusClient, type BusConsumer, type BusProducer } from '../src/index';

const run = randomUUID().slice(0, 8);

interface Backend {
  name: string;
  tag: string;
  make(): { kafka: BusClient; cleanup(admin: BusAdmin, topics: string[]): Promise<void>; close(): Promise<void> };
}

const backends: Backend[] = [
  {
    name: 'Kafka (test broker, kafkajs)',
    tag: 'k',
    make: () => ({
      // The real client, typed as the port without a cast: kafkajs's `Kafka` is a `BusClient`.
      kafka: createKafka({ brokers: kafkaBrokers(), clientId: `bus-contract-${run}` }) satisfies BusClient,
      cleanup: async (admin, topics) => {
        await (admin as Admin).deleteTopics({ topics }).catch(() => undefined);
      },
      close: async () => undefined,
    }),
  },
  {
    name: 'InProcessKafka',
    tag: 'm',
    make: () => {
      const kafka = new InProcessKafka({ clientId: `bus-contract-${run}` });
      return { kafka, cleanup: async () => undefined, close: () => kafka.close() };
    },
  },
];

/** Kafka's Java `Utils.murmur2`, written independently of kafkajs, and `toPositive(hash) % n`. */
function javaPartition(key: string, partitions: number): number {
  const data = Buffer.from(key);
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const len4 = data.length >> 2;
  for (let i = 0; i < len4; i++) {
    let k = data.readInt32LE(i * 4);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  const at = len4 * 4;
  if (rest === 3) h ^= (data[at + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[at + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[at]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return (h & 0x7fffffff) % partitions;
}

/** Partition p of every subscribed topic to one member (as the processor's CoPartitionAssigner). */
const coPartition: PartitionAssigner = ({ cluster }) => ({
  name: 'ContractCoPartition',
  version: 0,
  async assign({ members, topics }) {
    const ids = members.map((m) => m.memberId).sort();
    const out = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) (out.get(ids[partitionId % ids.length]!)![topic] ??= []).push(partitionId);
    }
    return ids.map((memberId) => ({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: out.get(memberId)!, userData: Buffer.alloc(0) }) }));
  },
  protocol: ({ topics }) => ({ name: 'ContractCoPartition', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }),
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Seen {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
}

/** A consumer that records what it is handed and what it reports. */
class Probe {
  readonly seen: Seen[] = [];
  readonly starts: Array<{ topic: string; partition: number; batchSize: number; lastOffset: string }> = [];
  readonly fetched: Array<{ topic: string; partition: number; fetchedOffset: string; first: string | null }> = [];
  joins: Array<Record<string, number[]>> = [];
  fetches = 0;
  onBatch: ((p: EachBatchPayload) => Promise<void> | void) | null = null;

  constructor(readonly consumer: BusConsumer) {
    consumer.on(consumer.events.FETCH, () => this.fetches++);
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.joins.push(e.payload.memberAssignment));
    consumer.on(consumer.events.START_BATCH_PROCESS, (e) => this.starts.push({ topic: e.payload.topic, partition: e.payload.partition, batchSize: e.payload.batchSize, lastOffset: e.payload.lastOffset }));
  }

  static async start(kafka: BusClient, opts: { groupId: string; topics: string[]; readUncommitted?: boolean; assigners?: PartitionAssigner[]; autoResolve?: boolean }, onBatch?: (p: EachBatchPayload) => Promise<void> | void): Promise<Probe> {
    const consumer = kafka.consumer({
      groupId: opts.groupId,
      readUncommitted: opts.readUncommitted ?? false,
      maxWaitTimeInMs: 100,
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      ...(opts.assigners ? { partitionAssigners: opts.assigners } : {}),
    });
    const probe = new Probe(consumer);
    probe.onBatch = onBatch ?? null;
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: opts.autoResolve ?? true,
      eachBatch: async (payload) => {
        const { batch } = payload;
        probe.fetched.push({ topic: batch.topic, partition: batch.partition, fetchedOffset: (batch as unknown as { fetchedOffset: string }).fetchedOffset, first: batch.firstOffset() });
        for (const m of batch.messages) probe.seen.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key ? m.key.toString() : null, value: String(m.value) });
        await probe.onBatch?.(payload);
      },
    });
    return probe;
  }

  values(): string[] {
    return this.seen.map((s) => s.value);
  }

  /** Waits until `n` more fetches have run (so a record that was going to arrive would have). */
  async quietFor(n: number): Promise<void> {
    const target = this.fetches + n;
    await waitFor(`${n} fetches`, () => this.fetches >= target);
  }
}

describe.each(backends)('bus contract: $name', (backend) => {
  const prefix = `bus-contract-${run}-${backend.tag}`;
  let env: ReturnType<Backend['make']>;
  let kafka: BusClient;
  let admin: BusAdmin;
  const topics: string[] = [];
  const producers: BusProducer[] = [];
  const consumers: BusConsumer[] = [];

  async function topic(name: string, partitions: number): Promise<string> {
    const full = `${prefix}-${name}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: full, numPartitions: partitions, replicationFactor: 1 }] });
    topics.push(full);
    // A KRaft broker may not serve a topic it just created yet (see README): wait for its leaders.
    await waitFor(`leaders of ${full}`, async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [full] }).catch(() => null);
      return meta !== null && meta.topics[0]!.partitions.length === partitions && meta.topics[0]!.partitions.every((x) => x.leader >= 0);
    });
    return full;
  }

  async function producer(transactionalId?: string): Promise<BusProducer> {
    const p = kafka.producer(
      transactionalId
        ? { transactionalId: `${prefix}-${transactionalId}`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }
        : { createPartitioner: Partitioners.DefaultPartitioner },
    );
    producers.push(p);
    await p.connect();
    return p;
  }

  async function probe(opts: Parameters<typeof Probe.start>[1], onBatch?: (p: EachBatchPayload) => Promise<void> | void): Promise<Probe> {
    const pr = await Probe.start(kafka, { ...opts, groupId: `${prefix}-${opts.groupId}` }, onBatch);
    consumers.push(pr.consumer);
    return pr;
  }

  async function highs(t: string): Promise<string[]> {
    return (await admin.fetchTopicOffsets(t)).sort((a, b) => a.partition - b.partition).map((o) => o.high);
  }

  async function committed(groupId: string, t: string): Promise<string[]> {
    const [entry] = await admin.fetchOffsets({ groupId: `${prefix}-${groupId}`, topics: [t] });
    return (entry?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  }

  beforeAll(async () => {
    env = backend.make();
    kafka = env.kafka;
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await Promise.allSettled(producers.map((p) => p.disconnect()));
    await env.cleanup(admin, topics);
    await admin.disconnect();
    await env.close();
  });

  it('puts keyed records on the partitions and offsets Kafka does', async () => {
    const t = await topic('keys', 4);
    const p = await producer();
    const keys = Array.from({ length: 24 }, (_, i) => `SYM${i % 12}`);
    await p.sendBatch({ topicMessages: [{ topic: t, messages: keys.slice(0, 12).map((k, i) => ({ key: k, value: `v${i}` })) }] });
    await p.send({ topic: t, messages: keys.slice(12).map((k, i) => ({ key: k, value: `v${12 + i}` })) });

    const expected: Seen[] = [];
    const next = [0, 0, 0, 0];
    keys.forEach((k, i) => {
      const partition = javaPartition(k, 4);
      expected.push({ topic: t, partition, offset: String(next[partition]!++), key: k, value: `v${i}` });
    });
    const pr = await probe({ groupId: 'keys', topics: [t] });
    await waitFor('every keyed record', () => pr.seen.length >= keys.length);
    const order = (a: Seen, b: Seen): number => a.partition - b.partition || Number(a.offset) - Number(b.offset);
    expect([...pr.seen].sort(order)).toEqual(expected.sort(order));
    expect(await highs(t)).toEqual(next.map(String));
  });

  it('read_committed: hides open and aborted transactions, shows a commit at commit; markers take offsets', async () => {
    const t = await topic('rc', 1);
    const tx = await producer('rc');
    const plain = await producer();

    const t1 = await tx.transaction();
    await t1.send({ topic: t, messages: [{ value: 'c1' }] });
    await t1.commit();
    expect(await highs(t)).toEqual(['2']); // c1 at 0, its COMMIT marker at 1
    const t2 = await tx.transaction();
    await t2.send({ topic: t, messages: [{ value: 'a1' }, { value: 'a2' }] });
    await t2.abort();
    expect(await highs(t)).toEqual(['5']); // a1, a2, ABORT marker

    const rc = await probe({ groupId: 'rc', topics: [t] });
    const ru = await probe({ groupId: 'ru', topics: [t], readUncommitted: true });
    await waitFor('the committed record', () => rc.seen.length >= 1);
    // One fetch: c1 and everything up to the abort marker; resolving it moves past the marker.
    expect(rc.starts[0]).toEqual({ topic: t, partition: 0, batchSize: 1, lastOffset: '4' });

    const t3 = await tx.transaction();
    await t3.send({ topic: t, messages: [{ value: 'open1' }] });
    await plain.send({ topic: t, messages: [{ value: 'plain' }] });
    expect(await highs(t)).toEqual(['5']); // fetchTopicOffsets: the last stable offset
    await waitFor('read_uncommitted to see the plain record', () => ru.values().includes('plain'));
    await rc.quietFor(5);
    expect(rc.values()).toEqual(['c1']);

    await t3.commit();
    await waitFor('the committed transaction', () => rc.values().includes('plain'));
    expect(rc.seen.map((s) => [s.offset, s.value])).toEqual([
      ['0', 'c1'],
      ['5', 'open1'],
      ['6', 'plain'],
    ]);
    expect(ru.values()).toEqual(['c1', 'a1', 'a2', 'open1', 'plain']);
    expect(await highs(t)).toEqual(['8']);

    // Only aborted records and a marker: no eachBatch, but START_BATCH_PROCESS reports them (batchSize 0).
    const t4 = await tx.transaction();
    await t4.send({ topic: t, messages: [{ value: 'x' }] });
    await t4.abort();
    await waitFor('the empty batch of the aborted transaction', () => rc.starts.some((s) => s.batchSize === 0 && s.lastOffset === '9'));
    expect(rc.values()).not.toContain('x');
  });

  it('sendOffsets: committed with the transaction, dropped with an abort', async () => {
    const t = await topic('offsets', 2);
    const tx = await producer('offsets');
    const sent = (offset: string) => ({ consumerGroupId: `${prefix}-txg`, topics: [{ topic: t, partitions: [{ partition: 1, offset }] }] });

    const a = await tx.transaction();
    await a.send({ topic: t, messages: [{ key: 'k', value: 'a' }] });
    await a.sendOffsets(sent('5'));
    expect(await committed('txg', t)).toEqual(['-1', '-1']);
    await a.abort();
    await new Promise((r) => setTimeout(r, 300));
    expect(await committed('txg', t)).toEqual(['-1', '-1']);

    const b = await tx.transaction();
    await b.send({ topic: t, messages: [{ key: 'k', value: 'b' }] });
    await b.sendOffsets(sent('7'));
    expect(await committed('txg', t)).toEqual(['-1', '-1']);
    await b.commit();
    // Kafka's group coordinator applies them once the markers are written (tens of ms, see README).
    let after: string[] = [];
    await waitFor('the committed offsets', async () => (after = await committed('txg', t))[1] === '7', 5_000).catch(() => undefined);
    expect(after).toEqual(['-1', '7']);
  });

  it('fencing: a new producer with the same transactional id aborts the open transaction and fails the old commit', async () => {
    const t = await topic('fence', 1);
    const old = await producer('fence');
    const stale = await old.transaction();
    await stale.send({ topic: t, messages: [{ value: 'stale' }] });

    const fresh = await producer('fence');
    const current = await fresh.transaction(); // InitProducerId: fences `old`, aborts its transaction
    expect(await highs(t)).toEqual(['2']); // 'stale' and the ABORT marker

    const failure = await stale.commit().then(
      () => null,
      (err: unknown) => err as { type?: string; name?: string; message?: string },
    );
    expect(failure).not.toBeNull();
    // What KafkaProcessor's isFencing looks for.
    expect(`${failure!.type ?? ''} ${failure!.name ?? ''} ${failure!.message ?? ''}`).toMatch(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    await expect(stale.send({ topic: t, messages: [{ value: 'late' }] })).rejects.toThrow();

    await current.send({ topic: t, messages: [{ value: 'fresh' }] });
    await current.commit();
    const rc = await probe({ groupId: 'fence', topics: [t] });
    await waitFor('the fresh record', () => rc.values().includes('fresh'));
    expect(rc.seen.map((s) => [s.offset, s.value])).toEqual([['2', 'fresh']]);
    expect(await highs(t)).toEqual(['4']);
  });

  it('consumer groups: members split co-partitioned partitions with the given assigner; a leave moves them', async () => {
    const a = await topic('grp-a', 4);
    const b = await topic('grp-b', 4);
    const opts = { groupId: 'grp', topics: [a, b], assigners: [coPartition] };
    const m1 = await probe(opts);
    await waitFor('the first member to own everything', () => m1.joins.length > 0);
    expect(m1.joins.at(-1)).toEqual({ [a]: [0, 1, 2, 3], [b]: [0, 1, 2, 3] });

    const m2 = await probe(opts);
    const split = (): boolean => {
      const x = m1.joins.at(-1)?.[a] ?? [];
      const y = m2.joins.at(-1)?.[a] ?? [];
      return x.length === 2 && y.length === 2;
    };
    await waitFor('both members to share the partitions', split);
    const [x, y] = [m1.joins.at(-1)!, m2.joins.at(-1)!];
    expect([...x[a]!, ...y[a]!].sort()).toEqual([0, 1, 2, 3]);
    expect(x[b]).toEqual(x[a]);
    expect(y[b]).toEqual(y[a]);

    // Records follow the assignment: each member reads only its own partitions.
    const p = await producer();
    await p.send({ topic: a, messages: [0, 1, 2, 3].map((partition) => ({ partition, value: `p${partition}` })) });
    await waitFor('all four records', () => m1.seen.length + m2.seen.length >= 4);
    expect(m1.seen.map((s) => s.partition).sort()).toEqual([...x[a]!].sort());
    expect(m2.seen.map((s) => s.partition).sort()).toEqual([...y[a]!].sort());

    await m2.consumer.disconnect();
    await waitFor('the remaining member to own everything again', () => (m1.joins.at(-1)?.[a] ?? []).length === 4);
    expect(m1.joins.at(-1)).toEqual({ [a]: [0, 1, 2, 3], [b]: [0, 1, 2, 3] });
  });

  it('committed offsets: a new consumer of the group resumes from them', async () => {
    const t = await topic('resume', 2);
    const p = await producer();
    await p.send({ topic: t, messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `r${i}` })) });
    const first = await probe({ groupId: 'resume', topics: [t] });
    await waitFor('the first six records', () => first.seen.length >= 6);
    await first.consumer.commitOffsets([
      { topic: t, partition: 0, offset: '1' },
      { topic: t, partition: 1, offset: '3' },
    ]);
    await first.consumer.disconnect();
    expect(await committed('resume', t)).toEqual(['1', '3']);

    await p.send({ topic: t, messages: [{ partition: 1, value: 'r6' }] });
    const second = await probe({ groupId: 'resume', topics: [t] });
    await waitFor('the records after the commits', () => second.seen.length >= 3);
    const byPartition = (pr: Probe, partition: number): string[] => pr.seen.filter((s) => s.partition === partition).map((s) => `${s.offset}:${s.value}`);
    expect(byPartition(second, 0)).toEqual(['1:r2', '2:r4']);
    expect(byPartition(second, 1)).toEqual(['3:r6']);
  });

  it('seek: the next fetch starts at the sought offset and the batch in hand is stale', async () => {
    const t = await topic('seek', 1);
    const p = await producer();
    const stale: boolean[] = [];
    let sought = false;
    let consumer: BusConsumer | null = null;
    const pr = await probe({ groupId: 'seek', topics: [t], autoResolve: false }, ({ batch, isStale, resolveOffset }) => {
      if (!sought) {
        sought = true;
        consumer!.seek({ topic: t, partition: 0, offset: '7' });
        stale.push(isStale());
        return;
      }
      resolveOffset(batch.lastOffset());
    });
    consumer = pr.consumer;
    await p.send({ topic: t, messages: Array.from({ length: 10 }, (_, i) => ({ value: `s${i}` })) });
    await waitFor('the batch after the seek', () => pr.fetched.length >= 2);
    expect(stale).toEqual([true]);
    expect(pr.fetched[1]).toEqual({ topic: t, partition: 0, fetchedOffset: '7', first: '7' });
    expect(pr.seen.slice(-3).map((s) => s.value)).toEqual(['s7', 's8', 's9']);
  });

  it('pause / resume: a paused partition is not fetched until resumed', async () => {
    const t = await topic('pause', 2);
    const p = await producer();
    let resume: (() => void) | null = null;
    const pr = await probe({ groupId: 'pause', topics: [t] }, ({ batch, pause }) => {
      if (batch.partition === 1 && !resume) resume = pause();
    });
    await p.send({ topic: t, messages: [0, 1].map((partition) => ({ partition, value: `a${partition}` })) });
    await waitFor('the first records', () => pr.seen.length >= 2);
    expect(resume).not.toBeNull();

    await p.send({ topic: t, messages: [0, 1].map((partition) => ({ partition, value: `b${partition}` })) });
    await waitFor('the unpaused partition', () => pr.values().includes('b0'));
    await pr.quietFor(5);
    expect(pr.values()).not.toContain('b1');
    resume!();
    await waitFor('the resumed partition', () => pr.values().includes('b1'));
    expect(pr.seen.filter((s) => s.partition === 1).map((s) => s.value)).toEqual(['a1', 'b1']);
  });
});
