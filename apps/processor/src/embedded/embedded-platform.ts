import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import {
  AlertWebhookSource,
  FileApiKeyStore,
  FileWebhookStore,
  InProcessWebhookQueue,
  KafkaLiveSource,
  LiveHub,
  UrlGuard,
  apiFeatures,
  buildApp,
  newApiKey,
  verifyApiKey,
  type ApiKeyStore,
  type WebhookSettings,
} from '@tickflow/api';
import { createClickHouse, loadClickHouseSettings, runMigrations, type ClickHouse } from '@tickflow/clickhouse';
import { runIngest, type IngestSummary } from '@tickflow/ingestion';
import { InProcessKafka, ensureTopics, type BusAdmin } from '@tickflow/kafka';
import { FileCheckpointStore } from '../checkpoint/file-checkpoint-store';
import { KafkaProcessor } from '../kafka/kafka-processor';
import { ProcessorMetrics } from '../kafka/processor-metrics';
import { LakeWriter } from '../lake/lake-writer';
import { loadReference } from '../reference/load-reference';
import { ClickHouseWriter, STORED_TOPIC_NAMES } from '../storage/clickhouse-writer';
import type { EmbeddedSettings } from './embedded-settings';
import { simulatedSymbols } from './embedded-symbols';

export type EmbeddedLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** Where each component keeps its files under the data directory. */
export function embeddedPaths(dataDir: string) {
  return {
    bus: join(dataDir, 'bus'),
    checkpoints: join(dataDir, 'checkpoints'),
    clickhouse: join(dataDir, 'clickhouse'),
    lake: join(dataDir, 'lake'),
    apiKeys: join(dataDir, 'api-keys.json'),
    localKey: join(dataDir, 'local-admin-key'),
    webhooks: join(dataDir, 'webhooks.json'),
  };
}

export interface EmbeddedStarted {
  /** `http://host:port`, the dashboard at `/`. */
  url: string;
  /** The simulator seed in use. */
  seed: number;
  symbols: string[];
  /** The local admin key (see {@link localAdminKey}). */
  key: string;
}

const GROUPS = {
  processor: 'tickflow-processor',
  clickhouse: 'tickflow-clickhouse-writer',
  lake: 'tickflow-lake',
  webhooks: 'tickflow-webhooks',
} as const;

/**
 * The embedded profile (design §1): simulator → processor → ClickHouse writer, lake writer and API
 * in one process, over the in-process bus instead of Kafka, file checkpoints instead of Redis, and
 * chDB instead of a ClickHouse server. The components are the cluster profile's own classes; only
 * the adapters behind their ports differ. `stop()` drains in pipeline order, so what the simulator
 * produced before the stop is processed, committed and stored before the process exits.
 */
export class EmbeddedPlatform {
  private bus: InProcessKafka | null = null;
  private admin: BusAdmin | null = null;
  private ch: ClickHouse | null = null;
  private processor: KafkaProcessor | null = null;
  private checkpoints: FileCheckpointStore | null = null;
  private writer: ClickHouseWriter | null = null;
  private lake: LakeWriter | null = null;
  private live: KafkaLiveSource | null = null;
  private alertSource: AlertWebhookSource | null = null;
  private webhookQueue: InProcessWebhookQueue | null = null;
  private webhookStore: FileWebhookStore | null = null;
  private app: FastifyInstance | null = null;
  private ingest: { abort: AbortController; done: Promise<IngestSummary | null> } | null = null;
  private readonly failures: Error[] = [];

  constructor(
    private readonly settings: EmbeddedSettings,
    private readonly webhookSettings: WebhookSettings,
    private readonly log: EmbeddedLog,
  ) {}

  /** Brings every component up, the simulator last; on failure stops what had started, then throws. */
  async start(): Promise<EmbeddedStarted> {
    try {
      return await this.startComponents();
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  private async startComponents(): Promise<EmbeddedStarted> {
    const s = this.settings;
    const paths = embeddedPaths(s.dataDir);
    for (const dir of [paths.bus, paths.checkpoints, paths.clickhouse, paths.lake]) mkdirSync(dir, { recursive: true });

    const busLog = this.component('bus');
    const bus = (this.bus = new InProcessKafka({
      stateDir: paths.bus,
      // After a restart every committed offset is below the bus's new start (records are not kept
      // across runs): the reset that follows is expected here, not an error.
      log: (level, msg, fields) => (msg.startsWith('Offset out of range') ? undefined : level === 'debug' ? undefined : busLog(level, msg, fields)),
    }));
    this.admin = bus.admin();
    await this.admin.connect();
    await ensureTopics(this.admin, { rawPartitions: s.partitions });

    const ch = (this.ch = await createClickHouse(loadClickHouseSettings({}, { TICKFLOW_CLICKHOUSE_PATH: paths.clickhouse })));
    await runMigrations(ch);

    const metrics = new Registry();
    const reference = await loadReference();
    const processorMetrics = new ProcessorMetrics({ registry: metrics, defaultMetrics: false });
    this.checkpoints = new FileCheckpointStore({ dir: paths.checkpoints });
    const processor = (this.processor = new KafkaProcessor({
      kafka: bus,
      groupId: GROUPS.processor,
      topicPrefix: '',
      checkpointStore: this.checkpoints,
      reference,
      checkpointIntervalMs: s.checkpointMs,
      maxBufferedOutputs: 50_000,
      exactlyOnce: true,
      heartbeatIntervalMs: s.checkpointMs,
      sessionTimeoutMs: 10_000,
      log: this.component('processor'),
      taskOptions: { provisionalBarIntervalMs: 250 },
      ...processorMetrics.hooks(),
    }));
    processorMetrics.track(processor);
    await processor.start();

    this.writer = new ClickHouseWriter({ kafka: bus, ch, groupId: GROUPS.clickhouse, topicPrefix: '', batchRows: 20_000, batchMs: 1_000, log: this.component('clickhouse-writer') });
    await this.writer.start();
    this.lake = new LakeWriter({
      kafka: bus,
      groupId: GROUPS.lake,
      topicPrefix: '',
      lakeRoot: paths.lake,
      maxBatchRecords: 50_000,
      // Fewer, larger Parquet files than the cluster default: the embedded profile runs for hours.
      maxBatchAgeMs: 60_000,
      sessionTimeoutMs: 10_000,
      log: this.component('lake-writer'),
      onFatal: (err) => this.fail('lake-writer', err),
    });
    await this.lake.start();

    // The API over the same bus: live fan-out, webhooks, history from chDB, analytics from the lake.
    const keys = await FileApiKeyStore.open(paths.apiKeys);
    const key = await localAdminKey(keys, paths.localKey);
    const hub = new LiveHub();
    this.live = new KafkaLiveSource({ kafka: bus, brokers: [], hub, metrics, log: this.component('live') });
    await this.live.start();
    this.webhookStore = await FileWebhookStore.open(paths.webhooks);
    const guard = new UrlGuard({ allowCidrs: this.webhookSettings.allowCidrs });
    this.webhookQueue = new InProcessWebhookQueue({
      store: this.webhookStore,
      guard,
      metrics,
      attempts: this.webhookSettings.attempts,
      concurrency: this.webhookSettings.concurrency,
      timeoutMs: this.webhookSettings.timeoutMs,
      backoffBaseMs: this.webhookSettings.backoffBaseMs,
      backoffCapMs: this.webhookSettings.backoffCapMs,
      log: this.component('webhooks'),
    });
    this.alertSource = new AlertWebhookSource({ kafka: bus, dispatcher: this.webhookQueue, groupId: GROUPS.webhooks, log: this.component('webhooks') });
    this.app = await buildApp({
      keys,
      metrics,
      readiness: { clickhouse: () => ch.query('SELECT 1'), bus: () => this.live!.check() },
      rateLimit: { max: s.rateLimit, timeWindowMs: 60_000 },
      corsOrigins: [],
      // chDB runs queries on the event loop's thread: a long analytics query must not shed the dashboard.
      maxEventLoopDelayMs: 5_000,
      features: apiFeatures({ ch, keys, hub, metrics, webhookStore: this.webhookStore, guard, lakeDir: paths.lake }),
    });
    const address = await this.app.listen({ host: s.host, port: s.port });
    await this.alertSource.start();

    const symbols = simulatedSymbols(reference, s.symbols);
    const abort = new AbortController();
    // Chosen here, not by runIngest, so the banner can show it while the simulator runs.
    const seed = s.seed ?? randomInt(0, 2 ** 31);
    const done = runIngest({
      mode: 'simulate',
      kafka: bus,
      simulator: {
        symbols,
        tradesPerSecond: s.rate,
        seed,
        // Livelier than the simulator's defaults, so a newcomer sees alerts within a minute or two.
        volatileVolatility: 0.004,
        jumpsPerMinute: 0.3,
      },
      batchSize: 500,
      signal: abort.signal,
      ...(s.durationS > 0 ? { durationMs: s.durationS * 1000 } : {}),
    }).then(
      (summary) => summary,
      (err: unknown) => {
        this.fail('simulator', err);
        return null;
      },
    );
    this.ingest = { abort, done };
    return { url: address, seed, symbols: symbols.map((x) => x.symbol), key };
  }

  /** The first failure of a component that cannot recover by itself (the caller should stop). */
  get failure(): Error | null {
    return this.failures[0] ?? null;
  }

  /** Resolves when the simulator has stopped by itself (its `--duration` elapsed) or failed. */
  async simulatorDone(): Promise<void> {
    await this.ingest?.done;
  }

  /**
   * Stops in pipeline order: the simulator, then the processor (final checkpoint: its outputs are
   * committed), then storage once it has read everything committed, then the API.
   */
  async stop(): Promise<void> {
    const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.log('error', `${name} did not stop cleanly`, { error: err instanceof Error ? err.message : String(err) });
      }
    };
    if (this.ingest) {
      this.ingest.abort.abort();
      await step('simulator', () => this.ingest!.done);
    }
    if (this.processor) await step('processor', () => this.processor!.stop());
    if (this.admin && this.writer) await step('storage catch-up', () => this.waitForStorage(15_000));
    if (this.writer) await step('clickhouse writer', () => this.writer!.stop());
    if (this.lake) await step('lake writer', () => this.lake!.stop());
    if (this.alertSource) await step('webhook source', () => this.alertSource!.stop());
    if (this.app) await step('api', () => this.app!.close());
    if (this.webhookQueue) await step('webhook queue', () => this.webhookQueue!.close());
    if (this.webhookStore) await step('webhook store', () => this.webhookStore!.close());
    if (this.live) await step('live feed', () => this.live!.stop());
    if (this.checkpoints) await step('checkpoints', () => this.checkpoints!.close());
    if (this.admin) await step('bus admin', () => this.admin!.disconnect());
    if (this.ch) await step('clickhouse', () => this.ch!.close());
    if (this.bus) await step('bus', () => this.bus!.close());
  }

  /**
   * Waits until the ClickHouse writer has committed up to the end of every topic it stores (the
   * lake writer needs no wait: its `stop()` writes and commits what it has read).
   */
  private async waitForStorage(timeoutMs: number): Promise<void> {
    const admin = this.admin!;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      let behind = 0;
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: GROUPS.clickhouse, topics: [...STORED_TOPIC_NAMES] })) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const p of partitions) {
          const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
          behind += Math.max(0, end - Math.max(0, Number(p.offset)));
        }
      }
      if (behind === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    this.log('warn', 'storage did not catch up before the stop; the rest is dropped with the in-memory bus', {});
  }

  private component(app: string): EmbeddedLog {
    return (level, msg, fields = {}) => this.log(level, msg, { app, ...fields });
  }

  private fail(component: string, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.log('error', `${component} failed`, { error: error.message });
    this.failures.push(error);
  }
}

/**
 * The embedded profile's API key for its own dashboard: created on the first run (owner `local`,
 * scopes read and admin) and kept in plain text in `keyFile` (mode 0600) besides its hash in the
 * key store, so every start can print the dashboard's address. A local development convenience: the
 * file lives in the data directory, never in the repository; the cluster profile has no such file.
 * A deleted file or a revoked key gets a new key.
 */
export async function localAdminKey(keys: ApiKeyStore, keyFile: string): Promise<string> {
  const saved = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  if (saved && (await verifyApiKey(keys, saved))) return saved;
  const { key, record } = newApiKey('local', ['read', 'admin'], 'embedded profile (npm start)');
  await keys.put(record);
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return key;
}
