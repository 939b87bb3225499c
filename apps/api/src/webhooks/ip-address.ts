/**
 * IP addresses and CIDR blocks as numbers, for the SSRF policy. Pure: no DNS, no sockets.
 *
 * Only canonical text forms are accepted: dotted-decimal IPv4 without leading zeros (what the
 * WHATWG URL parser and `getaddrinfo` produce: `new URL('http://0x7f.1/').hostname` is already
 * `127.0.0.1`) and RFC 4291 IPv6 (hex groups, one `::`, an optional dotted IPv4 tail), without a
 * zone (`%eth0`). Anything else is not an address, and the policy refuses what it cannot parse.
 */
export interface IpAddress {
  family: 4 | 6;
  /** The address as an unsigned integer of 32 (IPv4) or 128 (IPv6) bits. */
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** The network address (host bits zero). */
  network: bigint;
  prefixLength: number;
  /** The canonical text, e.g. `10.0.0.0/8`, `fc00::/7`. */
  text: string;
}

const IPV4_PART = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

export function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** The address, or null when `text` is not a canonical IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | null {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === null ? null : { family: 4, value };
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!IPV4_PART.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  if (text.length > 45 || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  // An IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups; it must end the text.
  const lastPart = halves.length === 2 ? tail : head;
  const last = lastPart[lastPart.length - 1];
  let v4Tail: bigint | null = null;
  if (last !== undefined && last.includes('.')) {
    v4Tail = parseIpv4(last);
    if (v4Tail === null) return null;
    lastPart.pop();
  }
  const groupCount = head.length + tail.length + (v4Tail === null ? 0 : 2);
  if (halves.length === 1 ? groupCount !== 8 : groupCount > 7) return null;
  for (const g of head) {
    if (!HEX_GROUP.test(g)) return null;
    groups.push(parseInt(g, 16));
  }
  for (let i = groupCount; i < 8; i++) groups.push(0);
  for (const g of tail) {
    if (!HEX_GROUP.test(g)) return null;
    groups.push(parseInt(g, 16));
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (v4Tail !== null) value = (value << 32n) | v4Tail;
  return value;
}

/** Canonical text of an address (RFC 5952 for IPv6: lowercase, longest zero run as `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((ip.value >> s) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * A CIDR block (`10.0.0.0/8`, `fd00::/8`) or a single address (`/32` or `/128` implied).
 * @throws RangeError naming what is wrong, e.g. host bits set (`10.1.2.3/16` — did you mean `10.1.0.0/16`?)
 */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addrText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) throw new RangeError(`${JSON.stringify(text)} is not a CIDR block: ${JSON.stringify(addrText)} is not an IPv4 or IPv6 address`);
  const bits = bitsOf(ip.family);
  let prefixLength = bits;
  if (slash >= 0) {
    const lenText = trimmed.slice(slash + 1);
    prefixLength = /^\d{1,3}$/.test(lenText) ? Number(lenText) : Number.NaN;
    if (!(prefixLength >= 0 && prefixLength <= bits)) throw new RangeError(`${JSON.stringify(text)} is not a CIDR block: the prefix length must be 0–${bits}`);
  }
  const network = ip.value & prefixMask(ip.family, prefixLength);
  if (network !== ip.value) {
    const suggestion = `${formatIp({ family: ip.family, value: network })}/${prefixLength}`;
    throw new RangeError(`${JSON.stringify(text)} is not a CIDR block: it has host bits set (did you mean ${suggestion}?)`);
  }
  return { family: ip.family, network, prefixLength, text: `${formatIp(ip)}/${prefixLength}` };
}

export function prefixMask(family: 4 | 6, prefixLength: number): bigint {
  const bits = BigInt(bitsOf(family));
  const hostBits = bits - BigInt(prefixLength);
  return ((1n << bits) - 1n) ^ ((1n << hostBits) - 1n);
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && (ip.value & prefixMask(cidr.family, cidr.prefixLength)) === cidr.network;
}

/** How an IPv6 address carries an IPv4 one, for the forms that reach that IPv4 host. */
export type Ipv4Embedding = 'IPv4-mapped' | 'IPv4-compatible' | 'NAT64' | '6to4';

const MAPPED = parseCidr('::ffff:0:0/96');
const COMPATIBLE = parseCidr('::/96');
const NAT64 = parseCidr('64:ff9b::/96');
const SIX_TO_FOUR = parseCidr('2002::/16');

/**
 * The IPv4 address inside an IPv6 one that leads to it: IPv4-mapped `::ffff:a.b.c.d` (the socket
 * connects to a.b.c.d), IPv4-compatible `::a.b.c.d` (deprecated, still routed by some stacks),
 * NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::`. `::` and `::1` are not IPv4-compatible.
 */
export function embeddedIpv4(ip: IpAddress): { ipv4: IpAddress; embedding: Ipv4Embedding } | null {
  if (ip.family !== 6) return null;
  const low32 = ip.value & 0xffffffffn;
  if (cidrContains(MAPPED, ip)) return { ipv4: { family: 4, value: low32 }, embedding: 'IPv4-mapped' };
  if (cidrContains(COMPATIBLE, ip) && ip.value > 1n) return { ipv4: { family: 4, value: low32 }, embedding: 'IPv4-compatible' };
  if (cidrContains(NAT64, ip)) return { ipv4: { family: 4, value: low32 }, embedding: 'NAT64' };
  if (cidrContains(SIX_TO_FOUR, ip)) return { ipv4: { family: 4, value: (ip.value >> 80n) & 0xffffffffn }, embedding: '6to4' };
  return null;
}
