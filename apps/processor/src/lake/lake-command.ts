import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { ConfigError, intSetting, stringSetting } from '@tickflow/config';
import { LakeWriter } from './lake-writer';
import { LakeLockError } from './lake-writer-lock';
import { jsonLogger, kafkaAppSettings } from '../cli/kafka-app-settings';

export const LAKE_USAGE = `Usage: tickflow lake [options]

Runs the Parquet lake writer: a consumer group of its own over enriched.trades and
analytics.trade-aggregates (read_committed) that writes
  <lake-dir>/enriched_trades/date=YYYY-MM-DD/hour=HH/p<partition>-<firstOffset>-<lastOffset>.parquet
  <lake-dir>/trade_aggregates/date=YYYY-MM-DD/hour=HH/…
by event time (UTC; trades by timestamp_ms, aggregates by window_start). Each batch is written to a
temp file, renamed into place, and only then are its offsets committed; on start, uncommitted
leftovers of a crashed run are deleted and rewritten once. SIGTERM writes and commits what is
buffered, then exits 0.

  --brokers LIST         Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)
  --group ID             consumer group (env TICKFLOW_LAKE_GROUP, default tickflow-lake)
  --topic-prefix P       prefix of every topic name (env TICKFLOW_TOPIC_PREFIX, default none)
  --lake-dir DIR         lake root (env TICKFLOW_LAKE_DIR, default ./data/lake)
  --batch-records N      at most N records per written batch of a partition, written as soon as N are
                         buffered (env TICKFLOW_LAKE_BATCH_RECORDS, default 50000)
  --batch-ms N           …or when its oldest record has waited N ms (env TICKFLOW_LAKE_BATCH_MS, default 10000)
  --session-timeout-ms N consumer-group session timeout (env TICKFLOW_SESSION_TIMEOUT_MS, default 10000, min 6000)`;

const log = jsonLogger('lake');

export async function lakeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      brokers: { type: 'string' },
      group: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'lake-dir': { type: 'string' },
      'batch-records': { type: 'string' },
      'batch-ms': { type: 'string' },
      'session-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(LAKE_USAGE);
    return 0;
  }
  const env = process.env;
  const { brokers, groupId, topicPrefix } = kafkaAppSettings(values, env, { env: 'TICKFLOW_LAKE_GROUP', default: 'tickflow-lake' });
  const lakeRoot = stringSetting({ flag: 'lake-dir', env: 'TICKFLOW_LAKE_DIR' }, values, env, { default: './data/lake', pattern: /^[^*?[\]{}]+$/, describe: 'a directory path without glob characters' })!;
  const maxBatchRecords = intSetting({ flag: 'batch-records', env: 'TICKFLOW_LAKE_BATCH_RECORDS' }, values, env, { default: 50_000, min: 1, max: 5_000_000 });
  const maxBatchAgeMs = intSetting({ flag: 'batch-ms', env: 'TICKFLOW_LAKE_BATCH_MS' }, values, env, { default: 10_000, min: 10, max: 3_600_000 });
  const sessionTimeoutMs = intSetting({ flag: 'session-timeout-ms', env: 'TICKFLOW_SESSION_TIMEOUT_MS' }, values, env, { default: 10_000, min: 6_000, max: 300_000 });
  // Fault injection for the crash tests (apps/processor/test/lake-writer.int.test.ts); not a user setting.
  const crashAfter = intSetting({ env: 'TICKFLOW_LAKE_TEST_CRASH_AFTER_PUBLISHES' }, {}, env, { default: 0, min: 0, max: 1_000_000 });

  let fatal!: (err: Error) => void;
  const failed = new Promise<Error>((resolve) => (fatal = resolve));
  const kafka = new Kafka({ clientId: `tickflow-lake-${process.pid}`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
  const writer = new LakeWriter({
    kafka,
    groupId,
    topicPrefix,
    lakeRoot,
    maxBatchRecords,
    maxBatchAgeMs,
    sessionTimeoutMs,
    log,
    onFatal: (err) => fatal(err),
    ...(crashAfter > 0 ? { crashAfterPublishes: crashAfter } : {}),
  });

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await writer.start().catch((err: unknown) => {
    throw err instanceof ConfigError || err instanceof LakeLockError ? err : new Error(`could not start the lake writer against ${brokers.join(',')}: ${err instanceof Error ? err.message : String(err)}`);
  });
  log('info', 'lake writer started', { brokers, groupId, topicPrefix, lakeRoot, maxBatchRecords, maxBatchAgeMs });
  const outcome = await Promise.race([signalled, failed]);
  if (outcome instanceof Error) {
    log('error', 'lake writer failed; stopping', { error: outcome.message });
    await writer.stop().catch(() => undefined);
    return 1;
  }
  log('info', 'writing and committing buffered records before exit', { signal: outcome });
  const { committed } = await writer.stop();
  log(committed ? 'info' : 'error', committed ? 'lake writer stopped' : 'lake writer stopped; some offsets were not committed (the next run rewrites those records)');
  return committed ? 0 : 1;
}
