import { isIP } from 'node:net';
import { ConfigError, stringSetting, type SettingSource } from '@tickflow/config';

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
/** RFC 1123 host names; `_` allowed too, as Docker and Kubernetes service names use it. */
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);

/** True for an IPv4 or IPv6 address (no brackets) or a host name; dotted numbers must be a valid IPv4 address. */
export function isHostOrIp(value: string): boolean {
  if (isIP(value) !== 0) return true;
  if (/^[\d.]+$/.test(value)) return false; // 999.1.1.1, 1.2.3: not an address, not a name
  return HOST_NAME.test(value);
}

/**
 * A listen address from a flag / environment variable: an IP address (`0.0.0.0`, `::`, `127.0.0.1`)
 * or a host name. Only its form is checked here; whether it is an address of this machine shows
 * when the server binds.
 * @throws ConfigError naming the flag and the variable.
 */
export function hostSetting(src: SettingSource, flags: Record<string, unknown>, env: Record<string, string | undefined>, opts: { default: string }): string {
  const host = stringSetting(src, flags, env, { default: opts.default })!;
  if (!isHostOrIp(host)) {
    const name = [src.flag ? `--${src.flag}` : null, src.env ?? null].filter(Boolean).join(' / ');
    throw new ConfigError(name, 'a host name or IP address (e.g. 127.0.0.1, 0.0.0.0, ::, localhost; IPv6 without brackets)', host);
  }
  return host;
}
