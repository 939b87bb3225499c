import { resolve } from 'node:path';
import { intSetting, stringSetting } from '@tickflow/config';
import { EMBEDDED_START_PRICES } from './embedded-symbols';

/** The embedded profile's settings, parsed and validated once at start (flag > environment > default). */
export interface EmbeddedSettings {
  host: string;
  port: number;
  /** Everything the profile keeps between runs: bus offsets, checkpoints, chDB, the lake, keys, webhooks. */
  dataDir: string;
  /** Simulated symbols, taken in order from the built-in reference list. */
  symbols: number;
  /** Simulated trades per second over all symbols. */
  rate: number;
  /** Simulator seed; a fresh random one per run unless set (equal seeds repeat trade ids). */
  seed: number | undefined;
  /** Stop after this many seconds; 0 = run until SIGINT/SIGTERM. */
  durationS: number;
  /** Partitions of the co-partitioned raw topics = processor tasks. */
  partitions: number;
  /** Processor checkpoint (and transaction) interval: how often final results become visible to storage. */
  checkpointMs: number;
  /** Requests per API key per minute. */
  rateLimit: number;
}

export const EMBEDDED_FLAGS = ['host', 'port', 'data-dir', 'symbols', 'rate', 'seed', 'duration', 'partitions', 'checkpoint-ms', 'rate-limit'] as const;

export const EMBEDDED_SETTINGS_HELP = `  --port N            dashboard and API port (env PORT, default 8080)
  --host H            listen address (env TICKFLOW_API_HOST, default 127.0.0.1; 0.0.0.0 to share)
  --data-dir DIR      bus offsets, checkpoints, chDB, the Parquet lake, API keys and webhooks
                      (env TICKFLOW_DATA_DIR, default ./data)
  --symbols N         symbols to simulate, 1–${Object.keys(EMBEDDED_START_PRICES).length} (env TICKFLOW_SYMBOLS, default 8)
  --rate N            simulated trades per second, all symbols (env TICKFLOW_RATE, default 200)
  --seed N            simulator seed (env TICKFLOW_SEED, default: random per run)
  --duration S        stop after S seconds (env TICKFLOW_DURATION, default 0 = until Ctrl-C)
  --partitions N      raw topic partitions = processor tasks (env TICKFLOW_PARTITIONS, default 4)
  --checkpoint-ms N   checkpoint interval: final results reach ClickHouse and webhooks this often
                      (env TICKFLOW_CHECKPOINT_MS, default 2000)
  --rate-limit N      requests per API key per minute (env TICKFLOW_RATE_LIMIT, default 1200)`;

export function loadEmbeddedSettings(flags: Record<string, unknown>, env: Record<string, string | undefined>): Readonly<EmbeddedSettings> {
  const seedGiven = flags['seed'] !== undefined || (env['TICKFLOW_SEED'] ?? '') !== '';
  return Object.freeze({
    host: stringSetting({ flag: 'host', env: 'TICKFLOW_API_HOST' }, flags, env, { default: '127.0.0.1', pattern: /^[\w.:-]+$/, describe: 'a host name or IP address' })!,
    port: intSetting({ flag: 'port', env: 'PORT' }, flags, env, { default: 8080, min: 0, max: 65_535 }),
    dataDir: resolve(stringSetting({ flag: 'data-dir', env: 'TICKFLOW_DATA_DIR' }, flags, env, { default: './data', pattern: /^[^*?[\]{}]+$/, describe: 'a directory path without glob characters' })!),
    symbols: intSetting({ flag: 'symbols', env: 'TICKFLOW_SYMBOLS' }, flags, env, { default: 8, min: 1, max: Object.keys(EMBEDDED_START_PRICES).length }),
    rate: intSetting({ flag: 'rate', env: 'TICKFLOW_RATE' }, flags, env, { default: 200, min: 1, max: 100_000 }),
    seed: seedGiven ? intSetting({ flag: 'seed', env: 'TICKFLOW_SEED' }, flags, env, { default: 0, min: 0, max: 2 ** 31 - 1 }) : undefined,
    durationS: intSetting({ flag: 'duration', env: 'TICKFLOW_DURATION' }, flags, env, { default: 0, min: 0 }),
    partitions: intSetting({ flag: 'partitions', env: 'TICKFLOW_PARTITIONS' }, flags, env, { default: 4, min: 1, max: 64 }),
    checkpointMs: intSetting({ flag: 'checkpoint-ms', env: 'TICKFLOW_CHECKPOINT_MS' }, flags, env, { default: 2_000, min: 100, max: 600_000 }),
    rateLimit: intSetting({ flag: 'rate-limit', env: 'TICKFLOW_RATE_LIMIT' }, flags, env, { default: 1200, min: 1, max: 10_000_000 }),
  });
}
