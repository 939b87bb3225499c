import { stringSetting } from './settings';

type Values = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** `host:port[,host:port…]` from `--brokers` / `KAFKA_BROKERS`. */
export function brokersSetting(values: Values, env: Env): string[] {
  return stringSetting({ flag: 'brokers', env: 'KAFKA_BROKERS' }, values, env, {
    default: '127.0.0.1:9092',
    pattern: /^[\w.-]+:\d+(,[\w.-]+:\d+)*$/,
    describe: 'host:port[,host:port…]',
  })!.split(',');
}

/** The prefix of every topic name (`--topic-prefix` / `TICKFLOW_TOPIC_PREFIX`): namespaces on a shared cluster. */
export function topicPrefixSetting(values: Values, env: Env): string {
  return stringSetting({ flag: 'topic-prefix', env: 'TICKFLOW_TOPIC_PREFIX' }, values, env, { default: '', pattern: /^[\w.-]{0,80}$/, describe: 'letters, digits, . _ -' })!;
}
