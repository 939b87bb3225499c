import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { EachBatchPayload } from 'kafkajs';
import { createKafka, type BusConsumer } from '@tickflow/kafka';
import { decode, type SchemaError } from '@tickflow/schemas';
import type { LiveHub } from './live-hub';
import { LiveMetrics } from './live-metrics';
import { LIVE_EVENT_OF_TOPIC, LIVE_TOPICS, LiveRecordMapper, type LiveTopic, type LiveTopicRecords } from './live-record-mapper';
import type { KafkaLiveSourceOptions } from './kafka-live-source-options';
import { stderrLiveLog, type LiveLog } from './live-log';

/** At most one log line per topic per this interval about undecodable records (the rest are counted). */
const UNDECODABLE_LOG_INTERVAL_MS = 10_000;

type State = 'new' | 'starting' | 'running' | 'failed' | 'stopped';

/**
 * The cluster profile's live fan-out: reads the output topics (`LIVE_TOPICS`) with a consumer group
 * of its own from the latest offsets, and publishes every record to the hub as it arrives. Nothing
 * is committed: a restarted instance starts again from latest (live data is not replayed; history
 * is REST's job). A record that does not decode is counted in `live_undecodable_records_total`,
 * logged (throttled) and skipped — it never stops the consumer.
 *
 * Latency origin: messages carry the envelope's `ingest_ts` (see `LiveMetrics`).
 */
export class KafkaLiveSource {
  readonly groupId: string;
  private readonly topicPrefix: string;
  private readonly hub: LiveHub;
  private readonly metrics: LiveMetrics;
  private readonly log: LiveLog;
  private readonly mapper = new LiveRecordMapper();
  /** Full topic name (with prefix) → logical topic. */
  private readonly logicalOf = new Map<string, LiveTopic>();
  private readonly undecodableLog = new Map<string, { lastMs: number; suppressed: number }>();
  private consumer: BusConsumer | null = null;
  private state: State = 'new';
  private failure: Error | null = null;
  /** Ends a `start()` waiting for its first fetch when `stop()` comes first. */
  private abortStart: (() => void) | null = null;

  constructor(private readonly opts: KafkaLiveSourceOptions) {
    this.topicPrefix = opts.topicPrefix ?? '';
    if (!/^[\w.-]{0,80}$/.test(this.topicPrefix)) throw new RangeError(`topicPrefix must be up to 80 letters, digits, . _ -, got ${JSON.stringify(this.topicPrefix)}`);
    if (!opts.kafka && opts.brokers.length === 0) throw new RangeError('KafkaLiveSource: brokers is empty');
    this.groupId = opts.groupId ?? `tickflow-api-live-${hostname().replace(/[^\w.-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.hub = opts.hub;
    this.metrics = LiveMetrics.of(opts.metrics);
    this.log = opts.log ?? stderrLiveLog;
    for (const t of LIVE_TOPICS) this.logicalOf.set(this.topicPrefix + t, t);
  }

  /** The full names of the topics read. */
  get topics(): string[] {
    return [...this.logicalOf.keys()];
  }

  /** True between a successful `start()` and `stop()`, unless the consumer crashed for good. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** For `/readyz`: throws unless the consumer is running. */
  async check(): Promise<void> {
    if (this.state !== 'running') throw new Error(`live fan-out is ${this.state}${this.failure ? `: ${this.failure.message}` : ''}`);
  }

  /**
   * Connects, joins the group and resolves once the first fetch has run: from then on every record
   * produced to the live topics reaches the hub. Rejects if a topic is missing (run `tickflow
   * topics`) or the broker is unreachable.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`KafkaLiveSource.start: already ${this.state}`);
    this.state = 'starting';
    const kafka = this.opts.kafka ?? createKafka({ brokers: this.opts.brokers, clientId: this.opts.clientId ?? 'tickflow-api-live' });
    const consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: !(this.opts.readCommitted ?? false),
      allowAutoTopicCreation: false,
      // Long polls return as soon as a record arrives; a short cap keeps stop() quick.
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    const timeoutMs = this.opts.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const removers: Array<() => void> = [];
    try {
      const ready = new Promise<void>((resolve, reject) => {
        let joined = false;
        removers.push(consumer.on(consumer.events.GROUP_JOIN, () => (joined = true)));
        // The fetch after the join resolves the offsets (latest for a new group): records produced after it are seen.
        removers.push(consumer.on(consumer.events.FETCH, () => joined && resolve()));
        removers.push(consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error)));
        this.abortStart = () => reject(new Error('stopped while starting'));
        timer = setTimeout(() => reject(new Error(`the live consumer did not join group ${this.groupId} and fetch within ${timeoutMs} ms`)), timeoutMs);
      });
      ready.catch(() => undefined); // observed below; avoids an unhandled rejection if connect fails first
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.eachBatch(payload) });
      await ready;
    } catch (err) {
      if ((this.state as State) === 'stopped') return; // stop() during start: not a failure
      this.state = 'failed';
      this.failure = err instanceof Error ? err : new Error(String(err));
      await consumer.disconnect().catch(() => undefined);
      const hint = (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION' ? ` (create the topics: tickflow topics${this.topicPrefix ? ` --topic-prefix ${this.topicPrefix}` : ''})` : '';
      throw new Error(`live fan-out could not start on ${this.topics.join(', ')}: ${this.failure.message}${hint}`, { cause: err });
    } finally {
      this.abortStart = null;
      clearTimeout(timer);
      for (const remove of removers) remove();
    }
    if ((this.state as State) === 'stopped') return;
    this.state = 'running';
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log(payload.restart ? 'warn' : 'error', 'live consumer crashed', { error: payload.error.message, restart: payload.restart, groupId: this.groupId });
      if (!payload.restart) {
        this.state = 'failed';
        this.failure = payload.error;
      }
    });
    this.log('info', 'live fan-out started', { groupId: this.groupId, topics: this.topics, readCommitted: this.opts.readCommitted ?? false });
  }

  /** Leaves the group and disconnects. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.abortStart?.();
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await consumer.disconnect();
  }

  private async eachBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const topic = this.logicalOf.get(batch.topic);
    if (topic === undefined) return;
    const event = LIVE_EVENT_OF_TOPIC[topic];
    const receivedAtMs = Date.now();
    const messages = batch.messages;
    for (let i = 0; i < messages.length; i++) {
      if (!isRunning() || isStale()) break;
      const m = messages[i]!;
      const r = decode(event, m.value);
      if (!r.ok) {
        this.undecodable(batch.topic, batch.partition, m.offset, r.error);
        continue;
      }
      const message = this.mapper.toMessage(topic, r.value as LiveTopicRecords[typeof topic], receivedAtMs);
      if (message === null) continue;
      this.metrics.messages[message.kind].inc();
      this.hub.publish(message);
    }
    await heartbeat();
  }

  private undecodable(topic: string, partition: number, offset: string, error: SchemaError): void {
    this.metrics.undecodable.inc({ topic });
    const now = Date.now();
    const seen = this.undecodableLog.get(topic);
    if (seen !== undefined && now - seen.lastMs < UNDECODABLE_LOG_INTERVAL_MS) {
      seen.suppressed++;
      return;
    }
    this.log('warn', 'undecodable record skipped by the live fan-out', { topic, partition, offset, code: error.code, error: error.message, ...(seen?.suppressed ? { suppressedSinceLast: seen.suppressed } : {}) });
    this.undecodableLog.set(topic, { lastMs: now, suppressed: 0 });
  }
}
