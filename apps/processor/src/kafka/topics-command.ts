import { parseArgs } from 'node:util';
import { intSetting, stringSetting } from '@tickflow/config';
import { createKafka, ensureTopics, topicCatalogue } from '@tickflow/kafka';
import { brokersSetting } from '../cli/kafka-app-settings';

export const TOPICS_USAGE = `Usage: tickflow topics [--create] [--brokers LIST] [--topic-prefix P] [--raw-partitions N]

Lists the topic catalogue (design §2): partitions, retention, cleanup policy, key. With --create,
creates the missing topics on the cluster (idempotent) and reports existing topics whose partition
count or cleanup policy differs; existing topics are never altered.

  --brokers LIST        Kafka bootstrap servers (env KAFKA_BROKERS, default 127.0.0.1:9092)
  --topic-prefix P      prefix of every topic name (env TICKFLOW_TOPIC_PREFIX)
  --raw-partitions N    partitions of the co-partitioned raw topics (env TICKFLOW_RAW_PARTITIONS, default 8)`;

function retention(ms: number): string {
  if (ms < 0) return 'forever';
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d` : `${ms}ms`;
}

export async function topicsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      create: { type: 'boolean', default: false },
      brokers: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'raw-partitions': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(TOPICS_USAGE);
    return 0;
  }
  const env = process.env;
  const prefix = stringSetting({ flag: 'topic-prefix', env: 'TICKFLOW_TOPIC_PREFIX' }, values, env, { default: '', pattern: /^[\w.-]{0,80}$/, describe: 'letters, digits, . _ -' })!;
  const rawPartitions = intSetting({ flag: 'raw-partitions', env: 'TICKFLOW_RAW_PARTITIONS' }, values, env, { default: 8, min: 1, max: 1024 });
  const catalogue = topicCatalogue({ rawPartitions });
  console.log(`${'topic'.padEnd(30 + prefix.length)} ${'partitions'.padStart(10)}  ${'retention'.padEnd(9)}  ${'cleanup'.padEnd(7)}  key`);
  for (const t of catalogue) {
    console.log(`${(prefix + t.name).padEnd(30 + prefix.length)} ${String(t.partitions).padStart(10)}  ${retention(t.retentionMs).padEnd(9)}  ${t.cleanupPolicy.padEnd(7)}  ${t.key}`);
  }
  if (!values.create) return 0;
  const brokers = brokersSetting(values, env);
  const admin = createKafka({ brokers, clientId: 'tickflow-topics' }).admin();
  await admin.connect();
  try {
    const r = await ensureTopics(admin, { rawPartitions, topicPrefix: prefix });
    console.log(`\ncreated ${r.created.length}, already present ${r.existing.length}`);
    for (const m of r.mismatched) console.log(`  MISMATCH ${m.topic}: ${m.setting} is ${String(m.actual)}, the catalogue says ${String(m.expected)}`);
    return r.mismatched.length > 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
  }
}
