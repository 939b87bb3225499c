import { stringSetting } from '@tickflow/config';

/** A JSON log line on stderr, the shape every tickflow app logs in. */
export type AppLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(app: string): AppLog {
  return (level, msg, fields = {}) => {
    process.stderr.write(JSON.stringify({ level, time: new Date().toISOString(), app, msg, ...fields }) + '\n');
  };
}

/** `host:port[,host:port…]` from `--brokers` / `KAFKA_BROKERS`. */
export function brokersSetting(values: Record<string, unknown>, env: Record<string, string | undefined>): string[] {
  return stringSetting({ flag: 'brokers', env: 'KAFKA_BROKERS' }, values, env, {
    default: '127.0.0.1:9092',
    pattern: /^[\w.-]+:\d+(,[\w.-]+:\d+)*$/,
    describe: 'host:port[,host:port…]',
  })!.split(',');
}

/**
 * The settings every Kafka-consuming app shares: bootstrap servers, its consumer group (`--group` /
 * `groupEnv`, each app its own) and the topic-name prefix (`--topic-prefix` / `TICKFLOW_TOPIC_PREFIX`).
 */
export function kafkaAppSettings(
  values: Record<string, unknown>,
  env: Record<string, string | undefined>,
  group: { env: string; default: string },
): { brokers: string[]; groupId: string; topicPrefix: string } {
  return {
    brokers: brokersSetting(values, env),
    groupId: stringSetting({ flag: 'group', env: group.env }, values, env, { default: group.default, pattern: /^[\w.-]{1,100}$/, describe: 'letters, digits, . _ -' })!,
    topicPrefix: stringSetting({ flag: 'topic-prefix', env: 'TICKFLOW_TOPIC_PREFIX' }, values, env, { default: '', pattern: /^[\w.-]{0,80}$/, describe: 'letters, digits, . _ -' })!,
  };
}
