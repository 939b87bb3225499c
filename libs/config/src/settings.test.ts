import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { intSetting, stringSetting } from './settings';

describe('intSetting', () => {
  const src = { flag: 'rate', env: 'TICKFLOW_RATE' };

  it('prefers the flag, then the environment, then the default', () => {
    expect(intSetting(src, { rate: '7' }, { TICKFLOW_RATE: '9' }, { default: 1 })).toBe(7);
    expect(intSetting(src, {}, { TICKFLOW_RATE: '9' }, { default: 1 })).toBe(9);
    expect(intSetting(src, {}, {}, { default: 1 })).toBe(1);
  });

  it.each(['abc', '1.5', '', ' ', '1e3', '0x10'])('rejects %j naming the setting', (raw) => {
    const run = () => intSetting(src, {}, { TICKFLOW_RATE: raw === '' ? 'x' : raw }, { default: 1 });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/--rate \/ TICKFLOW_RATE: expected an integer/);
  });

  it('enforces bounds', () => {
    expect(() => intSetting(src, { rate: '0' }, {}, { default: 1, min: 1, max: 10 })).toThrow(/from 1 to 10, got "0"/);
    expect(() => intSetting(src, { rate: '11' }, {}, { default: 1, min: 1, max: 10 })).toThrow(ConfigError);
  });
});

describe('stringSetting', () => {
  it('validates against a pattern with a readable expectation', () => {
    expect(() => stringSetting({ env: 'TICKFLOW_SYMBOLS' }, {}, { TICKFLOW_SYMBOLS: 'aapl' }, { pattern: /^[A-Z,]+$/, describe: 'comma-separated uppercase symbols' })).toThrow(
      'TICKFLOW_SYMBOLS: expected comma-separated uppercase symbols, got "aapl"',
    );
    expect(stringSetting({ env: 'X' }, {}, {}, { default: 'd' })).toBe('d');
  });
});
