import { brokersSetting, stringSetting, topicPrefixSetting } from '@tickflow/config';

export { brokersSetting };

/** A JSON log line on stderr, the shape every tickflow app logs in. */
export type AppLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(app: string): AppLog {
  return (level, msg, fields = {}) => {
    process.stderr.write(JSON.stringify({ level, time: new Date().toISOString(), app, msg, ...fields }) + '\n');
  };
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
    topicPrefix: topicPrefixSetting(values, env),
  };
}
