// Restarts a real broker under a transactional producer, as the chaos tests will. It uses a broker
// of its own (port 19192), started fresh and deleted afterwards, so suites running in parallel on
// the shared test broker (19092) never see it go away.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { createKafka, ensureTopics, restartKafka, startTestServices, stopTestKafka } from '../src/index';

const kafkaPort = 19192;
const runId = randomUUID().slice(0, 8);
const topic = TOPICS.rawTrades;
const clients: Array<Producer | Consumer> = [];
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  // A leftover from an interrupted run would hold old records: start from nothing.
  await stopTestKafka({ kafkaPort, deleteData: true });
  const services = await startTestServices({ kafkaPort });
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: `it-restart-${runId}` });
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { replicationFactor: 1, rawPartitions: 2 });
}, 600_000);

afterAll(async () => {
  await Promise.allSettled([...clients, ...(admin ? [admin] : [])].map((c) => c.disconnect()));
  await stopTestKafka({ kafkaPort, deleteData: true });
}, 120_000);

function transactionalProducer(transactionalId: string): Producer {
  const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  clients.push(p);
  return p;
}

async function commit(producer: Producer, key: string, value: string): Promise<void> {
  const txn = await producer.transaction();
  await txn.send({ topic, acks: -1, messages: [{ key, value }] });
  await txn.commit();
}

/** read_committed values keyed `key`, from the beginning, once `last` has arrived. */
async function readCommitted(key: string, last: string): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `it-restart-${runId}-${key}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  clients.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${last}" within 30 s; read ${JSON.stringify(values)}`)), 30_000);
    void consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== key) return;
          values.push(message.value?.toString() ?? '');
          if (values.at(-1) === last) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return values;
}

describe('restartKafka', () => {
  it('a transactional producer carries on across a clean broker restart', async () => {
    const producer = transactionalProducer(`it-restart-${runId}-clean`);
    await producer.connect();
    await commit(producer, 'clean', 'before');
    await restartKafka({ kafkaPort });
    await commit(producer, 'clean', 'after');
    expect(await readCommitted('clean', 'after')).toEqual(['before', 'after']);
  });

  it('after a crash (SIGKILL) mid-transaction, a new producer with the same transactional id aborts the open one', async () => {
    const transactionalId = `it-restart-${runId}-crash`;
    const crashed = transactionalProducer(transactionalId);
    await crashed.connect();
    await commit(crashed, 'crash', 'committed-before');
    const open = await crashed.transaction();
    await open.send({ topic, acks: -1, messages: [{ key: 'crash', value: 'in-flight' }] });
    await restartKafka({ kafkaPort, hard: true });

    // What a restarted processor task does: same transactional id, new producer (fences the old one).
    const successor = transactionalProducer(transactionalId);
    await successor.connect();
    await commit(successor, 'crash', 'committed-after');
    expect(await readCommitted('crash', 'committed-after')).toEqual(['committed-before', 'committed-after']);
  });
});
