import { Partitioners, type ICustomPartitioner, type Message, type RetryOptions, type TopicMessages } from 'kafkajs';
import type { BusClient, BusProducer } from '@tickflow/kafka';
import { encode } from '@tickflow/schemas';
import type { RawTopic, SimEvent } from '../simulator/sim-event';

/** Wire format of typed events. Malformed (`kind: 'raw'`) events are always sent as their bytes. */
export type WireFormat = 'avro' | 'json';

/** The raw topics in a fixed order (trades, quotes, books). */
export const RAW_TOPICS: readonly RawTopic[] = Object.freeze(['raw.trades', 'raw.marketdata', 'raw.orderbook']);

/**
 * Bytes to put on a raw topic as they are, e.g. a malformed record or a recorded line in JSON mode.
 * A {@link SimEvent} of kind `raw` is one; the optional hints say what a caller already knows.
 */
export interface RawBytesEvent {
  kind: 'raw';
  topic: RawTopic;
  bytes: Uint8Array;
  /**
   * Message key. `undefined` → the `symbol` read from the bytes when they contain
   * `"symbol":"<ticker>"` (letters, digits, `. _ / -`, ≤ 32 chars), else `null`; `null` → no key.
   */
  symbol?: string | null;
  /**
   * Event time (epoch ms) for the `event-ts` header. `undefined` → `timestamp_ms` read from the
   * bytes; when neither gives a plausible time (2001–2286), the previous record's (else now).
   */
  tsMs?: number;
}

/** What {@link MarketDataProducer.send} accepts: simulator events and raw bytes with hints. */
export type ProducerEvent = Exclude<SimEvent, { kind: 'raw' }> | RawBytesEvent;

/** Options of {@link MarketDataProducer}. */
export interface MarketDataProducerOptions {
  /**
   * The bus client to create the producer from: a kafkajs `Kafka` (its brokers, client id,
   * logging, retries) or the embedded profile's `InProcessKafka`.
   */
  kafka: BusClient;
  /**
   * Wire format of typed events: Avro single-object encoding (`@tickflow/schemas` `encode`) or the
   * raw topics' JSON form (`JSON.stringify(value)`, which the processor detects by its first byte).
   * @defaultValue `'avro'`
   */
  format?: WireFormat;
  /**
   * Most `sendBatch` calls outstanding at once; `send` waits while this many are unacknowledged.
   * With 1 (the default) batches reach the broker strictly in call order, even across retries.
   * Above 1, batches still go out one request at a time per broker (kafkajs serialises idempotent
   * produce requests), but a batch that fails and is retried may land after the next one, so a
   * partition's order is then only guaranteed when no retry happens. Encoding the next batch
   * overlaps the current request either way.
   * @defaultValue 1
   */
  maxInFlight?: number;
  /**
   * A `send` call is split into `sendBatch` calls of at most this many value bytes in total, so a
   * large call never exceeds the broker's request and record-batch limits (1 MiB by default).
   * @defaultValue 524_288 (512 KiB)
   */
  maxBatchBytes?: number;
  /**
   * Prefix of every topic name (`<prefix>raw.trades`, …), as the processor's `--topic-prefix`.
   * @defaultValue `''`
   */
  topicPrefix?: string;
  /** Acknowledgement timeout of one produce request, ms. @defaultValue 30_000 */
  requestTimeoutMs?: number;
  /** Retries of the kafkajs producer (it retries retriable errors itself). @defaultValue the client's */
  retry?: RetryOptions;
}

/** Acknowledged records and value bytes, per raw topic. */
export interface ProducerStats {
  sent: Record<RawTopic, number>;
  bytes: Record<RawTopic, number>;
}

const TOPIC_INDEX: Readonly<Record<RawTopic, number>> = { 'raw.trades': 0, 'raw.marketdata': 1, 'raw.orderbook': 2 };
/** `"symbol":"<ticker>"` as the simulator's symbol format allows; read only from the first 16 KiB. */
const SYMBOL_IN_JSON = /"symbol"\s*:\s*"([A-Za-z0-9._/-]{1,32})"/;
const TIMESTAMP_IN_JSON = /"timestamp_ms"\s*:\s*(\d{1,16})(?![\d.eE])/;
const SCAN_BYTES = 16 * 1024;
const MIN_KAFKA_TS = 1e12;
const MAX_KAFKA_TS = 1e13 - 1;

/**
 * Publishes market-data events to the raw topics (design §2) through one idempotent kafkajs
 * producer (`idempotent: true`, `maxInFlightRequests: 1`, `acks: -1`): a broker-side retry never
 * duplicates or reorders a partition's records.
 *
 * - **Topic**: trades → `raw.trades`, quotes → `raw.marketdata`, books → `raw.orderbook`.
 * - **Key**: the symbol, so kafkajs's default (Java-compatible murmur2) partitioner puts all of a
 *   symbol's records, on all three co-partitioned topics, on the same partition index.
 * - **Event time**: the event's `timestamp_ms` in the `event-ts` header (the processor orders a
 *   task's inputs by it); one that is not a plausible epoch-ms time (2001–2286) is replaced by the
 *   previous record's. The Kafka timestamp is the producer's clock (see {@link EVENT_TS_HEADER}).
 * - **Value**: Avro single-object bytes, or JSON text (see {@link MarketDataProducerOptions.format}).
 * - **Malformed records** (`kind: 'raw'`): their bytes unchanged, so the processor's DLQ sees them
 *   exactly; keyed by the symbol read from the bytes when there is a well-formed one (the record
 *   then lands in that symbol's task, next to its valid events), else unkeyed (any partition).
 *
 * `send` returns once its batches are handed to kafkajs (at most `maxInFlight` outstanding);
 * `flush` waits for every acknowledgement. A failed batch fails the next `send` or `flush`, and the
 * producer refuses further sends: records after a lost batch must not be published past the gap.
 */
export class MarketDataProducer {
  private readonly producer: BusProducer;
  private readonly format: WireFormat;
  private readonly maxInFlight: number;
  private readonly maxBatchBytes: number;
  private readonly timeout: number;
  private readonly topicNames: readonly string[];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sentCounts = [0, 0, 0];
  private readonly sentBytes = [0, 0, 0];
  private failure: unknown = undefined;
  private lastTsMs: number | undefined;
  private connected = false;
  private closed = false;

  constructor(options: MarketDataProducerOptions) {
    this.format = options.format ?? 'avro';
    if (this.format !== 'avro' && this.format !== 'json') throw new RangeError(`format: expected 'avro' or 'json', got ${String(this.format)}`);
    this.maxInFlight = options.maxInFlight ?? 1;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError(`maxInFlight: expected an integer >= 1, got ${this.maxInFlight}`);
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    if (!(this.maxBatchBytes >= 1)) throw new RangeError(`maxBatchBytes: expected a number >= 1, got ${this.maxBatchBytes}`);
    this.timeout = options.requestTimeoutMs ?? 30_000;
    const prefix = options.topicPrefix ?? '';
    this.topicNames = RAW_TOPICS.map((t) => prefix + t);
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: deterministicPartitioner,
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  /** The topic names this producer writes to, in {@link RAW_TOPICS} order (with the prefix). */
  get topics(): readonly string[] {
    return this.topicNames;
  }

  async connect(): Promise<void> {
    if (this.closed) throw new Error('MarketDataProducer: closed');
    try {
      await this.producer.connect();
    } catch (err) {
      await this.producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.connected = true;
  }

  /**
   * Encodes `events` and hands them to kafkajs as one `sendBatch` per {@link
   * MarketDataProducerOptions.maxBatchBytes} (one topic-messages entry per topic), waiting first
   * while `maxInFlight` batches are outstanding. Within a topic and key, records keep the order of
   * `events`. Resolves when handed over, not when acknowledged (see {@link flush}).
   * @throws the error of an earlier failed batch, or a `SchemaError` for an event its schema rejects
   */
  async send(events: readonly ProducerEvent[]): Promise<void> {
    this.checkUsable();
    let lists: Message[][] = [[], [], []];
    let bytes = 0;
    for (const event of events) {
      const [topic, message] = this.toMessage(event);
      (lists[topic] as Message[]).push(message);
      bytes += (message.value as Buffer).length;
      if (bytes >= this.maxBatchBytes) {
        await this.dispatch(lists);
        lists = [[], [], []];
        bytes = 0;
      }
    }
    if (lists.some((l) => l.length > 0)) await this.dispatch(lists);
  }

  /** Waits until every batch handed over so far is acknowledged. @throws the first batch failure */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes, then disconnects (also when the flush fails, rethrowing its error). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      if (this.connected) await this.producer.disconnect();
      this.connected = false;
    }
  }

  /** Records and value bytes acknowledged so far, per raw topic. */
  stats(): ProducerStats {
    const c = this.sentCounts;
    const b = this.sentBytes;
    return {
      sent: { 'raw.trades': c[0] as number, 'raw.marketdata': c[1] as number, 'raw.orderbook': c[2] as number },
      bytes: { 'raw.trades': b[0] as number, 'raw.marketdata': b[1] as number, 'raw.orderbook': b[2] as number },
    };
  }

  /** Records acknowledged so far, all topics. */
  get sentTotal(): number {
    return (this.sentCounts[0] as number) + (this.sentCounts[1] as number) + (this.sentCounts[2] as number);
  }

  /** The Kafka message of one event and the index of its topic; exposed for tests through {@link toKafkaMessage}. */
  private toMessage(event: ProducerEvent): [number, Message] {
    const [topic, message] = toKafkaMessage(event, this.format, this.lastTsMs);
    this.lastTsMs = Number((message.headers as Record<string, string>)[EVENT_TS_HEADER]);
    return [topic, message];
  }

  private async dispatch(lists: Message[][]): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.checkUsable();
    const topicMessages: TopicMessages[] = [];
    const counts = [0, 0, 0];
    const bytes = [0, 0, 0];
    for (let i = 0; i < lists.length; i++) {
      const messages = lists[i] as Message[];
      if (messages.length === 0) continue;
      topicMessages.push({ topic: this.topicNames[i] as string, messages });
      counts[i] = messages.length;
      for (const m of messages) (bytes[i] as number) += (m.value as Buffer).length;
    }
    const p: Promise<void> = this.producer.sendBatch({ topicMessages, acks: -1, timeout: this.timeout }).then(
      () => {
        for (let i = 0; i < 3; i++) {
          (this.sentCounts[i] as number) += counts[i] as number;
          (this.sentBytes[i] as number) += bytes[i] as number;
        }
        this.inFlight.delete(p);
      },
      (err: unknown) => {
        this.failure ??= err;
        this.inFlight.delete(p);
      },
    );
    this.inFlight.add(p);
  }

  private checkUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error('MarketDataProducer: closed');
    if (!this.connected) throw new Error('MarketDataProducer: connect() first');
  }
}

/**
 * The Kafka message of one event (see {@link MarketDataProducer} for key, timestamp and value) and
 * the index of its topic in {@link RAW_TOPICS}. `previousTsMs` is the timestamp of a raw record
 * whose bytes carry none.
 */
export function toKafkaMessage(event: ProducerEvent, format: WireFormat, previousTsMs?: number): [number, Message] {
  switch (event.kind) {
    case 'trade':
      return [0, typedMessage(event.value.symbol, kafkaTimestamp(event.value.timestamp_ms, previousTsMs), format === 'avro' ? encode('RawTrade', event.value) : jsonBytes(event.value))];
    case 'quote':
      return [1, typedMessage(event.value.symbol, kafkaTimestamp(event.value.timestamp_ms, previousTsMs), format === 'avro' ? encode('Quote', event.value) : jsonBytes(event.value))];
    case 'book':
      return [2, typedMessage(event.value.symbol, kafkaTimestamp(event.value.timestamp_ms, previousTsMs), format === 'avro' ? encode('BookSnapshot', event.value) : jsonBytes(event.value))];
    case 'raw': {
      const value = Buffer.isBuffer(event.bytes) ? event.bytes : Buffer.from(event.bytes.buffer, event.bytes.byteOffset, event.bytes.byteLength);
      const needsScan = event.symbol === undefined || event.tsMs === undefined;
      const text = needsScan ? value.toString('latin1', 0, Math.min(value.length, SCAN_BYTES)) : '';
      const key = event.symbol !== undefined ? event.symbol : (SYMBOL_IN_JSON.exec(text)?.[1] ?? null);
      let ts = event.tsMs;
      if (ts === undefined) {
        const m = TIMESTAMP_IN_JSON.exec(text);
        if (m) ts = Number(m[1]);
      }
      return [TOPIC_INDEX[event.topic], { key, value, headers: { [EVENT_TS_HEADER]: kafkaTimestamp(ts, previousTsMs) } }];
    }
  }
}

/**
 * Event time travels in the `event-ts` header, not as the Kafka timestamp: recorded data carries old
 * event times, and time-based retention measures the Kafka timestamp, so it would delete a replay of
 * last year's tape while it is being read. The Kafka timestamp stays the producer's clock.
 */
export const EVENT_TS_HEADER = 'event-ts';

/**
 * kafkajs's default (murmur2, Java-compatible) partitioner, except that a record without a key is
 * placed by a hash of its bytes instead of round-robin: the same input then always lands on the same
 * partitions, so a replay of a file (malformed lines included) is reproducible record for record.
 */
export const deterministicPartitioner: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  return (args) => byKey(args.message.key == null ? { ...args, message: { ...args.message, key: args.message.value as Buffer } } : args);
};

function typedMessage(symbol: string, eventTs: string, value: Buffer): Message {
  return { key: symbol, value, headers: { [EVENT_TS_HEADER]: eventTs } };
}

/**
 * The Kafka timestamp for an event time: itself when it is a plausible epoch-ms value (13 digits,
 * 2001–2286), else the previous record's (else now). A negative or absurd `timestamp_ms` is the
 * processor's to reject from the value; as a message timestamp the broker could refuse it (and
 * fail the whole batch), and kafkajs compares timestamps as strings, so all must have 13 digits.
 */
function kafkaTimestamp(tsMs: number | undefined, previousTsMs: number | undefined): string {
  if (tsMs !== undefined && Number.isInteger(tsMs) && tsMs >= MIN_KAFKA_TS && tsMs <= MAX_KAFKA_TS) return String(tsMs);
  return String(previousTsMs ?? Date.now());
}

function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
