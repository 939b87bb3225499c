import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { AddressPolicy } from './address-policy';
import { parseIp } from './ip-address';
import type { HostResolver, ResolvedAddress, UrlGuardOptions } from './url-guard-options';

/**
 * A URL's verdict. `invalid`: not an absolute URL at all (a malformed request); `unsafe`: a URL
 * the SSRF policy refuses (scheme, credentials, an address that is not allowed, a host that does
 * not resolve).
 */
export type UrlCheck = { ok: true; url: URL } | { ok: false; kind: 'invalid' | 'unsafe'; reason: string };

/** A delivery's connection was refused because the host now resolves to a forbidden address. */
export class UnsafeAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_UNSAFE_ADDRESS';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeAddressError';
  }
}

const systemResolver: HostResolver = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * The SSRF guard for webhook URLs (design §5). `check` is the registration check: http or https,
 * no credentials, and every address the host resolves to allowed by the `AddressPolicy`. At dial
 * time a delivery uses `lookup` as its socket's resolver, so the address it actually connects to
 * is checked again — a DNS answer that changed since registration (rebinding) or an allow-list
 * that shrank is refused with an `UnsafeAddressError`. An IP-literal host is never looked up by a
 * socket: callers check it with `checkLiteral` before dialing.
 */
export class UrlGuard {
  readonly policy: AddressPolicy;
  private readonly resolve: HostResolver;
  private readonly maxUrlLength: number;

  /** @throws RangeError when an allow-list entry is not a CIDR block. */
  constructor(opts: UrlGuardOptions = {}) {
    this.policy = new AddressPolicy(opts.allowCidrs ?? []);
    this.resolve = opts.resolve ?? systemResolver;
    this.maxUrlLength = opts.maxUrlLength ?? 2048;
  }

  /** The URL's syntax alone: absolute http(s), a host, no `user:password@`. No DNS. */
  parse(raw: string): UrlCheck {
    if (raw.length > this.maxUrlLength) return { ok: false, kind: 'invalid', reason: `the URL is longer than ${this.maxUrlLength} characters` };
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, kind: 'invalid', reason: `${JSON.stringify(raw)} is not an absolute URL` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, kind: 'unsafe', reason: `only http and https URLs are allowed, not ${url.protocol.slice(0, -1)}` };
    if (url.username !== '' || url.password !== '') return { ok: false, kind: 'unsafe', reason: 'the URL must not carry credentials (user:password@); authenticate deliveries by their signature' };
    if (url.hostname === '') return { ok: false, kind: 'invalid', reason: 'the URL has no host' };
    return { ok: true, url };
  }

  /** The registration check: syntax, then every address the host resolves to. */
  async check(raw: string): Promise<UrlCheck> {
    const parsed = this.parse(raw);
    if (!parsed.ok) return parsed;
    const host = hostOf(parsed.url);
    if (isIpLiteral(host)) {
      const reason = this.checkLiteral(host);
      return reason === null ? parsed : { ok: false, kind: 'unsafe', reason };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      return { ok: false, kind: 'unsafe', reason: `the host ${host} does not resolve (${code})` };
    }
    const reason = this.refusal(host, addresses);
    return reason === null ? parsed : { ok: false, kind: 'unsafe', reason };
  }

  /** Why an IP-literal host is refused, or null when it is allowed. */
  checkLiteral(host: string): string | null {
    const verdict = this.policy.check(host);
    return verdict.allowed ? null : verdict.reason;
  }

  /**
   * A socket resolver (`http.request({ lookup })`) that refuses a host when any address it resolves
   * to is not allowed, so one refused answer among several cannot be raced to.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const reason = this.refusal(hostname, addresses);
        if (reason !== null) return callback(new UnsafeAddressError(`refused to connect: ${reason}`), '');
        const family = familyOf(options.family);
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        if (usable.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        if (options.all) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };

  private refusal(host: string, addresses: readonly ResolvedAddress[]): string | null {
    if (addresses.length === 0) return `the host ${host} resolves to no address`;
    for (const a of addresses) {
      const verdict = this.policy.check(a.address);
      if (!verdict.allowed) return `${host} resolves to a refused address: ${verdict.reason}`;
    }
    return null;
  }
}

/**
 * True when a socket would connect to `host` without looking it up: Node's own test, or ours (the
 * policy then refuses whatever it cannot parse), so no literal ever bypasses the check.
 */
export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0 || parseIp(host) !== null;
}

/** The URL's host without IPv6 brackets (`[::1]` → `::1`). */
export function hostOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function familyOf(f: number | string | undefined): 0 | 4 | 6 {
  if (f === 4 || f === 'IPv4') return 4;
  if (f === 6 || f === 'IPv6') return 6;
  return 0;
}
