import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { intSetting } from '@tickflow/config';
import { createClickHouse, describeClickHouse, loadClickHouseSettings, runMigrations } from '@tickflow/clickhouse';
import { ClickHouseWriter } from './clickhouse-writer';
import { jsonLogger, kafkaAppSettings } from '../cli/kafka-app-settings';

export const STORE_USAGE = `Usage: tickflow store [options]

Writes the output topics (bars, signals, trade aggregates, order-book metrics, alerts, enriched
trades) into ClickHouse — embedded chDB, or the server at CLICKHOUSE_URL — exactly once: batches
are inserted with a deduplication token and offsets committed after the insert is acknowledged.
Applies the migrations first. SIGTERM inserts what is buffered, commits and exits.

  --brokers LIST          Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)
  --group ID              consumer group (env TICKFLOW_STORE_GROUP, default tickflow-clickhouse-writer)
  --topic-prefix P        prefix of every topic name (env TICKFLOW_TOPIC_PREFIX, default none)
  --batch-rows N          insert when a partition has N rows buffered (env TICKFLOW_STORE_BATCH_ROWS, default 20000)
  --batch-ms N            …or when its oldest row waited N ms (env TICKFLOW_STORE_BATCH_MS, default 1000)
  --clickhouse-url URL    ClickHouse server (env CLICKHOUSE_URL; user/password: CLICKHOUSE_USER, CLICKHOUSE_PASSWORD)
  --clickhouse-database D database (env CLICKHOUSE_DATABASE, default tickflow)
  --clickhouse-path DIR   chDB data directory when no URL is set (env TICKFLOW_CLICKHOUSE_PATH, default ./data/clickhouse)`;

const log = jsonLogger('clickhouse-writer');

export async function storeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      brokers: { type: 'string' },
      group: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'batch-rows': { type: 'string' },
      'batch-ms': { type: 'string' },
      'clickhouse-url': { type: 'string' },
      'clickhouse-user': { type: 'string' },
      'clickhouse-database': { type: 'string' },
      'clickhouse-path': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(STORE_USAGE);
    return 0;
  }
  const env = process.env;
  const { brokers, groupId, topicPrefix } = kafkaAppSettings(values, env, { env: 'TICKFLOW_STORE_GROUP', default: 'tickflow-clickhouse-writer' });
  const batchRows = intSetting({ flag: 'batch-rows', env: 'TICKFLOW_STORE_BATCH_ROWS' }, values, env, { default: 20_000, min: 1, max: 1_000_000 });
  const batchMs = intSetting({ flag: 'batch-ms', env: 'TICKFLOW_STORE_BATCH_MS' }, values, env, { default: 1_000, min: 10, max: 600_000 });
  const settings = loadClickHouseSettings(values);
  // Crash tests only (see ClickHouseWriterOptions.killAfterInserts); not a user setting.
  const killAfter = env.TICKFLOW_FAULT_KILL_AFTER_INSERTS ? intSetting({ env: 'TICKFLOW_FAULT_KILL_AFTER_INSERTS' }, {}, env, { default: 0, min: 1 }) : undefined;

  const ch = await createClickHouse(settings);
  const migrated = await runMigrations(ch);
  log('info', 'clickhouse ready', { clickhouse: describeClickHouse(settings), migrationsApplied: migrated.applied.length });
  const kafka = new Kafka({ clientId: `tickflow-store-${process.pid}`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
  let inserted = 0;
  const writer = new ClickHouseWriter({ kafka, ch, groupId, topicPrefix, batchRows, batchMs, log, onInserted: (_table, rows) => (inserted += rows), ...(killAfter ? { killAfterInserts: killAfter } : {}) });

  const done = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log('info', 'inserting what is buffered before exit', { signal });
      void writer
        .stop()
        .then(() => ch.close())
        .then(() => resolve(0), (err: unknown) => {
          log('error', 'shutdown failed', { error: String(err) });
          resolve(1);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await writer.start();
  log('info', 'clickhouse writer started', { brokers, groupId, topicPrefix, batchRows, batchMs });
  const code = await done;
  log('info', 'clickhouse writer stopped', { rowsInserted: inserted });
  return code;
}
