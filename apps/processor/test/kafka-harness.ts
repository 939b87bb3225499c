import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { decode, decodeRaw, encode, type DlqRecord, type EventName, type RawTrade } from '@tickflow/schemas';
import { eventOfTopic } from '../src/kafka/output-encoder';
import { REPO_ROOT, TICKFLOW_BIN } from './shared-data';

/** Starts (idempotently) the real Kafka broker and Redis the integration tests need; returns their addresses. */
export function ensureServices(): { brokers: string[]; redisUrl: string } {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'tools', 'test-services.mjs'), 'up'], { encoding: 'utf8', timeout: 600_000 });
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)?.[1] ?? '127.0.0.1:19092';
  const redisUrl = /REDIS_URL=(\S+)/.exec(out)?.[1] ?? 'redis://127.0.0.1:6379';
  return { brokers: brokers.split(','), redisUrl };
}

export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: `test-${process.pid}`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/** Creates every catalogue topic under `prefix`; raw topics get `rawPartitions`. */
export async function createTopics(admin: Admin, prefix: string, rawPartitions: number): Promise<void> {
  const raw = new Set<string>([TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook]);
  const topics = Object.values(TOPICS).map((t) => ({ topic: prefix + t, numPartitions: raw.has(t) ? rawPartitions : 2, replicationFactor: 1 }));
  await admin.createTopics({ waitForLeaders: false, topics });
  // kafkajs' own leader wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a loaded broker answers
  // for a moment after creating a topic: wait for every partition's leader here instead.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      if (meta.length === topics.length && meta.every((m) => m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics under ${prefix} have no leaders after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface TapeRecord {
  topic: string;
  key: string;
  value: Buffer;
  timestamp: number;
  partition?: number;
}

/** Reads an NDJSON tape file into Avro records for `topic` (keyed by symbol, timestamp = event time). */
export function tapeRecords(file: string, topic: typeof TOPICS.rawTrades | typeof TOPICS.rawMarketData, limit = Number.POSITIVE_INFINITY): TapeRecord[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).slice(0, limit);
  const event = topic === TOPICS.rawTrades ? 'RawTrade' : 'Quote';
  return lines.map((line) => {
    const r = decodeRaw(event, Buffer.from(line));
    if (!r.ok) throw new Error(`tape line does not decode: ${r.error.message}`);
    const v = r.value as { symbol: string; timestamp_ms: number };
    return { topic, key: v.symbol, value: encode(event, r.value as never), timestamp: v.timestamp_ms };
  });
}

export async function produce(kafka: Kafka, prefix: string, records: readonly TapeRecord[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < records.length; i += 2000) {
    const chunk = records.slice(i, i + 2000);
    const byTopic = new Map<string, Array<{ key: string; value: Buffer; headers: Record<string, string>; partition?: number }>>();
    for (const r of chunk) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: { 'event-ts': String(r.timestamp) }, ...(r.partition !== undefined ? { partition: r.partition } : {}) });
      byTopic.set(r.topic, list);
    }
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: prefix + topic, messages })) });
  }
  await producer.disconnect();
}

/** Reads a topic from the beginning with read_committed until `done(rows)` or the timeout; decodes Avro values. */
export async function readTopic(
  kafka: Kafka,
  prefix: string,
  topic: string,
  done: (rows: Array<Record<string, unknown>>) => boolean,
  timeoutMs: number,
): Promise<Array<Record<string, unknown>>> {
  const event = eventOfTopic(topic as never) as EventName;
  const consumer = kafka.consumer({ groupId: `reader-${process.pid}-${Date.now()}-${Math.random()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const rows: Array<Record<string, unknown>> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: prefix + topic, fromBeginning: true });
  const finished = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const r = decode(event, message.value);
        if (!r.ok) throw new Error(`output on ${topic} does not decode: ${r.error.message}`);
        rows.push(r.value as unknown as Record<string, unknown>);
        if (done(rows)) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
    if (done(rows)) {
      clearTimeout(timer);
      resolve();
    }
  });
  await finished;
  await consumer.disconnect();
  return rows;
}

export function dlqSummary(rows: Array<Record<string, unknown>>): string[] {
  return rows.map((r) => `${String((r as unknown as DlqRecord).error_type)}:${String((r as unknown as DlqRecord).error_code)}`);
}

/** `tickflow process` as a child process; stderr (JSON logs) is kept for diagnosis. */
export function startProcessor(env: Record<string, string>, extraArgs: readonly string[] = []): ChildProcess & { logs: string[] } {
  const child = spawn(process.execPath, [TICKFLOW_BIN, 'process', '--metrics-port', '0', ...extraArgs], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] }) as ChildProcess & { logs: string[] };
  child.logs = [];
  const file = process.env.TICKFLOW_TEST_LOG_DIR ? join(process.env.TICKFLOW_TEST_LOG_DIR, `processor-${child.pid}.log`) : null;
  // A chunk can end mid-line: keep the tail until its newline arrives, so no line is split in two.
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    child.logs.push(...lines.filter(Boolean));
    if (file) appendFileSync(file, d);
  });
  return child;
}

export async function stopProcessor(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

/** The fields of an output that a crash-free run and any other run must agree on. */
export function deterministic(row: Record<string, unknown>): Record<string, unknown> {
  const { computed_at: _c, seq: _s, ingest_ts: _i, ...rest } = row;
  // Canonical key order: Avro decodes in schema order, the replay writes in construction order.
  return Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** True once the group has committed, for every partition of every raw topic, the topic's end offset. */
export async function caughtUp(admin: Admin, prefix: string, groupId: string): Promise<boolean> {
  const topics = [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook].map((t) => prefix + t);
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const c = committed.find((x) => x.topic === topic)?.partitions ?? [];
    for (const e of ends) if (Number(c.find((x) => x.partition === e.partition)?.offset ?? -1) < Number(e.high)) return false;
  }
  return true;
}

/** Sum of committed offsets of the group over the raw topics: a progress measure. */
export async function committedTotal(admin: Admin, prefix: string, groupId: string): Promise<number> {
  const topics = [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook].map((t) => prefix + t);
  const committed = await admin.fetchOffsets({ groupId, topics });
  return committed.flatMap((t) => t.partitions).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

/** Reads every committed record of a topic (stops after `idleMs` without new records). */
export async function readAll(kafka: Kafka, prefix: string, topic: string, idleMs = 3000): Promise<Array<Record<string, unknown>>> {
  const event = eventOfTopic(topic as never) as EventName;
  const consumer = kafka.consumer({ groupId: `reader-${process.pid}-${Date.now()}-${Math.random()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const rows: Array<Record<string, unknown>> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: prefix + topic, fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      const r = decode(event, message.value);
      if (!r.ok) throw new Error(`output on ${topic} does not decode: ${r.error.message}`);
      rows.push(r.value as unknown as Record<string, unknown>);
      last = Date.now();
    },
  });
  const started = Date.now();
  while (Date.now() - last < idleMs || (rows.length === 0 && Date.now() - started < 15_000)) await new Promise((r) => setTimeout(r, 200));
  await consumer.disconnect();
  return rows;
}

/** Every record of the three raw topics under `prefix`, per partition in offset order, as produced. */
export async function readRaw(kafka: Kafka, admin: Admin, prefix: string): Promise<TapeRecord[]> {
  const topics = [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook];
  let expected = 0;
  for (const t of topics) for (const o of await admin.fetchTopicOffsets(prefix + t)) expected += Number(o.high) - Number(o.low);
  const out: TapeRecord[] = [];
  const consumer = kafka.consumer({ groupId: `copy-${prefix}${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const ts = Number(String(m.headers?.['event-ts'] ?? m.timestamp));
          out.push({ topic: batch.topic.slice(prefix.length), key: m.key?.toString() ?? '', value: m.value ?? Buffer.alloc(0), timestamp: ts, partition: batch.partition });
        }
        if (out.length >= expected) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

/**
 * Slice k of n of recorded input, cut at common event times: partition by partition (each kept in
 * offset order, late events where they are), a record belongs to the slice in which the running
 * maximum event time of its partition first reaches the slice's end. Tests produce a run's input
 * slice by slice while the processor runs, so a disturbance always meets input still arriving (the
 * processor finishes a preloaded test tape in seconds), and every topic of a slice ends at about the
 * same event time, as live producers would leave them.
 */
export function sliceInput(input: readonly TapeRecord[], k: number, n: number): TapeRecord[] {
  const byPartition = new Map<string, TapeRecord[]>();
  for (const r of input) {
    const key = `${r.topic}:${r.partition}`;
    const list = byPartition.get(key) ?? [];
    list.push(r);
    byPartition.set(key, list);
  }
  // Bounds without the bad records' absurd timestamps (far future, NaN): they neither set the range
  // nor move a partition's running maximum.
  const times = input.map((r) => r.timestamp).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = times[Math.floor(times.length * 0.005)] ?? 0;
  const hi = times[Math.floor(times.length * 0.995)] ?? 0;
  const cut = (j: number): number => (j <= 0 ? Number.NEGATIVE_INFINITY : j >= n ? Number.POSITIVE_INFINITY : lo + ((hi - lo) * j) / n);
  const parts = [...byPartition.values()].map((list) => {
    let runningMax = Number.NEGATIVE_INFINITY;
    return list.filter((r) => {
      if (r.timestamp >= lo && r.timestamp <= hi) runningMax = Math.max(runningMax, r.timestamp);
      return runningMax >= cut(k) && runningMax < cut(k + 1);
    });
  });
  // Interleave the partitions by event time (each keeps its offset order), so that all topics of a
  // slice arrive together, as they would from live producers, not one topic after the other.
  const heads = parts.map(() => 0);
  const out: TapeRecord[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < parts.length; i++) {
      const r = parts[i]![heads[i]!];
      if (r && (best < 0 || r.timestamp < parts[best]![heads[best]!]!.timestamp)) best = i;
    }
    if (best < 0) return out;
    out.push(parts[best]![heads[best]!++]!);
  }
}

/**
 * One trade per raw partition far in the future (symbol ZZFLUSH): moves every task's watermark past
 * every window of the input, so all of them fire.
 */
export function flushSentinels(partitions: number, tsMs: number): TapeRecord[] {
  return Array.from({ length: partitions }, (_, p) => {
    const id = `FLUSH-${p}`;
    const t: RawTrade = { trade_id: id, order_id: id, symbol: 'ZZFLUSH', side: 'BUY', quantity: 1, price: 1, status: 'FILLED', exchange: 'TEST', trader_id: '', account_id: '', timestamp_ms: tsMs, event_type: 'TRADE', event_ts: tsMs, ingest_ts: 0, seq: 0, source: 'test', correlation_id: id, version: 1 };
    return { topic: TOPICS.rawTrades, key: 'ZZFLUSH', value: encode('RawTrade', t), timestamp: tsMs, partition: p };
  });
}
