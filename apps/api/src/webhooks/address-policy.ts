import { cidrContains, embeddedIpv4, formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from './ip-address';

/** A range webhooks may not reach, with what it is (for the refusal message). */
export interface BlockedRange {
  cidr: Cidr;
  /** Reads as "10.0.0.1 is a <kind> address", e.g. `private`, `loopback`. */
  kind: string;
}

function ranges(list: ReadonlyArray<readonly [string, string]>): readonly BlockedRange[] {
  return Object.freeze(list.map(([cidr, kind]) => Object.freeze({ cidr: parseCidr(cidr), kind })));
}

/**
 * Every IPv4 range that is not the public Internet (RFC 6890 special-purpose registry), most
 * specific first so the message names the narrowest one. Cloud metadata services (169.254.169.254)
 * are link-local.
 */
export const BLOCKED_IPV4_RANGES = ranges([
  ['0.0.0.0/8', '"this network" (unspecified)'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT (shared)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

/** IPv6 ranges that are not the public Internet. IPv4-carrying forms are judged by their IPv4 address. */
export const BLOCKED_IPV6_RANGES = ranges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001::/32', 'Teredo tunnel'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
]);

export type AddressVerdict = { allowed: true; address: string } | { allowed: false; address: string; reason: string };

/**
 * Which IP addresses a webhook may be delivered to: public unicast only, unless an address is
 * inside an allow-listed CIDR block. Pure and deterministic; the URL guard applies it to every
 * address a host resolves to, at registration and again when a delivery connects.
 *
 * IPv6 forms that lead to an IPv4 host (IPv4-mapped `::ffff:7f00:1`, IPv4-compatible, NAT64,
 * 6to4) are judged by that IPv4 address. An IPv4 allow-list entry also admits the IPv4-mapped form
 * of its addresses (the socket connects to the same host); the other forms need their own entry.
 */
export class AddressPolicy {
  readonly allowCidrs: readonly Cidr[];

  /** @throws RangeError when an allow-list entry is not a CIDR block (the message says which and why). */
  constructor(allowCidrs: readonly string[] = []) {
    this.allowCidrs = Object.freeze(allowCidrs.map(parseCidr));
  }

  check(text: string): AddressVerdict {
    const ip = parseIp(text);
    if (!ip) return { allowed: false, address: text, reason: `${JSON.stringify(text)} is not an IP address` };
    const address = formatIp(ip);
    if (this.isAllowListed(ip)) return { allowed: true, address };
    const embedded = embeddedIpv4(ip);
    if (embedded) {
      if (embedded.embedding === 'IPv4-mapped' && this.isAllowListed(embedded.ipv4)) return { allowed: true, address };
      const blocked = blockedRangeOf(embedded.ipv4);
      if (blocked) {
        return { allowed: false, address, reason: `${address} is the ${embedded.embedding} form of ${formatIp(embedded.ipv4)}, a ${blocked.kind} address (${blocked.cidr.text})` };
      }
    }
    const blocked = blockedRangeOf(ip);
    if (blocked) return { allowed: false, address, reason: `${address} is a ${blocked.kind} address (${blocked.cidr.text})` };
    return { allowed: true, address };
  }

  private isAllowListed(ip: IpAddress): boolean {
    for (const cidr of this.allowCidrs) if (cidrContains(cidr, ip)) return true;
    return false;
  }
}

/** The special-purpose range `ip` is in, or null for a public unicast address. */
export function blockedRangeOf(ip: IpAddress): BlockedRange | null {
  for (const range of ip.family === 4 ? BLOCKED_IPV4_RANGES : BLOCKED_IPV6_RANGES) if (cidrContains(range.cidr, ip)) return range;
  return null;
}

/**
 * Parses a comma-separated allow-list (`10.1.0.0/16, fd00:1::/64`); blanks are ignored.
 * @throws RangeError naming the bad entry and why.
 */
export function parseCidrList(text: string): string[] {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  return entries.map((e) => parseCidr(e).text);
}
