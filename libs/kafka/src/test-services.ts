import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@tickflow/config';

/** `tools/test-services.mjs`: starts the real Kafka broker and Redis the integration tests use. */
export const TEST_SERVICES_SCRIPT = fileURLToPath(new URL('../../../tools/test-services.mjs', import.meta.url));

/** The script's defaults (`KAFKA_PORT` 19092, Redis on 6379). */
export const DEFAULT_TEST_KAFKA_BROKERS = '127.0.0.1:19092';
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** Bootstrap servers from `KAFKA_BROKERS` (comma-separated `host:port`), else the test broker's. */
export function kafkaBrokers(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env['KAFKA_BROKERS']?.trim() || DEFAULT_TEST_KAFKA_BROKERS;
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (brokers.length === 0 || !brokers.every((b) => HOST_PORT.test(b))) {
    throw new ConfigError('KAFKA_BROKERS', 'a comma-separated list of host:port', raw);
  }
  return brokers;
}

/** Redis URL from `REDIS_URL`, else the test Redis. */
export function redisUrl(env: Record<string, string | undefined> = process.env): string {
  const raw = env['REDIS_URL']?.trim() || DEFAULT_TEST_REDIS_URL;
  if (!/^rediss?:\/\/./.test(raw)) throw new ConfigError('REDIS_URL', 'a redis:// or rediss:// URL', raw);
  return raw;
}

export interface TestServices {
  kafkaBrokers: string[];
  redisUrl: string;
}

export interface TestServicesOptions {
  /**
   * Port of the broker to act on (the script's `KAFKA_PORT`; its controller listens on port + 1).
   * A test that restarts or kills the broker should use a port of its own, so suites running in
   * parallel on the shared broker are not disturbed.
   * @defaultValue `KAFKA_PORT` of this process, else 19092
   */
  kafkaPort?: number;
}

export interface RestartKafkaOptions extends TestServicesOptions {
  /**
   * SIGKILL instead of SIGTERM: a crash, without the broker's clean shutdown (it recovers its
   * logs and waits out its old registration, so it takes longer to come back).
   * @defaultValue false
   */
  hard?: boolean;
}

export interface StopTestKafkaOptions extends TestServicesOptions {
  /** Also delete the broker's data dir (the script's `reset`). @defaultValue false */
  deleteData?: boolean;
}

function runScript(args: string[], timeoutMs: number, options: TestServicesOptions): Promise<string> {
  const env = { ...process.env };
  if (options.kafkaPort !== undefined) {
    env['KAFKA_PORT'] = String(options.kafkaPort);
    delete env['KAFKA_CONTROLLER_PORT'];
  }
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: callers restart the broker while their own producers and
    // consumers keep running in this process.
    execFile(process.execPath, [TEST_SERVICES_SCRIPT, ...args], { encoding: 'utf8', timeout: timeoutMs, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`node tools/test-services.mjs ${args.join(' ')} failed: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

/**
 * Runs the script's `up` (idempotent; concurrent callers share one broker) and returns the
 * addresses it printed. The first run on a machine downloads Kafka from Maven Central.
 */
export async function startTestServices(options: TestServicesOptions = {}): Promise<TestServices> {
  const out = await runScript(['up'], 15 * 60_000, options);
  const brokers = /^KAFKA_BROKERS=(\S+)$/m.exec(out)?.[1];
  const url = /^REDIS_URL=(\S+)$/m.exec(out)?.[1];
  if (!brokers || !url) throw new Error(`node tools/test-services.mjs up printed no addresses:\n${out}`);
  return { kafkaBrokers: kafkaBrokers({ KAFKA_BROKERS: brokers }), redisUrl: url };
}

/** Stops the test broker and starts it again on the same data; resolves when it serves again. */
export async function restartKafka(options: RestartKafkaOptions = {}): Promise<void> {
  await runScript(['restart-kafka', ...(options.hard ? ['--hard'] : [])], 5 * 60_000, options);
}

/** Stops the test broker (`down`), or stops it and deletes its data (`reset`). Redis is left running. */
export async function stopTestKafka(options: StopTestKafkaOptions = {}): Promise<void> {
  await runScript([options.deleteData ? 'reset' : 'down'], 2 * 60_000, options);
}
