import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EachBatchPayload } from 'kafkajs';
import { ensureTopics } from '../ensure-topics';
import { BusStateError } from '../errors';
import { topicCatalogue } from '../topic-catalogue';
import { InProcessKafka } from './in-process-kafka';
import type { InProcessKafkaOptions } from './in-process-kafka-options';

const open: InProcessKafka[] = [];
const dirs: string[] = [];
const quiet = (): undefined => undefined;

function bus(options: InProcessKafkaOptions = {}): InProcessKafka {
  const kafka = new InProcessKafka({ log: quiet, ...options });
  open.push(kafka);
  return kafka;
}

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bus-state-'));
  dirs.push(dir);
  return dir;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

afterEach(async () => {
  for (const k of open.splice(0)) await k.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('InProcessKafka: restart continuity (stateDir)', () => {
  it('never reuses an offset: a restarted partition starts at its persisted reservation; group offsets come back', async () => {
    const dir = stateDir();
    const first = bus({ stateDir: dir, reserveBlock: 10 });
    const admin = first.admin();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 2 }] });
    const p = first.producer();
    await p.connect();
    await p.send({ topic: 't', messages: Array.from({ length: 25 }, (_, i) => ({ partition: 0, value: `a${i}` })) });
    await p.send({ topic: 't', messages: [{ partition: 1, value: 'b0' }] });
    // Before the 25 offsets were used, 25 + reserveBlock was on disk.
    expect(JSON.parse(readFileSync(join(dir, 'reservations.json'), 'utf8'))).toEqual({ version: 1, partitions: { t: { '0': 35, '1': 11 } } });
    const tx = first.producer({ transactionalId: 'tx', idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const txn = await tx.transaction();
    await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '20' }] }] });
    await txn.commit();
    await first.close();

    const second = bus({ stateDir: dir, reserveBlock: 10 });
    const admin2 = second.admin();
    await admin2.createTopics({ topics: [{ topic: 't', numPartitions: 2 }] }); // topics are not persisted: ensureTopics recreates them
    expect(await admin2.fetchTopicOffsets('t')).toEqual([
      { partition: 0, offset: '35', high: '35', low: '35' },
      { partition: 1, offset: '11', high: '11', low: '11' },
    ]);
    expect(await admin2.fetchOffsets({ groupId: 'g', topics: ['t'] })).toEqual([
      {
        topic: 't',
        partitions: [
          { partition: 0, offset: '20', metadata: null },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ]);
    const p2 = second.producer();
    await p2.connect();
    const [meta] = await p2.send({ topic: 't', messages: [{ partition: 0, value: 'after restart' }] });
    expect(meta!.baseOffset).toBe('35');

    // The group resumes where it can: its committed offset (20) is below the new low watermark, so earliest.
    const consumer = second.consumer({ groupId: 'g', maxWaitTimeInMs: 50 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    await consumer.run({ eachBatch: async ({ batch }) => void seen.push(...batch.messages.map((m) => `${m.offset}:${String(m.value)}`)) });
    await waitFor('the record produced after the restart', () => seen.length > 0);
    await consumer.disconnect();
    expect(seen).toEqual(['35:after restart']);
  });

  it.each([
    ['reservations.json', 'not json {', /not JSON/],
    ['reservations.json', JSON.stringify({ version: 2, partitions: {} }), /version 2/],
    ['reservations.json', JSON.stringify({ version: 1, partitions: { t: { '0': -5 } } }), /partitions\.t\.0: -5 is not an offset/],
    ['group-offsets.json', JSON.stringify({ version: 1, groups: { g: { t: { x: 1 } } } }), /partition "x"/],
  ])('refuses a corrupt %s with an error naming the file (%#)', (file, content, why) => {
    const dir = stateDir();
    writeFileSync(join(dir, file), content);
    let err: unknown;
    try {
      bus({ stateDir: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BusStateError);
    expect((err as BusStateError).code).toBe('BUS_STATE_CORRUPT');
    expect((err as Error).message).toContain(join(dir, file));
    expect((err as Error).message).toMatch(why);
    bus({ stateDir: stateDir() }); // the lock of the failed open was released: the next one works
  });

  it('holds the state directory for one bus at a time', async () => {
    const dir = stateDir();
    const first = bus({ stateDir: dir });
    expect(() => new InProcessKafka({ stateDir: dir, log: quiet })).toThrow(expect.objectContaining({ code: 'BUS_STATE_LOCKED' }));
    await first.close();
    bus({ stateDir: dir });
  });
});

describe('InProcessKafka: topics', () => {
  it('serves ensureTopics: creates the catalogue once, then reports it existing and matching', async () => {
    const kafka = bus();
    const admin = kafka.admin();
    const first = await ensureTopics(admin, { rawPartitions: 3 });
    const catalogue = topicCatalogue({ rawPartitions: 3 });
    expect(first.created.length).toBe(catalogue.length);
    const again = await ensureTopics(admin, { rawPartitions: 3 });
    expect([again.created, again.existing.length, again.mismatched]).toEqual([[], catalogue.length, []]);
    const { topics } = await admin.fetchTopicMetadata({ topics: catalogue.map((t) => t.name) });
    expect(topics.map((t) => t.partitions.length)).toEqual(catalogue.map((t) => t.partitions));
    expect(await ensureTopics(admin, { rawPartitions: 4 }).then((r) => r.mismatched.filter((m) => m.setting === 'partitions').length)).toBe(3);
  });

  it('answers a send to a missing topic as kafkajs does, appending nothing', async () => {
    const kafka = bus();
    await kafka.admin().createTopics({ topics: [{ topic: 'here' }] });
    const p = kafka.producer();
    await p.connect();
    const err = await p.sendBatch({ topicMessages: [{ topic: 'here', messages: [{ value: 'a' }] }, { topic: 'missing', messages: [{ value: 'b' }] }] }).catch((e: unknown) => e as Error & { cause?: { type?: string } });
    expect(err).toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    expect(await kafka.admin().fetchTopicOffsets('here')).toEqual([{ partition: 0, offset: '0', high: '0', low: '0' }]);
    const consumer = kafka.consumer({ groupId: 'x' });
    await expect(consumer.subscribe({ topic: 'missing' })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });
});

describe('InProcessKafka: retention applies the topic config', () => {
  it('takes retention.ms from createTopics and a consumer below the low watermark resets to it', async () => {
    const clock = { t: 1_000_000 };
    const kafka = bus({ now: () => clock.t });
    const admin = kafka.admin();
    await admin.createTopics({ topics: [{ topic: 'r', configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: 'r', messages: [{ value: 'old1' }, { value: 'old2' }] });
    const tx = kafka.producer({ transactionalId: 'r-tx', idempotent: true });
    await tx.connect();
    const txn = await tx.transaction();
    await txn.sendOffsets({ consumerGroupId: 'late', topics: [{ topic: 'r', partitions: [{ partition: 0, offset: '1' }] }] });
    await txn.commit();
    clock.t += 120_000;
    await p.send({ topic: 'r', messages: [{ value: 'new' }] });
    expect(await admin.fetchTopicOffsets('r')).toEqual([{ partition: 0, offset: '3', high: '3', low: '2' }]);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'r', configNames: ['retention.ms', 'cleanup.policy'] }] });
    expect(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue, e.isDefault])).toEqual([
      ['retention.ms', '60000', false],
      ['cleanup.policy', 'delete', true],
    ]);

    const consumer = kafka.consumer({ groupId: 'late', maxWaitTimeInMs: 50 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'r', fromBeginning: true });
    await consumer.run({ eachBatch: async ({ batch }) => void seen.push(...batch.messages.map((m) => `${m.offset}:${String(m.value)}`)) });
    await waitFor('the retained record', () => seen.length > 0);
    await consumer.disconnect();
    expect(seen).toEqual(['2:new']);
  });
});

describe('InProcessKafka: waiting for records', () => {
  it('long-polls: an idle consumer fetches once per maxWaitTimeInMs, and an append wakes it at once', async () => {
    const kafka = bus();
    await kafka.admin().createTopics({ topics: [{ topic: 'w', numPartitions: 2 }] });
    const consumer = kafka.consumer({ groupId: 'w', maxWaitTimeInMs: 600 });
    let fetches = 0;
    consumer.on(consumer.events.FETCH, () => fetches++);
    const arrived: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'w' });
    await consumer.run({ eachBatch: async () => void arrived.push(Date.now()) });
    const idleFrom = fetches;
    await new Promise((r) => setTimeout(r, 2_000));
    const idleFetches = fetches - idleFrom;
    expect(idleFetches).toBeGreaterThanOrEqual(2); // ~3: one per 600 ms
    expect(idleFetches).toBeLessThanOrEqual(4);

    const p = kafka.producer();
    await p.connect();
    const sentAt = Date.now();
    await p.send({ topic: 'w', messages: [{ partition: 1, value: 'x' }] });
    await waitFor('the record', () => arrived.length > 0);
    expect(arrived[0]! - sentAt).toBeLessThan(200); // woken by the append, not by the 600 ms timeout
    await consumer.disconnect();
  });

  it('read_committed: appends to an open transaction wake the consumer without making it deliver or spin', async () => {
    const kafka = bus();
    await kafka.admin().createTopics({ topics: [{ topic: 'o' }] });
    const consumer = kafka.consumer({ groupId: 'o', maxWaitTimeInMs: 500 });
    let fetches = 0;
    let batches = 0;
    consumer.on(consumer.events.FETCH, () => fetches++);
    await consumer.connect();
    await consumer.subscribe({ topic: 'o', fromBeginning: true });
    await consumer.run({ eachBatch: async () => void batches++ });
    const tx = kafka.producer({ transactionalId: 'o-tx', idempotent: true });
    await tx.connect();
    const txn = await tx.transaction();
    const from = fetches;
    const startedMs = Date.now();
    for (let i = 0; i < 100; i++) {
      await txn.send({ topic: 'o', messages: [{ value: `v${i}` }] });
      await new Promise((r) => setTimeout(r, 5));
    }
    // One fetch per maxWaitTimeInMs, however many appends woke it meanwhile.
    expect(fetches - from).toBeLessThanOrEqual(Math.ceil((Date.now() - startedMs) / 500) + 1);
    expect(batches).toBe(0);
    await txn.commit();
    await waitFor('the committed transaction', () => batches > 0);
    await consumer.disconnect();
  });
});

describe('InProcessKafka: failures in eachBatch, as kafkajs handles them', () => {
  async function failing(kafka: InProcessKafka, eachBatch: (p: EachBatchPayload) => Promise<void>): Promise<{ crashes: Array<{ name: string; restart: boolean }>; joins: () => number; stop: () => Promise<void> }> {
    await kafka.admin().createTopics({ topics: [{ topic: 'f' }] });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: 'f', messages: [{ value: 'a' }, { value: 'b' }] });
    // kafkajs: the consumer's own `retry` (default { retries: 5 }) over the client's.
    const consumer = kafka.consumer({ groupId: 'f', maxWaitTimeInMs: 50, retry: { retries: 2 } });
    const crashes: Array<{ name: string; restart: boolean }> = [];
    let joins = 0;
    consumer.on(consumer.events.CRASH, (e) => crashes.push({ name: e.payload.error.name, restart: e.payload.restart }));
    consumer.on(consumer.events.GROUP_JOIN, () => joins++);
    await consumer.connect();
    await consumer.subscribe({ topic: 'f', fromBeginning: true });
    await consumer.run({ eachBatch });
    return { crashes, joins: () => joins, stop: () => consumer.disconnect() };
  }

  it('retries a failing batch with backoff from the resolved offset, then crashes and restarts the consumer', async () => {
    const kafka = bus({ retry: { initialRetryTime: 30 } });
    const calls: Array<{ at: number; first: string | null }> = [];
    const f = await failing(kafka, async ({ batch, resolveOffset }) => {
      calls.push({ at: Date.now(), first: batch.firstOffset() });
      if (calls.length === 1) resolveOffset('0'); // 'a' is done; 'b' fails from now on
      throw new Error('boom');
    });
    await waitFor('the crash', () => f.crashes.length > 0);
    expect(f.crashes[0]).toEqual({ name: 'KafkaJSNumberOfRetriesExceeded', restart: true });
    expect(calls.map((c) => c.first)).toEqual(['0', '1', '1']); // 1 try + 2 retries, from the resolved offset
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(20); // a backoff, not a spin
    await waitFor('the restart', () => f.joins() >= 2 && calls.length >= 4);
    await f.stop();
  });

  it('does not restart after an unrecoverable error (TypeError), as kafkajs', async () => {
    const kafka = bus({ retry: { initialRetryTime: 30 } });
    let calls = 0;
    const f = await failing(kafka, async () => {
      calls++;
      throw new TypeError('bug');
    });
    await waitFor('the crash', () => f.crashes.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(f.crashes).toEqual([{ name: 'KafkaJSNonRetriableError', restart: false }]);
    expect([calls, f.joins()]).toEqual([1, 1]);
    await f.stop();
  });
});

describe('InProcessKafka: group sessions', () => {
  it('drops a member that neither polls nor heartbeats for sessionTimeout; its partitions move, its commits are refused', async () => {
    const kafka = bus();
    await kafka.admin().createTopics({ topics: [{ topic: 's', numPartitions: 2 }] });
    const p = kafka.producer();
    await p.connect();
    const config = { groupId: 's', maxWaitTimeInMs: 50, sessionTimeout: 400, heartbeatInterval: 100 };
    const stuck = kafka.consumer(config);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let commitError: unknown = null;
    await stuck.connect();
    await stuck.subscribe({ topic: 's', fromBeginning: true });
    await stuck.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        await released;
        commitError = await stuck.commitOffsets([{ topic: 's', partition: batch.partition, offset: '1' }]).then(
          () => null,
          (e: unknown) => e,
        );
      },
    });
    await p.send({ topic: 's', messages: [{ partition: 0, value: 'x' }] });
    await new Promise((r) => setTimeout(r, 100)); // `stuck` is now blocked in eachBatch

    const other = kafka.consumer(config);
    const owned: number[][] = [];
    other.on(other.events.GROUP_JOIN, (e) => owned.push(e.payload.memberAssignment['s'] ?? []));
    await other.connect();
    await other.subscribe({ topic: 's', fromBeginning: true });
    await other.run({ autoCommit: false, eachBatch: async () => undefined });
    await waitFor('the live member to own both partitions', () => owned.at(-1)?.length === 2, 3_000);

    release();
    await waitFor('the stale commit to fail', () => commitError !== null);
    expect(String((commitError as Error).message)).toMatch(/not aware of this member/);
    await Promise.all([stuck.disconnect(), other.disconnect()]);
  });

  it('stops a member whose rejoin waits for a busy member, without waiting for that member', async () => {
    const kafka = bus();
    await kafka.admin().createTopics({ topics: [{ topic: 'j', numPartitions: 2 }] });
    const config = { groupId: 'j', maxWaitTimeInMs: 50, sessionTimeout: 30_000, heartbeatInterval: 1_000 };
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let busyInBatch = false;
    const start = async (eachBatch: () => Promise<void>): Promise<{ consumer: ReturnType<InProcessKafka['consumer']>; joins: () => number }> => {
      const consumer = kafka.consumer(config);
      let joins = 0;
      consumer.on(consumer.events.GROUP_JOIN, () => joins++);
      await consumer.connect();
      await consumer.subscribe({ topic: 'j', fromBeginning: true });
      void consumer.run({ eachBatch });
      return { consumer, joins: () => joins };
    };
    const a = await start(async () => undefined);
    await waitFor('a to join', () => a.joins() === 1);
    const b = await start(async () => {
      busyInBatch = true;
      await released;
    });
    await waitFor('a and b to share the group', () => a.joins() === 2 && b.joins() === 1);
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: 'j', messages: [0, 1].map((partition) => ({ partition, value: 'x' })) });
    await waitFor('b to be busy', () => busyInBatch);

    const c = await start(async () => undefined); // a rejoins at once; the rebalance then waits for b
    await new Promise((r) => setTimeout(r, 200));
    const stopping = Date.now();
    await a.consumer.disconnect();
    expect(Date.now() - stopping).toBeLessThan(500);
    release();
    await Promise.all([b.consumer.disconnect(), c.consumer.disconnect()]);
  });
});
