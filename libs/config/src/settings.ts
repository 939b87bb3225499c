import { ConfigError } from './config-error';

/** Where a setting's raw value came from, for error messages: `--rate` or `TICKFLOW_RATE`. */
export interface SettingSource {
  flag?: string;
  env?: string;
}

function settingName(src: SettingSource): string {
  return [src.flag ? `--${src.flag}` : null, src.env ?? null].filter(Boolean).join(' / ') || 'setting';
}

/**
 * Resolves one setting: the flag's value wins over the environment variable, which wins over the
 * default. Values are validated here, once, so the rest of the program trusts its configuration.
 */
export function intSetting(
  src: SettingSource,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
  opts: { default: number; min?: number; max?: number },
): number {
  const raw = rawValue(src, flags, env);
  if (raw === undefined) return opts.default;
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(settingName(src), `an integer from ${min} to ${max}`, raw);
  return n;
}

export function stringSetting(
  src: SettingSource,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
  opts: { default?: string; pattern?: RegExp; describe?: string } = {},
): string | undefined {
  const raw = rawValue(src, flags, env);
  if (raw === undefined) return opts.default;
  if (opts.pattern && !opts.pattern.test(raw)) throw new ConfigError(settingName(src), opts.describe ?? `a value matching ${opts.pattern}`, raw);
  return raw;
}

function rawValue(src: SettingSource, flags: Record<string, unknown>, env: Record<string, string | undefined>): string | undefined {
  if (src.flag && flags[src.flag] !== undefined) return String(flags[src.flag]);
  if (src.env && env[src.env] !== undefined && env[src.env] !== '') return env[src.env];
  return undefined;
}
