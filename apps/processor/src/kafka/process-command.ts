import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { createKafka } from '@tickflow/kafka';
import { ConfigError, intSetting, stringSetting } from '@tickflow/config';
import { RedisCheckpointStore } from '../checkpoint/redis-checkpoint-store';
import { loadReference } from '../reference/load-reference';
import { KafkaProcessor } from './kafka-processor';
import { ProcessorMetrics } from './processor-metrics';
import { jsonLogger, kafkaAppSettings } from '../cli/kafka-app-settings';
import { hostSetting } from '../cli/host-setting';

export const PROCESS_USAGE = `Usage: tickflow process [options]

Runs the processor on Kafka: a consumer group over raw.trades, raw.marketdata and raw.orderbook
(co-partitioned), one task per partition, outputs and input offsets committed in one Kafka
transaction per checkpoint, task state checkpointed to Redis. SIGTERM drains and checkpoints.

  --brokers LIST         Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)
  --redis URL            Redis for checkpoints (env REDIS_URL, default redis://127.0.0.1:6379)
  --group ID             consumer group / transactional id prefix (env TICKFLOW_GROUP, default tickflow-processor)
  --topic-prefix P       prefix of every topic name (env TICKFLOW_TOPIC_PREFIX, default none)
  --checkpoint-ms N      checkpoint interval (env TICKFLOW_CHECKPOINT_MS, default 10000)
  --metrics-port N       Prometheus /metrics port, 0 = off (env TICKFLOW_METRICS_PORT, default 9464)
  --metrics-host H       listen address of /metrics and /healthz (env TICKFLOW_METRICS_HOST, default
                         127.0.0.1 = this machine only; 0.0.0.0 or :: to let Prometheus in another
                         container or host scrape it)
  --session-timeout-ms N consumer-group session timeout: how long a dead instance holds its
                         partitions (env TICKFLOW_SESSION_TIMEOUT_MS, default 10000, min 6000)
  --reference FILE       reference symbols .csv/.parquet (env TICKFLOW_REFERENCE, default built-in);
                         updates then arrive on reference.symbols
  --provisional-ms N     provisional bar updates on ta.live.v1 at most every N ms of event time
                         per symbol, 0 = off (env TICKFLOW_PROVISIONAL_MS, default 250)
  --max-task-idle-ms N   hold a task's other inputs back up to N ms for an input with nothing
                         fetched, so input arriving topic by topic merges in event-time order
                         (env TICKFLOW_MAX_TASK_IDLE_MS, default 0 = lowest latency)
  --at-least-once        no transactions (benchmark baseline; outputs may repeat after a crash)`;

const log = jsonLogger('processor');

export async function processCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      brokers: { type: 'string' },
      redis: { type: 'string' },
      group: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'checkpoint-ms': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'session-timeout-ms': { type: 'string' },
      reference: { type: 'string' },
      'provisional-ms': { type: 'string' },
      'max-task-idle-ms': { type: 'string' },
      'at-least-once': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(PROCESS_USAGE);
    return 0;
  }
  const env = process.env;
  const { brokers, groupId, topicPrefix } = kafkaAppSettings(values, env, { env: 'TICKFLOW_GROUP', default: 'tickflow-processor' });
  const redisUrl = stringSetting({ flag: 'redis', env: 'REDIS_URL' }, values, env, { default: 'redis://127.0.0.1:6379', pattern: /^rediss?:\/\/\S+$/, describe: 'a redis:// URL' })!;
  const checkpointIntervalMs = intSetting({ flag: 'checkpoint-ms', env: 'TICKFLOW_CHECKPOINT_MS' }, values, env, { default: 10_000, min: 50, max: 600_000 });
  const sessionTimeoutMs = intSetting({ flag: 'session-timeout-ms', env: 'TICKFLOW_SESSION_TIMEOUT_MS' }, values, env, { default: 10_000, min: 6_000, max: 300_000 });
  const metricsPort = intSetting({ flag: 'metrics-port', env: 'TICKFLOW_METRICS_PORT' }, values, env, { default: 9464, min: 0, max: 65_535 });
  const metricsHost = hostSetting({ flag: 'metrics-host', env: 'TICKFLOW_METRICS_HOST' }, values, env, { default: '127.0.0.1' });
  const provisionalBarIntervalMs = intSetting({ flag: 'provisional-ms', env: 'TICKFLOW_PROVISIONAL_MS' }, values, env, { default: 250, min: 0, max: 60_000 });
  const maxTaskIdleMs = intSetting({ flag: 'max-task-idle-ms', env: 'TICKFLOW_MAX_TASK_IDLE_MS' }, values, env, { default: 0, min: 0, max: 60_000 });
  const referencePath = stringSetting({ flag: 'reference', env: 'TICKFLOW_REFERENCE' }, values, env);

  const metrics = new ProcessorMetrics();

  // kafkajs' own log lines (JSON on stderr) at TICKFLOW_LOG_LEVEL; errors only by default.
  const kafka = createKafka({ clientId: `tickflow-processor-${process.pid}`, brokers });
  const checkpointStore = new RedisCheckpointStore({ url: redisUrl });
  const processor = new KafkaProcessor({
    kafka,
    groupId,
    topicPrefix,
    checkpointStore,
    reference: await loadReference(referencePath),
    checkpointIntervalMs,
    maxBufferedOutputs: 50_000,
    exactlyOnce: !values['at-least-once'],
    heartbeatIntervalMs: checkpointIntervalMs,
    sessionTimeoutMs,
    maxTaskIdleMs,
    log,
    taskOptions: { provisionalBarIntervalMs },
    ...metrics.hooks(),
  });

  let server: Server | null = null;
  if (metricsPort > 0) {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        void metrics.scrape(processor).then(({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text));
      } else if (req.url === '/healthz') res.writeHead(200).end('ok');
      else res.writeHead(404).end();
    });
    try {
      await listen(server, metricsPort, metricsHost);
    } catch (err) {
      await checkpointStore.close();
      throw err;
    }
  }

  const done = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log('info', 'draining and checkpointing before exit', { signal });
      void processor
        .stop()
        .then(() => checkpointStore.close())
        .then(() => resolve(0), (err: unknown) => {
          log('error', 'shutdown failed', { error: String(err) });
          resolve(1);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await processor.start().catch((err: unknown) => {
    throw err instanceof ConfigError ? err : new Error(`could not start the processor against ${brokers.join(',')}: ${err instanceof Error ? err.message : String(err)}`);
  });
  log('info', 'processor started', { brokers, groupId, topicPrefix, checkpointIntervalMs, exactlyOnce: !values['at-least-once'], metricsHost, metricsPort });
  const code = await done;
  server?.close();
  return code;
}

/**
 * Binds the metrics server. An address this machine does not have, or a host name that does not
 * resolve, is a bad --metrics-host; a port in use or not allowed is a bad --metrics-port.
 */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const code = err.code ?? '';
      const why = `${code || 'error'} (${err.message})`;
      if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_ADDRFAMILY'].includes(code)) {
        reject(new ConfigError('--metrics-host / TICKFLOW_METRICS_HOST', `an address of this machine to serve /metrics on; binding failed: ${why}`, host));
      } else if (['EADDRINUSE', 'EACCES'].includes(code)) {
        reject(new ConfigError('--metrics-port / TICKFLOW_METRICS_PORT', `a free port this process may bind on ${host}; binding failed: ${why}`, String(port)));
      } else reject(new Error(`could not serve metrics on ${host}:${port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
