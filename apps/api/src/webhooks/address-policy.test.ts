import { describe, expect, it } from 'vitest';
import { AddressPolicy, BLOCKED_IPV4_RANGES, BLOCKED_IPV6_RANGES, parseCidrList } from './address-policy';

describe('AddressPolicy without an allow-list', () => {
  const policy = new AddressPolicy();

  it.each([
    ['0.0.0.0', '"this network" (unspecified) address (0.0.0.0/8)'],
    ['0.1.2.3', '(0.0.0.0/8)'],
    ['10.0.0.1', 'private address (10.0.0.0/8)'],
    ['10.255.255.255', 'private address (10.0.0.0/8)'],
    ['100.64.0.1', 'carrier-grade NAT (shared) address (100.64.0.0/10)'],
    ['100.127.255.254', '(100.64.0.0/10)'],
    ['127.0.0.1', 'loopback address (127.0.0.0/8)'],
    ['127.255.0.9', 'loopback address (127.0.0.0/8)'],
    ['169.254.169.254', 'link-local address (169.254.0.0/16)'],
    ['172.16.0.1', 'private address (172.16.0.0/12)'],
    ['172.31.255.255', 'private address (172.16.0.0/12)'],
    ['192.0.0.8', 'IETF protocol assignment'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private address (192.168.0.0/16)'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['224.0.0.1', 'multicast address (224.0.0.0/4)'],
    ['239.255.255.250', 'multicast address (224.0.0.0/4)'],
    ['240.0.0.1', 'reserved address (240.0.0.0/4)'],
    ['255.255.255.255', 'broadcast address (255.255.255.255/32)'],
    ['::', 'unspecified address (::/128)'],
    ['::1', 'loopback address (::1/128)'],
    ['fe80::1', 'link-local address (fe80::/10)'],
    ['febf:ffff::1', 'link-local address (fe80::/10)'],
    ['fc00::1', 'unique-local address (fc00::/7)'],
    ['fd12:3456::1', 'unique-local address (fc00::/7)'],
    ['ff02::1', 'multicast address (ff00::/8)'],
    ['fec0::1', 'site-local'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['100::1', 'discard-only'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    // IPv4 inside IPv6: judged by the IPv4 address.
    ['::ffff:127.0.0.1', '::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['::ffff:7f00:1', 'IPv4-mapped form of 127.0.0.1, a loopback address'],
    ['::ffff:10.1.2.3', 'IPv4-mapped form of 10.1.2.3, a private address'],
    ['::ffff:169.254.169.254', 'IPv4-mapped form of 169.254.169.254, a link-local address'],
    ['::ffff:0.0.0.0', 'IPv4-mapped form of 0.0.0.0'],
    ['::ffff:100.64.0.1', 'carrier-grade NAT'],
    ['::ffff:255.255.255.255', 'broadcast'],
    ['::127.0.0.1', 'IPv4-compatible form of 127.0.0.1, a loopback address'],
    ['::a00:1', 'IPv4-compatible form of 10.0.0.1, a private address'],
    ['64:ff9b::c0a8:101', 'NAT64 form of 192.168.1.1, a private address'],
    ['2002:a9fe:a9fe::1', '6to4 form of 169.254.169.254, a link-local address'],
    // Not addresses at all: refused, never guessed.
    ['localhost', '"localhost" is not an IP address'],
    ['fe80::1%eth0', 'is not an IP address'],
    ['0x7f000001', 'is not an IP address'],
  ])('refuses %s: %s', (address, reason) => {
    const verdict = policy.check(address);
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed === false && verdict.reason).toContain(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.169.0.1', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    'allows the public address %s',
    (address) => {
      expect(policy.check(address).allowed).toBe(true);
    },
  );

  it('every built-in range is refused at its first and last address', () => {
    for (const { cidr } of [...BLOCKED_IPV4_RANGES, ...BLOCKED_IPV6_RANGES]) {
      expect(policy.check(cidr.text.split('/')[0]!).allowed, cidr.text).toBe(false);
    }
    expect(policy.check('10.255.255.255').allowed).toBe(false);
    expect(policy.check('fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').allowed).toBe(false);
  });
});

describe('AddressPolicy with an allow-list', () => {
  const policy = new AddressPolicy(['127.0.0.1/32', '10.20.0.0/16', 'fd00:1::/64']);

  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true], // the mapped form reaches the same host
    ['127.0.0.2', false],
    ['10.20.3.4', true],
    ['10.21.0.1', false],
    ['::ffff:10.20.3.4', true],
    ['::10.20.3.4', false], // other IPv4-carrying forms need their own entry
    ['fd00:1::5', true],
    ['fd00:2::5', false],
    ['::1', false],
    ['8.8.8.8', true],
  ])('%s allowed: %s', (address, allowed) => {
    expect(policy.check(address).allowed).toBe(allowed);
  });

  it('refuses a malformed allow-list entry with the reason', () => {
    expect(() => new AddressPolicy(['10.1.2.3/8'])).toThrow(/host bits set \(did you mean 10\.0\.0\.0\/8\?\)/);
    expect(() => new AddressPolicy(['intranet'])).toThrow(/"intranet" is not an IPv4 or IPv6 address/);
  });
});

describe('parseCidrList', () => {
  it('splits, trims and canonicalises; blanks are ignored', () => {
    expect(parseCidrList(' 10.1.0.0/16 ,, FD00::/8,127.0.0.1 ')).toEqual(['10.1.0.0/16', 'fd00::/8', '127.0.0.1/32']);
    expect(parseCidrList('')).toEqual([]);
  });

  it('names the bad entry', () => {
    expect(() => parseCidrList('10.0.0.0/8, 192.168.1.0/33')).toThrow(/"192.168.1.0\/33" is not a CIDR block: the prefix length must be 0–32/);
  });
});
