import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, intSetting, stringSetting } from '@tickflow/config';
import type { ReplayIngestOptions, SimulateIngestOptions } from './kafka/ingest';

/** What `tickflow ingest …` was asked to do, every flag validated. */
export type IngestPlan =
  | { kind: 'help'; topic: 'ingest' | 'simulate' | 'replay' }
  | { kind: 'run'; options: SimulateIngestOptions | ReplayIngestOptions; brokers: string[]; quiet: boolean };

type Env = Record<string, string | undefined>;
type Flags = Record<string, string | boolean | undefined>;

const COMMON_OPTIONS = {
  brokers: { type: 'string' },
  'topic-prefix': { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const SIMULATE_OPTIONS = {
  ...COMMON_OPTIONS,
  rate: { type: 'string' },
  symbols: { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  duration: { type: 'string' },
  'bad-share': { type: 'string' },
  'late-share': { type: 'string' },
  'duplicate-share': { type: 'string' },
} as const;

const REPLAY_OPTIONS = {
  ...COMMON_OPTIONS,
  trades: { type: 'string' },
  quotes: { type: 'string' },
  books: { type: 'string' },
  speed: { type: 'string' },
} as const;

const BROKERS = /^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/;
const TOPIC_PREFIX = /^[\w.-]{0,80}$/;
const DECIMAL = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/;

/**
 * Parses and validates `tickflow ingest <simulate|replay> [flags]`. Every bad value throws a
 * `ConfigError` naming its flag (or variable); unknown flags and missing values throw node's
 * `ERR_PARSE_ARGS_*` errors, which name the flag too.
 */
export function parseIngestArgs(args: readonly string[], env: Env = process.env): IngestPlan {
  const [mode, ...rest] = args;
  if (mode === undefined || mode === '--help' || mode === '-h' || mode === 'help') return { kind: 'help', topic: 'ingest' };
  if (mode !== 'simulate' && mode !== 'replay') throw new ConfigError('ingest mode', "'simulate' or 'replay'", mode);

  const values: Flags =
    mode === 'simulate'
      ? parseArgs({ args: rest, options: SIMULATE_OPTIONS, strict: true, allowPositionals: false }).values
      : parseArgs({ args: rest, options: REPLAY_OPTIONS, strict: true, allowPositionals: false }).values;
  if (values.help === true) return { kind: 'help', topic: mode };

  const brokers = stringSetting({ flag: 'brokers', env: 'KAFKA_BROKERS' }, values, env, {
    default: '127.0.0.1:19092',
    pattern: BROKERS,
    describe: 'host:port[,host:port…]',
  }) as string;
  const topicPrefix = stringSetting({ flag: 'topic-prefix', env: 'TICKFLOW_TOPIC_PREFIX' }, values, env, {
    default: '',
    pattern: TOPIC_PREFIX,
    describe: 'up to 80 letters, digits, . _ -',
  }) as string;
  const format = values.json === true ? 'json' : 'avro';
  const quiet = values.quiet === true;

  if (mode === 'simulate') {
    const simulator: NonNullable<SimulateIngestOptions['simulator']> = {
      tradesPerSecond: intSetting({ flag: 'rate' }, values, env, { default: 100, min: 1, max: 10_000_000 }),
      badShare: decimalSetting('bad-share', values, { default: 0, max: 1, maxInclusive: false, describe: 'a share in [0, 1)' }),
      lateShare: decimalSetting('late-share', values, { default: 0, max: 1, maxInclusive: true, describe: 'a share in [0, 1]' }),
      duplicateShare: decimalSetting('duplicate-share', values, { default: 0, max: 1, maxInclusive: false, describe: 'a share in [0, 1)' }),
    };
    if (values.symbols !== undefined) simulator.symbols = intSetting({ flag: 'symbols' }, values, env, { default: 8, min: 1, max: 9999 });
    if (values.seed !== undefined) simulator.seed = intSetting({ flag: 'seed' }, values, env, { default: 1, min: 0, max: Number.MAX_SAFE_INTEGER });
    const options: SimulateIngestOptions = { mode: 'simulate', simulator, format, topicPrefix };
    if (values.count !== undefined) options.count = intSetting({ flag: 'count' }, values, env, { default: 0, min: 1, max: Number.MAX_SAFE_INTEGER });
    if (values.duration !== undefined) options.durationMs = intSetting({ flag: 'duration' }, values, env, { default: 0, min: 1, max: 366 * 86_400 }) * 1000;
    return { kind: 'run', options, brokers: brokers.split(','), quiet };
  }

  const files = {
    trades: fileSetting('trades', values),
    quotes: fileSetting('quotes', values),
    books: fileSetting('books', values),
  };
  if (files.trades === undefined && files.quotes === undefined && files.books === undefined) {
    throw new ConfigError('--trades / --quotes / --books', 'at least one recorded NDJSON file', '');
  }
  const speed = decimalSetting('speed', values, { default: 0, max: 1_000_000, maxInclusive: true, describe: 'a speed factor >= 0 (0 = as fast as possible)' });
  const options: ReplayIngestOptions = { mode: 'replay', files, speed, format, topicPrefix };
  return { kind: 'run', options, brokers: brokers.split(','), quiet };
}

/** A non-negative decimal flag (`0.05`, `.5`, `2`), bounded above. */
function decimalSetting(flag: string, values: Flags, opts: { default: number; max: number; maxInclusive: boolean; describe: string }): number {
  const raw = values[flag];
  if (raw === undefined) return opts.default;
  const text = String(raw);
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0) || n > opts.max || (!opts.maxInclusive && n === opts.max)) throw new ConfigError(`--${flag}`, opts.describe, text);
  return n;
}

/** A readable regular file named by a flag, or undefined when the flag is absent. */
function fileSetting(flag: string, values: Flags): string | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const path = String(raw);
  let isFile = false;
  try {
    isFile = path !== '' && statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new ConfigError(`--${flag}`, 'an existing NDJSON file', path);
  return path;
}
