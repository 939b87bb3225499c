// kafkajs 2.2.4 let read_committed consumers see records of aborted transactions when the broker
// lists the aborts out of start order (tools/patch-deps.mjs installs our fix). This reproduces that
// layout on the real broker: two transactional producers on one partition, the later-begun one
// aborted first, then a committed transaction.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { createKafka, startTestServices } from '../src/index';

const run = randomUUID().slice(0, 8);
const topic = `it-read-committed-${run}`;
let kafka: Kafka;
let admin: Admin;
const producers: Producer[] = [];

beforeAll(async () => {
  const services = await startTestServices();
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: `it-rc-${run}` });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
}, 600_000);

afterAll(async () => {
  await Promise.allSettled(producers.map((p) => p.disconnect()));
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

async function transactional(id: string): Promise<Producer> {
  const p = kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
  producers.push(p);
  await p.connect();
  return p;
}

describe('read_committed consumers on the real broker', () => {
  it('see no record of an aborted transaction, whatever order the aborts happened in', async () => {
    const [p1, p2] = await Promise.all([transactional('1'), transactional('2')]);
    const t1 = await p1.transaction();
    const t2 = await p2.transaction();
    await t1.send({ topic, acks: -1, messages: [{ value: 'aborted-a1' }] });
    await t2.send({ topic, acks: -1, messages: [{ value: 'aborted-b1' }] });
    await t1.send({ topic, acks: -1, messages: [{ value: 'aborted-a2' }] });
    await t2.abort();
    await t1.abort();
    const t3 = await p1.transaction();
    await t3.send({ topic, acks: -1, messages: [{ value: 'committed-c' }, { value: 'committed-d' }] });
    await t3.commit();

    const consumer = kafka.consumer({ groupId: `${topic}-reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(String(message.value));
          if (String(message.value) === 'committed-d') resolve();
        },
      });
    });
    await Promise.race([done, new Promise((r) => setTimeout(r, 20_000))]);
    await consumer.disconnect();
    expect(seen).toEqual(['committed-c', 'committed-d']);
  }, 60_000);
});
