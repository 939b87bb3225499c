import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tickflow/config';
import { hostSetting, isHostOrIp } from './host-setting';

describe('isHostOrIp', () => {
  it.each(['127.0.0.1', '0.0.0.0', '::', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', 'localhost', 'processor', 'metrics_relay', 'a.b-c.example.com', 'example.com.'])('accepts %j', (v) => {
    expect(isHostOrIp(v)).toBe(true);
  });

  it.each(['', ' ', '999.1.1.1', '1.2.3', '[::1]', '127.0.0.1:9464', 'http://host', 'a..b', '-leading', 'trailing-', 'sp ace', 'x'.repeat(64), `${'a.'.repeat(127)}ab`, 'host/path'])('refuses %j', (v) => {
    expect(isHostOrIp(v)).toBe(false);
  });
});

describe('hostSetting', () => {
  const src = { flag: 'metrics-host', env: 'TICKFLOW_METRICS_HOST' };

  it('takes the flag over the environment over the default', () => {
    expect(hostSetting(src, {}, {}, { default: '127.0.0.1' })).toBe('127.0.0.1');
    expect(hostSetting(src, {}, { TICKFLOW_METRICS_HOST: '0.0.0.0' }, { default: '127.0.0.1' })).toBe('0.0.0.0');
    expect(hostSetting(src, { 'metrics-host': '::' }, { TICKFLOW_METRICS_HOST: '0.0.0.0' }, { default: '127.0.0.1' })).toBe('::');
  });

  it('names the flag and the variable when the value is not a host', () => {
    const call = (): string => hostSetting(src, {}, { TICKFLOW_METRICS_HOST: '0.0.0.0:9464' }, { default: '127.0.0.1' });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/^--metrics-host \/ TICKFLOW_METRICS_HOST: expected a host name or IP address.*got "0\.0\.0\.0:9464"$/);
  });
});
