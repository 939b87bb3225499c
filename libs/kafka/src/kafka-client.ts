import { Kafka, logLevel as LogLevel, type LogEntry, type logCreator } from 'kafkajs';

export interface CreateKafkaOptions {
  /** Bootstrap servers, `host:port`. */
  brokers: string[];
  /** Client id shown in broker logs and quotas; name the app and its role (`processor`, `api-fanout`). */
  clientId: string;
  /**
   * kafkajs log level.
   * @defaultValue `DEBUG` when `TICKFLOW_LOG_LEVEL=debug`, else `ERROR`
   */
  logLevel?: LogLevel;
  /** Where log lines go (one JSON object per line). @defaultValue process.stderr */
  write?: (line: string) => void;
}

const LEVEL_NAMES: Record<number, string> = { [LogLevel.ERROR]: 'error', [LogLevel.WARN]: 'warn', [LogLevel.INFO]: 'info', [LogLevel.DEBUG]: 'debug' };

/** The kafkajs log level implied by `TICKFLOW_LOG_LEVEL` (error | warn | info | debug); errors only when unset. */
export function kafkaLogLevelFromEnv(env: Record<string, string | undefined> = process.env): LogLevel {
  switch ((env['TICKFLOW_LOG_LEVEL'] ?? '').toLowerCase()) {
    case 'debug':
    case 'trace':
      return LogLevel.DEBUG;
    case 'info':
      return LogLevel.INFO;
    case 'warn':
      return LogLevel.WARN;
    default:
      return LogLevel.ERROR;
  }
}

/**
 * kafkajs logs every retriable broker error at ERROR before retrying it: once per request
 * (`Response AddPartitionsToTxn(…)`, namespace Connection) and once per retry (entries carrying
 * `retryCount`, e.g. "Failed to send messages: … another concurrent operation on the same
 * transaction" = CONCURRENT_TRANSACTIONS right after a commit). What is not recovered is thrown to
 * the caller anyway.
 */
function isRetryNotice(namespace: string, log: LogEntry['log']): boolean {
  return (namespace === 'Connection' && log.message.startsWith('Response ')) || typeof log['retryCount'] === 'number';
}

/**
 * A kafkajs log creator writing JSON lines (`{level, time, app: 'kafkajs', namespace, msg, …}`, the
 * apps' log shape). Below DEBUG it drops kafkajs's retry notices (see `isRetryNotice`).
 */
export function quietLogCreator(write: (line: string) => void = (line) => process.stderr.write(line)): logCreator {
  return (level) =>
    ({ namespace, level: entryLevel, log }: LogEntry) => {
      if (level < LogLevel.DEBUG && isRetryNotice(namespace, log)) return;
      const { message, timestamp, ...extra } = log;
      write(`${JSON.stringify({ level: LEVEL_NAMES[entryLevel] ?? String(entryLevel), time: timestamp, app: 'kafkajs', namespace, msg: message, ...extra })}\n`);
    };
}

/**
 * A kafkajs client whose retries outlast a broker restart (tests restart it mid-stream; a broker
 * takes 4–8 s to come back and then loads its coordinators): 8 retries per operation, the wait
 * doubling from 100 ms (±20 % jitter), about 25 s in all.
 */
export function createKafka(options: CreateKafkaOptions): Kafka {
  if (options.brokers.length === 0) throw new RangeError('createKafka: brokers is empty');
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // The default 1 s is too short for a loaded 2-core machine running a JVM broker and the tests.
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 30_000, retries: 8, factor: 0.2, multiplier: 2 },
    logLevel: options.logLevel ?? kafkaLogLevelFromEnv(),
    logCreator: quietLogCreator(options.write),
  });
}
