import { AssignerProtocol, type Assigner, type EachBatchHandler, type EachMessageHandler, type KafkaMessage, type OffsetsByTopicPartition, type TopicOffsets } from 'kafkajs';
import type { ConsumerGroup, JoinResult } from './consumer-group';
import { CONSUMER_EVENTS, type InstrumentationEmitter } from './instrumentation-emitter';
import { InProcessBatch } from './in-process-batch';
import type { InProcessBroker } from './in-process-broker';
import { isRebalancing } from './kafka-errors';
import type { PartitionLog } from './partition-log';
import { RetryPolicy } from './retry-policy';

/** A consumer's configuration, defaults applied (kafkajs's). */
export interface ConsumerSettings {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
  maxWaitTimeMs: number;
  readCommitted: boolean;
  retry: RetryPolicy;
}

/** `consumer.run(config)`, defaults applied (kafkajs's). */
export interface RunSettings {
  autoCommit: boolean;
  autoCommitIntervalMs: number | null;
  autoCommitThreshold: number | null;
  eachBatchAutoResolve: boolean;
  concurrency: number;
  eachBatch: EachBatchHandler | null;
  eachMessage: EachMessageHandler | null;
}

/** Per topic: kafkajs's `SubscriptionState` pause bookkeeping. */
interface PauseState {
  pauseAll: boolean;
  paused: Set<number>;
  resumed: Set<number>;
}

type OffsetMap = Map<string, Map<number, number>>;

/** Rejects a member's pending join when its consumer stops. */
class StoppedError extends Error {
  override readonly name = 'KafkaJSConsumerStopped';
}

/**
 * One `consumer.run()` of an in-process consumer: kafkajs's `Runner` + `ConsumerGroup` +
 * `OffsetManager` (`src/consumer/*.js`), over the in-process broker.
 *
 * **Join.** Joins the group and waits for the rebalance; GROUP_JOIN carries the decoded
 * assignment. Every (re)join starts each assigned partition at its committed offset (kafkajs drops
 * resolved-but-uncommitted positions on a rebalance), else at earliest / latest per `fromBeginning`
 * (latest = the last stable offset for read_committed).
 *
 * **Fetch.** One fetch at a time over all assigned, unpaused partitions: pending `seek`s are
 * applied first; then it waits for an append on any of them up to `maxWaitTimeInMs` (woken early
 * by appends, seeks, pauses, resumes, rebalances and `stop` — never a busy loop), and returns a
 * batch per partition that has records in range, markers included. FETCH is emitted after every
 * fetch, empty ones too. A position outside [low, high] resets to earliest / latest.
 *
 * **Batches.** Handled one after another (`partitionsConsumedConcurrently` at once at most, never
 * two of one partition), exactly as kafkajs's `handleBatch`: a batch of only markers / aborted
 * records is reported (START/END_BATCH_PROCESS with `batchSize: 0`) and resolved without calling
 * `eachBatch`; otherwise `eachBatch` (or `eachMessage`) runs, then auto-resolve, auto-commit and a
 * heartbeat. The next fetch of a partition starts after its last resolved offset, so a batch that
 * is not resolved is delivered again. A batch whose partition got a `seek` or a pause during the
 * fetch is dropped.
 *
 * **Errors.** A heartbeat that finds a rebalance (also from within `eachBatch`) emits REBALANCING and
 * rejoins. Any other error (one thrown by `eachBatch` included) is retried with kafkajs's backoff,
 * refetching from the resolved offsets; when the retries run out, or at once for a
 * non-retriable error, the consumer crashes (`onCrash`), which the consumer turns into CRASH and
 * maybe a restart.
 */
export class ConsumerRunner {
  private readonly group: ConsumerGroup;
  private running = false;
  private stopped = false;
  private memberId: string | null = null;
  private generationId = -1;
  private assigned: Array<{ topic: string; partitions: number[] }> = [];
  private readonly resolved: OffsetMap = new Map();
  private readonly committed: OffsetMap = new Map();
  private readonly seeks = new Map<string, Map<number, string>>();
  private readonly pauses = new Map<string, PauseState>();
  private loopDone: Promise<void> | null = null;
  /** In a JoinGroup, waiting for the rebalance to complete. */
  private joining = false;
  private waker: (() => void) | null = null;
  /** A seek, pause, resume or rebalance since the current fetch began: end its wait at once. */
  private woken = false;
  private lastCommitMs = Date.now();
  private lastHeartbeatEventMs = 0;

  constructor(
    private readonly broker: InProcessBroker,
    private readonly settings: ConsumerSettings,
    private readonly run: RunSettings,
    private readonly subscriptions: ReadonlyMap<string, { fromBeginning: boolean }>,
    private readonly assigners: readonly Assigner[],
    private readonly emitter: InstrumentationEmitter,
    private readonly onCrash: (err: Error) => void,
  ) {
    this.group = broker.group(settings.groupId);
  }

  /** Joins the group, then consumes in the background. A failed join crashes the consumer (kafkajs). */
  async start(): Promise<void> {
    try {
      await this.joinAndSync();
    } catch (err) {
      if (!this.stopped) this.onCrash(err as Error);
      return;
    }
    if (this.stopped) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Lets the batch in hand finish, then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.wake();
    // A rejoin waiting for the other members would hold the loop: leave now, which ends the wait.
    if (this.joining) this.leave();
    await this.loopDone;
    this.leave();
  }

  private leave(): void {
    if (this.memberId !== null) this.group.leave(this.memberId, new StoppedError('the consumer stopped'));
    this.memberId = null;
  }

  /** `consumer.commitOffsets`: retried like kafkajs; a no-op once stopped. */
  async commitFromUser(topics: TopicOffsets[]): Promise<void> {
    if (!this.running) return;
    await this.settings.retry.run(async () => {
      try {
        await this.commitOffsets({ topics });
      } catch (err) {
        if (!this.running) return;
        throw err;
      }
    });
  }

  /** `consumer.seek`: applied before the next fetch; batches of the partition fetched meanwhile are stale. */
  seek(topic: string, partition: number, offset: string): void {
    let t = this.seeks.get(topic);
    if (!t) this.seeks.set(topic, (t = new Map()));
    t.set(partition, offset);
    this.wake();
  }

  pause(topicPartitions: ReadonlyArray<{ topic: string; partitions?: number[] }>): void {
    for (const { topic, partitions } of topicPartitions) {
      const s = this.pauseState(topic);
      if (partitions === undefined) {
        s.paused.clear();
        s.resumed.clear();
        s.pauseAll = true;
      } else {
        for (const p of partitions) {
          s.paused.add(p);
          s.resumed.delete(p);
        }
        s.pauseAll = false;
      }
    }
    this.wake();
  }

  resume(topicPartitions: ReadonlyArray<{ topic: string; partitions?: number[] }>): void {
    for (const { topic, partitions } of topicPartitions) {
      const s = this.pauseState(topic);
      if (partitions === undefined) {
        s.paused.clear();
        s.resumed.clear();
        s.pauseAll = false;
      } else {
        for (const p of partitions) {
          s.paused.delete(p);
          if (s.pauseAll) s.resumed.add(p);
        }
      }
    }
    this.wake();
  }

  paused(): Array<{ topic: string; partitions: number[] }> {
    return this.assigned.map(({ topic, partitions }) => ({ topic, partitions: partitions.filter((p) => this.isPaused(topic, p)) })).filter((t) => t.partitions.length > 0);
  }

  // ---- the loop ----------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const retry = this.settings.retry;
    let retryCount = 0;
    let retryTime = retry.initialTime();
    while (this.running) {
      try {
        await this.fetchAndProcess();
        retryCount = 0;
        retryTime = retry.initialTime();
      } catch (err) {
        if (!this.running) break;
        if (isRebalancing(err) || (err as { type?: string }).type === 'UNKNOWN_MEMBER_ID') {
          if ((err as { type?: string }).type === 'UNKNOWN_MEMBER_ID') this.memberId = null;
          else this.emitter.emit(CONSUMER_EVENTS.REBALANCING, { groupId: this.settings.groupId, memberId: this.memberId });
          try {
            await this.joinAndSync();
          } catch (joinErr) {
            if (this.running) this.crash(joinErr as Error);
            return;
          }
          continue;
        }
        if (!RetryPolicy.isRetriable(err) || retryCount >= retry.retries) {
          this.crash(RetryPolicy.giveUp(err, retryCount, retryTime, false));
          return;
        }
        this.broker.log('debug', 'Error while consuming, trying again...', { groupId: this.settings.groupId, error: (err as Error).message, retryCount, retryTime });
        await this.sleep(retryTime);
        retryCount++;
        retryTime = retry.nextTime(retryTime);
      }
      // Yield to timers and I/O between fetches, as a network fetch would.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private crash(err: Error): void {
    this.running = false;
    this.onCrash(err);
  }

  private async fetchAndProcess(): Promise<void> {
    const started = Date.now();
    this.emitter.emit(CONSUMER_EVENTS.FETCH_START, { nodeId: 0 });
    const batches = await this.fetch();
    this.emitter.emit(CONSUMER_EVENTS.FETCH, { numberOfBatches: 0, duration: Date.now() - started, nodeId: 0 });
    if (batches.length === 0) {
      await this.heartbeat();
      return;
    }
    let failed = false;
    let failure: unknown;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        try {
          await this.handleBatch(batch);
        } catch (err) {
          // As kafkajs's worker queue: the other batches of the fetch are still handled.
          if (!failed) failure = err;
          failed = true;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.run.concurrency, batches.length) }, worker));
    if (failed) throw failure;
  }

  /** One fetch: waits up to maxWaitTimeInMs for records on an active partition. */
  private async fetch(): Promise<InProcessBatch[]> {
    this.woken = false;
    this.applySeeks();
    const active: Array<{ topic: string; partition: number; log: PartitionLog }> = [];
    for (const { topic, partitions } of this.assigned) {
      const t = this.broker.findTopic(topic);
      if (!t) continue;
      for (const p of partitions) {
        const log = t.partitions[p];
        if (!log || this.isPaused(topic, p)) continue;
        this.initOffset(topic, log);
        active.push({ topic, partition: p, log });
      }
    }
    const deadline = Date.now() + this.settings.maxWaitTimeMs;
    if (active.length === 0) {
      await this.sleep(this.settings.maxWaitTimeMs);
      return [];
    }
    for (;;) {
      const batches = this.read(active);
      const remaining = deadline - Date.now();
      if (batches.length > 0 || remaining <= 0 || !this.running || this.woken) {
        return batches.filter((b) => !this.hasSeek(b.topic, b.partition) && !this.isPaused(b.topic, b.partition));
      }
      await this.waitForAppend(
        active.map((a) => a.log),
        remaining,
      );
    }
  }

  private read(active: ReadonlyArray<{ topic: string; partition: number; log: PartitionLog }>): InProcessBatch[] {
    const batches: InProcessBatch[] = [];
    let total = 0;
    for (const { topic, partition, log } of active) {
      if (total >= this.settings.maxBytes) break;
      const from = this.resolved.get(topic)!.get(partition)!;
      const read = log.read(from, this.settings.readCommitted, this.settings.maxBytesPerPartition);
      if (read === null) {
        const reset = this.defaultOffset(topic, log);
        this.broker.log('error', 'Offset out of range, resetting to default offset', { topic, partition, groupId: this.settings.groupId, offset: from, reset, low: log.low, high: log.high });
        this.resolved.get(topic)!.set(partition, reset);
        continue;
      }
      if (read.raw === 0) continue;
      for (const m of read.messages) total += (m.key?.length ?? 0) + (m.value?.length ?? 0);
      batches.push(new InProcessBatch(topic, partition, from, read, log.high));
    }
    return batches;
  }

  /** kafkajs's `Runner.handleBatch`. */
  private async handleBatch(batch: InProcessBatch): Promise<void> {
    if (!this.running) return;
    const started = Date.now();
    const payload = {
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      offsetLag: batch.offsetLag(),
      offsetLagLow: batch.offsetLagLow(),
      batchSize: batch.messages.length,
      firstOffset: batch.firstOffset(),
      lastOffset: batch.lastOffset(),
    };
    if (batch.isEmptyDueToFiltering()) {
      this.emitter.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, payload);
      this.resolveOffset(batch.topic, batch.partition, batch.lastOffset());
      await this.autoCommitOffsetsIfNecessary();
      this.emitter.emit(CONSUMER_EVENTS.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started });
      await this.heartbeat();
      return;
    }
    if (batch.isEmpty()) {
      await this.heartbeat();
      return;
    }
    this.emitter.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, payload);
    if (this.run.eachMessage) await this.processEachMessage(batch, this.run.eachMessage);
    else if (this.run.eachBatch) await this.processEachBatch(batch, this.run.eachBatch);
    this.emitter.emit(CONSUMER_EVENTS.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started });
    await this.autoCommitOffsets();
    await this.heartbeat();
  }

  private async processEachBatch(batch: InProcessBatch, eachBatch: EachBatchHandler): Promise<void> {
    const { topic, partition } = batch;
    const lastFiltered = batch.messages[batch.messages.length - 1];
    try {
      await eachBatch({
        batch,
        resolveOffset: (offset) => {
          // kafkajs: resolving the last visible record also resolves the markers after it.
          const target = lastFiltered && Number(offset) === Number(lastFiltered.offset) ? batch.lastOffset() : offset;
          this.resolveOffset(topic, partition, target);
        },
        heartbeat: () => this.heartbeat(),
        pause: () => this.pauseOne(topic, partition),
        commitOffsetsIfNecessary: async (offsets) => (offsets ? this.commitOffsets(offsets) : this.commitOffsetsIfNecessary()),
        uncommittedOffsets: () => this.uncommittedOffsets(),
        isRunning: () => this.running,
        isStale: () => this.hasSeek(topic, partition),
      });
    } catch (err) {
      if (!(err instanceof Error && err.name.startsWith('KafkaJS'))) {
        this.broker.log('error', 'Error when calling eachBatch', { topic, partition, offset: batch.firstOffset(), error: err instanceof Error ? err.message : String(err) });
      }
      await this.autoCommitOffsets();
      throw err;
    }
    if (this.run.eachBatchAutoResolve) this.resolveOffset(topic, partition, batch.lastOffset());
  }

  private async processEachMessage(batch: InProcessBatch, eachMessage: EachMessageHandler): Promise<void> {
    const { topic, partition } = batch;
    for (const message of batch.messages as KafkaMessage[]) {
      if (!this.running || this.hasSeek(topic, partition)) break;
      try {
        await eachMessage({ topic, partition, message, heartbeat: () => this.heartbeat(), pause: () => this.pauseOne(topic, partition) });
      } catch (err) {
        if (!(err instanceof Error && err.name.startsWith('KafkaJS'))) {
          this.broker.log('error', 'Error when calling eachMessage', { topic, partition, offset: message.offset, error: err instanceof Error ? err.message : String(err) });
        }
        await this.autoCommitOffsets();
        throw err;
      }
      this.resolveOffset(topic, partition, message.offset);
      await this.heartbeat();
      await this.autoCommitOffsetsIfNecessary();
      if (this.isPaused(topic, partition)) break;
    }
  }

  // ---- group membership --------------------------------------------------------------------

  private async joinAndSync(): Promise<void> {
    this.joining = true;
    try {
      await this.joinAndSyncOnce();
    } finally {
      this.joining = false;
    }
  }

  private async joinAndSyncOnce(): Promise<void> {
    const started = Date.now();
    const topics = [...this.subscriptions.keys()];
    for (let attempt = 0; ; attempt++) {
      let joined: JoinResult;
      try {
        const { memberId, result } = this.group.join({
          memberId: this.memberId,
          clientId: this.broker.clientId,
          topics,
          protocols: this.assigners.map((a) => a.protocol({ topics })),
          assigners: this.assigners,
          sessionTimeoutMs: this.settings.sessionTimeoutMs,
          rebalanceTimeoutMs: this.settings.rebalanceTimeoutMs,
          onRebalance: () => this.wake(),
        });
        this.memberId = memberId;
        joined = await result;
      } catch (err) {
        if (this.stopped) throw err;
        const type = (err as { type?: string }).type;
        if ((isRebalancing(err) || type === 'UNKNOWN_MEMBER_ID') && attempt < this.settings.retry.retries) {
          if (type === 'UNKNOWN_MEMBER_ID') this.memberId = null;
          continue;
        }
        throw err;
      }
      this.generationId = joined.generationId;
      const decoded = AssignerProtocol.MemberAssignment.decode(joined.memberAssignment);
      const assignment = decoded?.assignment ?? {};
      const unsubscribed = Object.keys(assignment).filter((t) => !this.subscriptions.has(t));
      if (unsubscribed.length > 0) {
        this.emitter.emit(CONSUMER_EVENTS.RECEIVED_UNSUBSCRIBED_TOPICS, { groupId: this.settings.groupId, generationId: joined.generationId, memberId: joined.memberId, assignedTopics: Object.keys(assignment), topicsSubscribed: topics, topicsNotSubscribed: unsubscribed });
      }
      this.assigned = Object.entries(assignment)
        .filter(([t]) => this.subscriptions.has(t))
        .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }));
      // A new generation starts from the committed offsets, as kafkajs's new OffsetManager does.
      this.resolved.clear();
      this.committed.clear();
      const memberAssignment: Record<string, number[]> = {};
      for (const { topic, partitions } of this.assigned) memberAssignment[topic] = partitions;
      this.emitter.emit(CONSUMER_EVENTS.GROUP_JOIN, {
        groupId: this.settings.groupId,
        memberId: joined.memberId,
        leaderId: joined.leaderId,
        isLeader: joined.isLeader,
        memberAssignment,
        groupProtocol: joined.groupProtocol,
        duration: Date.now() - started,
      });
      return;
    }
  }

  /** Keeps the session; throws REBALANCE_IN_PROGRESS (after an auto-commit) when the member must rejoin. */
  private async heartbeat(): Promise<void> {
    if (this.memberId === null) return;
    try {
      this.group.heartbeat(this.memberId, this.generationId);
    } catch (err) {
      if (isRebalancing(err)) await this.autoCommitOffsets();
      throw err;
    }
    const now = Date.now();
    if (now - this.lastHeartbeatEventMs >= this.settings.heartbeatIntervalMs) {
      this.lastHeartbeatEventMs = now;
      this.emitter.emit(CONSUMER_EVENTS.HEARTBEAT, { groupId: this.settings.groupId, memberId: this.memberId, groupGenerationId: this.generationId });
    }
  }

  // ---- offsets -----------------------------------------------------------------------------

  private applySeeks(): void {
    for (const { topic, partitions } of this.assigned) {
      const pending = this.seeks.get(topic);
      if (!pending) continue;
      for (const p of partitions) {
        const raw = pending.get(p);
        if (raw === undefined) continue;
        pending.delete(p);
        const log = this.broker.findTopic(topic)?.partitions[p];
        if (!log) continue;
        const offset = raw === '-2' ? log.low : raw === '-1' ? this.latest(log) : Number(raw);
        if (!this.run.autoCommit) {
          this.offsets(this.resolved, topic).set(p, offset);
        } else {
          // kafkajs commits a seek right away when auto-committing.
          this.group.commit(this.memberId ?? '', this.generationId, [{ topic, partition: p, offset, metadata: null }]);
          this.offsets(this.committed, topic).delete(p);
          this.offsets(this.resolved, topic).delete(p);
        }
      }
    }
  }

  private initOffset(topic: string, log: PartitionLog): void {
    const committed = this.offsets(this.committed, topic);
    if (!committed.has(log.partition)) {
      const c = this.group.committedOffset(topic, log.partition);
      committed.set(log.partition, c !== null && c.offset >= 0 ? c.offset : this.defaultOffset(topic, log));
    }
    const resolved = this.offsets(this.resolved, topic);
    if (!resolved.has(log.partition)) resolved.set(log.partition, committed.get(log.partition)!);
  }

  private defaultOffset(topic: string, log: PartitionLog): number {
    return this.subscriptions.get(topic)?.fromBeginning ? log.low : this.latest(log);
  }

  private latest(log: PartitionLog): number {
    return this.settings.readCommitted ? log.lastStable() : log.high;
  }

  private resolveOffset(topic: string, partition: number, offset: string): void {
    this.offsets(this.resolved, topic).set(partition, Number(offset) + 1);
  }

  private uncommittedOffsets(): OffsetsByTopicPartition {
    const topics: TopicOffsets[] = [];
    for (const [topic, resolved] of this.resolved) {
      const committed = this.committed.get(topic);
      const partitions = [...resolved].filter(([p, o]) => o >= 0 && committed?.get(p) !== o).map(([partition, o]) => ({ partition, offset: String(o) }));
      if (partitions.length > 0) topics.push({ topic, partitions });
    }
    return { topics };
  }

  /** kafkajs's `OffsetManager.commitOffsets`: the given offsets, else every resolved and uncommitted one. */
  private async commitOffsets(offsets?: { topics?: TopicOffsets[] }): Promise<void> {
    const topics = offsets?.topics ?? this.uncommittedOffsets().topics;
    if (topics.length === 0) {
      this.lastCommitMs = Date.now();
      return;
    }
    const flat = topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset), metadata: (p as { metadata?: string | null }).metadata ?? null })));
    this.group.commit(this.memberId ?? '', this.generationId, flat);
    this.emitter.emit(CONSUMER_EVENTS.COMMIT_OFFSETS, { groupId: this.settings.groupId, memberId: this.memberId, groupGenerationId: this.generationId, topics });
    for (const o of flat) this.offsets(this.committed, o.topic).set(o.partition, o.offset);
    this.lastCommitMs = Date.now();
  }

  private async commitOffsetsIfNecessary(): Promise<void> {
    const { autoCommitIntervalMs, autoCommitThreshold } = this.run;
    const intervalDue = autoCommitIntervalMs !== null && Date.now() >= this.lastCommitMs + autoCommitIntervalMs;
    let thresholdDue = false;
    if (autoCommitThreshold !== null) {
      let count = 0;
      for (const [topic, resolved] of this.resolved) for (const [p, o] of resolved) count += o - (this.committed.get(topic)?.get(p) ?? 0);
      thresholdDue = count >= autoCommitThreshold;
    }
    if (intervalDue || thresholdDue) await this.commitOffsets();
  }

  private async autoCommitOffsets(): Promise<void> {
    if (this.run.autoCommit) await this.commitOffsets();
  }

  private async autoCommitOffsetsIfNecessary(): Promise<void> {
    if (this.run.autoCommit) await this.commitOffsetsIfNecessary();
  }

  private offsets(map: OffsetMap, topic: string): Map<number, number> {
    let m = map.get(topic);
    if (!m) map.set(topic, (m = new Map()));
    return m;
  }

  // ---- pause, seek, waiting ----------------------------------------------------------------

  private pauseOne(topic: string, partition: number): () => void {
    this.pause([{ topic, partitions: [partition] }]);
    return () => this.resume([{ topic, partitions: [partition] }]);
  }

  private pauseState(topic: string): PauseState {
    let s = this.pauses.get(topic);
    if (!s) this.pauses.set(topic, (s = { pauseAll: false, paused: new Set(), resumed: new Set() }));
    return s;
  }

  private isPaused(topic: string, partition: number): boolean {
    const s = this.pauses.get(topic);
    return s !== undefined && ((s.pauseAll && !s.resumed.has(partition)) || s.paused.has(partition));
  }

  private hasSeek(topic: string, partition: number): boolean {
    return this.seeks.get(topic)?.has(partition) ?? false;
  }

  private wake(): void {
    this.woken = true;
    this.waker?.();
  }

  /** Sleeps `ms`, or less when woken (seek, pause, resume, rebalance, stop). */
  private sleep(ms: number): Promise<void> {
    return this.waitForAppend([], ms);
  }

  /** Resolves on the first append to one of `logs`, a wake-up, or after `ms`. */
  private waitForAppend(logs: readonly PartitionLog[], ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const removers: Array<() => void> = [];
      const done = (): void => {
        clearTimeout(timer);
        for (const remove of removers) remove();
        if (this.waker === done) this.waker = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const log of logs) removers.push(log.onAppend(done));
      this.waker = done;
    });
  }
}
