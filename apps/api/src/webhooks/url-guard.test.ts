import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { UnsafeAddressError, UrlGuard } from './url-guard';
import type { HostResolver } from './url-guard-options';

const answers: Record<string, Array<{ address: string; family: 4 | 6 }>> = {
  'hooks.example.com': [{ address: '93.184.215.14', family: 4 }],
  'dual.example.com': [
    { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    { address: '93.184.215.14', family: 4 },
  ],
  'mixed.example.com': [
    { address: '93.184.215.14', family: 4 },
    { address: '10.0.0.1', family: 4 },
  ],
  'mapped.example.com': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'empty.example.com': [],
};
const resolve: HostResolver = async (host) => {
  const a = answers[host];
  if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return a;
};

describe('UrlGuard.check (registration)', () => {
  const guard = new UrlGuard({ resolve, allowCidrs: ['10.20.0.0/16'] });

  it.each([
    ['https://hooks.example.com/alerts?x=1', 'https://hooks.example.com/alerts?x=1'],
    ['https://dual.example.com:8443/', 'https://dual.example.com:8443/'],
    ['http://10.20.1.1:8080/hook', 'http://10.20.1.1:8080/hook'],
    ['http://[2606:4700::1111]/', 'http://[2606:4700::1111]/'],
    ['HTTPS://HOOKS.EXAMPLE.COM', 'https://hooks.example.com/'],
  ])('accepts %s', async (raw, href) => {
    const v = await guard.check(raw);
    expect(v.ok && v.url.href).toBe(href);
  });

  it.each([
    ['not a url', 'invalid', 'is not an absolute URL'],
    ['/relative/path', 'invalid', 'is not an absolute URL'],
    [`https://hooks.example.com/${'x'.repeat(2100)}`, 'invalid', 'longer than 2048'],
    ['ftp://hooks.example.com/', 'unsafe', 'only http and https URLs are allowed, not ftp'],
    ['file:///etc/passwd', 'unsafe', 'not file'],
    ['gopher://hooks.example.com/', 'unsafe', 'not gopher'],
    ['https://user:pw@hooks.example.com/', 'unsafe', 'must not carry credentials'],
    ['https://user@hooks.example.com/', 'unsafe', 'must not carry credentials'],
    ['http://127.0.0.1/', 'unsafe', '127.0.0.1 is a loopback address (127.0.0.0/8)'],
    ['http://2130706433/', 'unsafe', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', 'unsafe', '127.0.0.1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/', 'unsafe', 'IPv4-mapped form of 127.0.0.1'],
    ['http://[::1]:8080/', 'unsafe', '::1 is a loopback address'],
    ['http://10.21.0.1/', 'unsafe', '10.21.0.1 is a private address'],
    ['https://mixed.example.com/', 'unsafe', 'mixed.example.com resolves to a refused address: 10.0.0.1 is a private address (10.0.0.0/8)'],
    ['https://mapped.example.com/', 'unsafe', 'IPv4-mapped form of 127.0.0.1'],
    ['https://empty.example.com/', 'unsafe', 'resolves to no address'],
    ['https://nowhere.invalid/', 'unsafe', 'the host nowhere.invalid does not resolve (ENOTFOUND)'],
  ])('refuses %s (%s): %s', async (raw, kind, reason) => {
    const v = await guard.check(raw);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.kind).toBe(kind);
      expect(v.reason).toContain(reason);
    }
  });
});

describe('UrlGuard.lookup (dial time)', () => {
  const guard = new UrlGuard({ resolve });
  const lookup = (host: string, options: { family?: number; all?: boolean }): Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> =>
    new Promise((done) => guard.lookup(host, options, (err, address, family) => done({ err, address, family })));

  it('answers like dns.lookup, with and without all, by family', async () => {
    expect(await lookup('hooks.example.com', {})).toEqual({ err: null, address: '93.184.215.14', family: 4 });
    expect(await lookup('dual.example.com', { all: true })).toMatchObject({ err: null, address: [{ family: 6 }, { address: '93.184.215.14', family: 4 }] });
    expect(await lookup('dual.example.com', { family: 4 })).toEqual({ err: null, address: '93.184.215.14', family: 4 });
  });

  it('refuses a host when any of its addresses is not allowed', async () => {
    const { err } = await lookup('mixed.example.com', { all: true });
    expect(err).toBeInstanceOf(UnsafeAddressError);
    expect(err?.message).toBe('refused to connect: mixed.example.com resolves to a refused address: 10.0.0.1 is a private address (10.0.0.0/8)');
  });

  it('passes resolver errors through', async () => {
    expect((await lookup('nowhere.invalid', {})).err?.code).toBe('ENOTFOUND');
  });
});
