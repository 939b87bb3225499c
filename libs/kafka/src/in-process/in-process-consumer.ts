import { PartitionAssigners, type Assigner, type Cluster, type ConsumerConfig, type ConsumerRunConfig, type ConsumerSubscribeTopic, type ConsumerSubscribeTopics, type InstrumentationEvent, type TopicPartitionOffset, type TopicPartitionOffsetAndMetadata, type TopicOffsets } from 'kafkajs';
import type { BusConsumer } from '../bus-client';
import { kafkajsLogger } from './bus-logger';
import { ConsumerRunner, type ConsumerSettings, type RunSettings } from './consumer-runner';
import { CONSUMER_EVENTS, InstrumentationEmitter } from './instrumentation-emitter';
import type { InProcessBroker } from './in-process-broker';
import { nonRetriable } from './kafka-errors';
import { RetryPolicy } from './retry-policy';

/**
 * A consumer of the in-process bus with kafkajs's API and observable behaviour
 * (`src/consumer/index.js`): the same argument checks and errors, the same events (`consumer.events`
 * holds kafkajs's strings), `run` resolving once the first join completes, `stop` waiting for the
 * batch in hand, and a crash handled as kafkajs does — the consumer leaves its group, CRASH tells
 * whether it restarts, and it rejoins after the retry time when the error was retriable (retries
 * exhausted) and `retry.restartOnFailure` agrees. See {@link ConsumerRunner} for fetch and batch
 * semantics.
 */
export class InProcessConsumer implements BusConsumer {
  readonly events = CONSUMER_EVENTS;
  private readonly emitter: InstrumentationEmitter;
  private readonly settings: ConsumerSettings;
  private readonly assigners: Assigner[];
  private readonly subscriptions = new Map<string, { fromBeginning: boolean }>();
  private runner: ConsumerRunner | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly broker: InProcessBroker,
    config: ConsumerConfig,
  ) {
    if (!config?.groupId) throw nonRetriable('Consumer groupId must be a non-empty string.');
    const sessionTimeoutMs = config.sessionTimeout ?? 30_000;
    const heartbeatIntervalMs = config.heartbeatInterval ?? 3_000;
    if (heartbeatIntervalMs >= sessionTimeoutMs) {
      throw nonRetriable(
        `Consumer heartbeatInterval (${heartbeatIntervalMs}) must be lower than sessionTimeout (${sessionTimeoutMs}). It is recommended to set heartbeatInterval to approximately a third of the sessionTimeout.`,
      );
    }
    this.settings = {
      groupId: config.groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs: config.rebalanceTimeout ?? 60_000,
      heartbeatIntervalMs,
      maxBytesPerPartition: config.maxBytesPerPartition ?? 1_048_576,
      maxBytes: config.maxBytes ?? 10_485_760,
      maxWaitTimeMs: config.maxWaitTimeInMs ?? 5_000,
      readCommitted: !(config.readUncommitted ?? false),
      // kafkajs: the client's retry options under the consumer's (whose default is { retries: 5 }).
      retry: new RetryPolicy({ ...broker.retry, ...(config.retry ?? { retries: 5 }) }),
    };
    this.emitter = new InstrumentationEmitter(CONSUMER_EVENTS, 'consumer', broker.log);
    // What kafkajs's assigners read from their cluster: the partitions of a topic ([] when unknown).
    const cluster = { findTopicPartitionMetadata: (topic: string) => [...(broker.findTopic(topic)?.metadata ?? [])] } as unknown as Cluster;
    const logger = kafkajsLogger(broker.log, 'Consumer');
    this.assigners = (config.partitionAssigners ?? [PartitionAssigners.roundRobin]).map((create) => create({ cluster, groupId: config.groupId, logger }));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kafkajs's listener type: the payload depends on the event
  on(eventName: string, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.emitter.on(eventName, listener);
  }

  async connect(): Promise<void> {
    this.emitter.emit(CONSUMER_EVENTS.CONNECT, null);
  }

  /** Stops (leaving the group), then emits DISCONNECT. */
  async disconnect(): Promise<void> {
    await this.stop();
    this.emitter.emit(CONSUMER_EVENTS.DISCONNECT, null);
  }

  /** Lets the batch in hand finish and leaves the group; also cancels a pending restart. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      const runner = this.runner;
      if (runner) {
        await runner.stop();
        this.runner = null;
        this.emitter.emit(CONSUMER_EVENTS.STOP, null);
      }
    })().finally(() => (this.stopping = null));
    return this.stopping;
  }

  /** Adds topics (or the existing topics a RegExp matches). @throws KafkaJSProtocolError UNKNOWN_TOPIC_OR_PARTITION for a missing topic */
  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    if (this.runner) throw nonRetriable('Cannot subscribe to topic while consumer is running');
    const { topic, topics, fromBeginning = false } = subscription as { topic?: string | RegExp; topics?: Array<string | RegExp>; fromBeginning?: boolean };
    if (!topic && !topics) throw nonRetriable('Missing required argument "topics"');
    if (topics != null && !Array.isArray(topics)) throw nonRetriable('Argument "topics" must be an array');
    const wanted = topics ?? [topic!];
    const names: string[] = [];
    for (const s of wanted) {
      if (typeof s === 'string') {
        this.broker.topic(s); // UNKNOWN_TOPIC_OR_PARTITION, as kafkajs's metadata request fails
        names.push(s);
      } else if (s instanceof RegExp) {
        names.push(...this.broker.topicNames().filter((t) => s.test(t)));
      } else {
        throw nonRetriable(`Invalid topic ${String(s)} (${typeof s}), the topic name has to be a String or a RegExp`);
      }
    }
    for (const name of names) this.subscriptions.set(name, { fromBeginning });
  }

  /** Joins the group and starts consuming; resolves after the first join (a failed join emits CRASH instead). */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.runner) {
      this.broker.log('warn', 'consumer#run was called, but the consumer is already running', { groupId: this.settings.groupId });
      return;
    }
    await this.start({
      autoCommit: config.autoCommit ?? true,
      autoCommitIntervalMs: config.autoCommitInterval ?? null,
      autoCommitThreshold: config.autoCommitThreshold ?? null,
      eachBatchAutoResolve: config.eachBatchAutoResolve ?? true,
      concurrency: Math.max(1, config.partitionsConsumedConcurrently ?? 1),
      eachBatch: config.eachBatch ?? null,
      eachMessage: config.eachMessage ?? null,
    });
  }

  /** Commits offsets for the group (fenced by generation). @throws when not running */
  async commitOffsets(topicPartitions: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    const byTopic = new Map<string, TopicOffsets['partitions']>();
    for (const { topic, partition, offset, metadata = null } of topicPartitions) {
      if (!topic) throw nonRetriable(`Invalid topic ${topic}`);
      if (Number.isNaN(Number(partition))) throw nonRetriable(`Invalid partition, expected a number received ${partition}`);
      if (!/^-?\d+$/.test(String(offset))) throw nonRetriable(`Invalid offset, expected a long received ${offset}`);
      if (Number(offset) < 0) throw nonRetriable('Offset must not be a negative number');
      if (metadata !== null && typeof metadata !== 'string') throw nonRetriable(`Invalid offset metadata, expected string or null, received ${String(metadata)}`);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ partition, offset: String(offset), metadata } as TopicOffsets['partitions'][number]);
    }
    const runner = this.requireRunner();
    await runner.commitFromUser([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  }

  /** The next fetch of the partition starts at `offset` (-2 earliest, -1 latest). */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (!topic) throw nonRetriable(`Invalid topic ${topic}`);
    if (Number.isNaN(Number(partition))) throw nonRetriable(`Invalid partition, expected a number received ${partition}`);
    if (!/^-?\d+$/.test(String(offset))) throw nonRetriable(`Invalid offset, expected a long received ${offset}`);
    if (Number(offset) < 0 && offset !== '-1' && offset !== '-2') throw nonRetriable('Offset must not be a negative number');
    this.requireRunner().seek(topic, partition, String(offset));
  }

  pause(topicPartitions: Array<{ topic: string; partitions?: number[] }>): void {
    checkTopicPartitions(topicPartitions, 'pause');
    this.requireRunner().pause(topicPartitions);
  }

  resume(topicPartitions: Array<{ topic: string; partitions?: number[] }>): void {
    checkTopicPartitions(topicPartitions, 'resume');
    this.requireRunner().resume(topicPartitions);
  }

  paused(): Array<{ topic: string; partitions: number[] }> {
    return this.runner?.paused() ?? [];
  }

  private requireRunner(): ConsumerRunner {
    if (!this.runner) throw nonRetriable('Consumer group was not initialized, consumer#run must be called first');
    return this.runner;
  }

  private async start(run: RunSettings): Promise<void> {
    const runner = new ConsumerRunner(this.broker, this.settings, run, new Map(this.subscriptions), this.assigners, this.emitter, (err) => void this.crashed(err, run));
    this.runner = runner;
    await runner.start();
  }

  /** kafkajs's `onCrash`: disconnect, CRASH, and a restart after the retry time when the error allows it. */
  private async crashed(error: Error, run: RunSettings): Promise<void> {
    this.broker.log('error', `Crash: ${error.name}: ${error.message}`, { groupId: this.settings.groupId, retryCount: (error as { retryCount?: number }).retryCount });
    await this.disconnect();
    let cause: unknown = error;
    while ((cause as { cause?: unknown }).cause) cause = (cause as { cause?: unknown }).cause;
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || (cause as { retriable?: unknown }).retriable === true;
    let restart = retriable;
    const decide = this.settings.retry.restartOnFailure;
    if (restart && decide) {
      restart = await decide(error).catch((err: unknown) => {
        this.broker.log('error', 'Caught error when invoking user-provided "restartOnFailure" callback. Defaulting to restarting.', { error: String(err), groupId: this.settings.groupId });
        return true;
      });
    }
    this.emitter.emit(CONSUMER_EVENTS.CRASH, { error, groupId: this.settings.groupId, restart });
    if (!restart) return;
    const retryTime = (error as { retryTime?: number }).retryTime || this.settings.retry.initialTime();
    this.broker.log('error', `Restarting the consumer in ${retryTime}ms`, { groupId: this.settings.groupId });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.runner) void this.start(run);
    }, retryTime);
  }
}

function checkTopicPartitions(list: ReadonlyArray<{ topic: string; partitions?: number[] }>, what: string): void {
  for (const tp of list) {
    if (!tp || !tp.topic) throw nonRetriable(`Invalid topic ${String(tp?.topic ?? tp)}`);
    if (tp.partitions !== undefined && (!Array.isArray(tp.partitions) || tp.partitions.some((p) => Number.isNaN(Number(p))))) {
      throw nonRetriable(`Array of valid partitions required to ${what} specific partitions instead of ${String(tp.partitions)}`);
    }
  }
}
