import { parseArgs } from 'node:util';
import { WEBHOOK_FLAGS, WEBHOOK_SETTINGS_HELP, loadWebhookSettings } from '@tickflow/api';
import { EmbeddedPlatform, embeddedPaths, type EmbeddedLog } from './embedded-platform';
import { EMBEDDED_FLAGS, EMBEDDED_SETTINGS_HELP, loadEmbeddedSettings } from './embedded-settings';

export const START_USAGE = `Usage: tickflow start [options]

The embedded profile: the whole platform in this process, with no services to install. The market
simulator feeds the processor through an in-process bus with Kafka's partition, offset and group
contract; checkpoints go to files; results go to embedded ClickHouse (chDB) and a Parquet lake; the
API serves REST, GraphQL, the live feed, webhooks and the dashboard. Ctrl-C (or SIGTERM) drains the
pipeline and stops. A restart resumes from the checkpoints with the data directory's history.

${EMBEDDED_SETTINGS_HELP}
${WEBHOOK_SETTINGS_HELP}

Log lines go to stderr (TICKFLOW_LOG_LEVEL=warn for fewer, debug for more).`;

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;

/** Human-readable log lines for a terminal: `12:00:01 INFO  processor  joined consumer group partitions=[0,1]`. */
function terminalLog(threshold: number): EmbeddedLog {
  return (level, msg, fields = {}) => {
    if (LEVELS[level] > threshold) return;
    const { app, ...rest } = fields as { app?: string } & Record<string, unknown>;
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const time = new Date().toISOString().slice(11, 19);
    process.stderr.write(`${time} ${level.toUpperCase().padEnd(5)} ${(app ?? 'tickflow').padEnd(17)} ${msg}${extra ? ` ${extra}` : ''}\n`);
  };
}

export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...Object.fromEntries([...EMBEDDED_FLAGS, ...WEBHOOK_FLAGS].map((f) => [f, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(START_USAGE);
    return 0;
  }
  const env = process.env;
  const settings = loadEmbeddedSettings(values, env);
  const webhookSettings = loadWebhookSettings(values, env);
  const level = (env.TICKFLOW_LOG_LEVEL ?? 'info').toLowerCase();
  const log = terminalLog(level in LEVELS ? LEVELS[level as keyof typeof LEVELS] : LEVELS.info);

  log('info', 'starting the embedded platform', { dataDir: settings.dataDir });
  const platform = new EmbeddedPlatform(settings, webhookSettings, log);
  const startedAt = Date.now();
  const started = await platform.start();
  const base = started.url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://[::1]');
  const ws = base.replace(/^http/, 'ws');
  console.log(`
  tickflow is running (embedded profile, up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s)

  Dashboard   ${base}/?key=${started.key}
  REST        ${base}/v1/symbols        docs ${base}/docs
  GraphQL     ${base}/graphql
  Live feed   ${ws}/v1/stream
  API key     ${started.key}
              (admin; kept in ${embeddedPaths(settings.dataDir).localKey})
  Simulating  ${started.symbols.join(', ')} · ${settings.rate} trades/s · seed ${started.seed}
  Data        ${settings.dataDir}

  Ctrl-C stops.
`);

  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (settings.durationS > 0) void platform.simulatorDone().then(() => resolve(`--duration ${settings.durationS} s elapsed`));
    const watch = setInterval(() => {
      if (platform.failure) resolve(`failure: ${platform.failure.message}`);
    }, 500);
    watch.unref();
  });
  log('info', 'stopping: draining the pipeline', { reason });
  await platform.stop();
  log('info', 'stopped');
  return platform.failure ? 1 : 0;
}
