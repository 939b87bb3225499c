import { describe, expect, it } from 'vitest';
import { cidrContains, embeddedIpv4, formatIp, parseCidr, parseIp } from './ip-address';

describe('parseIp / formatIp', () => {
  it.each([
    ['0.0.0.0', 4, '0.0.0.0'],
    ['127.0.0.1', 4, '127.0.0.1'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['FE80::ABCD', 6, 'fe80::abcd'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', 6, '2001:db8::2:1'],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', 6, '1:0:3:4:5:6:7:8'],
    ['::ffff:127.0.0.1', 6, '::ffff:7f00:1'],
    ['::ffff:7f00:1', 6, '::ffff:7f00:1'],
    ['64:ff9b::10.0.0.1', 6, '64:ff9b::a00:1'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
  ] as const)('%s is IPv%i, canonically %s', (text, family, canonical) => {
    const ip = parseIp(text);
    expect(ip?.family).toBe(family);
    expect(formatIp(ip!)).toBe(canonical);
  });

  it.each([
    '',
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-4',
    '0x7f.0.0.1',
    '2130706433',
    ' 1.2.3.4',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8:9',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '1.2.3.4::',
    '::1.2.3',
    '::1.2.3.4:5',
    '[::1]',
  ])('%j is not an address', (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['127.0.0.1', '127.0.0.1/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    [' fd00:1::/64 ', 'fd00:1::/64'],
    ['::1', '::1/128'],
    ['::ffff:0:0/96', '::ffff:0:0/96'],
  ])('%j → %s', (text, canonical) => {
    expect(parseCidr(text).text).toBe(canonical);
  });

  it.each([
    ['10.1.2.3/16', /host bits set \(did you mean 10\.1\.0\.0\/16\?\)/],
    ['10.0.0.0/33', /prefix length must be 0–32/],
    ['fd00::/129', /prefix length must be 0–128/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/x', /prefix length/],
    ['example.com/24', /"example.com" is not an IPv4 or IPv6 address/],
    ['', /is not an IPv4 or IPv6 address/],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
  });

  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['0.0.0.0/0', '::1', false],
    ['fe80::/10', 'febf::1', true],
    ['fe80::/10', 'fec0::1', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(parseCidr(cidr), parseIp(ip)!)).toBe(expected);
  });
});

describe('embeddedIpv4', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1', 'IPv4-mapped'],
    ['::ffff:a9fe:a9fe', '169.254.169.254', 'IPv4-mapped'],
    ['::10.0.0.1', '10.0.0.1', 'IPv4-compatible'],
    ['::7f00:1', '127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::192.168.1.1', '192.168.1.1', 'NAT64'],
    ['2002:7f00:1::', '127.0.0.1', '6to4'],
  ])('%s carries %s (%s)', (v6, v4, embedding) => {
    const got = embeddedIpv4(parseIp(v6)!);
    expect(got && { ipv4: formatIp(got.ipv4), embedding: got.embedding }).toEqual({ ipv4: v4, embedding });
  });

  it.each(['::', '::1', '2606:4700::1111', '127.0.0.1'])('%s carries none', (text) => {
    expect(embeddedIpv4(parseIp(text)!)).toBeNull();
  });
});
