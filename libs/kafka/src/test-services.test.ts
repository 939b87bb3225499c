import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tickflow/config';
import { DEFAULT_TEST_KAFKA_BROKERS, DEFAULT_TEST_REDIS_URL, TEST_SERVICES_SCRIPT, kafkaBrokers, redisUrl } from './test-services';

describe('test-services addresses', () => {
  it('default to what tools/test-services.mjs starts', () => {
    expect(kafkaBrokers({})).toEqual([DEFAULT_TEST_KAFKA_BROKERS]);
    expect(kafkaBrokers({ KAFKA_BROKERS: '' })).toEqual(['127.0.0.1:19092']);
    expect(redisUrl({})).toBe(DEFAULT_TEST_REDIS_URL);
    expect(existsSync(TEST_SERVICES_SCRIPT)).toBe(true);
  });

  it('come from KAFKA_BROKERS and REDIS_URL', () => {
    expect(kafkaBrokers({ KAFKA_BROKERS: 'a:9092, b.example:9093,[::1]:9094' })).toEqual(['a:9092', 'b.example:9093', '[::1]:9094']);
    expect(redisUrl({ REDIS_URL: 'redis://:secret@10.0.0.5:6380/2' })).toBe('redis://:secret@10.0.0.5:6380/2');
  });

  it.each(['localhost', 'a:9092,b', ',', 'http://a:9092'])('reject KAFKA_BROKERS=%j naming the variable', (value) => {
    expect(() => kafkaBrokers({ KAFKA_BROKERS: value })).toThrow(ConfigError);
    expect(() => kafkaBrokers({ KAFKA_BROKERS: value })).toThrow(/KAFKA_BROKERS/);
  });

  it('rejects a REDIS_URL that is not redis://', () => {
    expect(() => redisUrl({ REDIS_URL: '127.0.0.1:6379' })).toThrow(/REDIS_URL/);
  });
});
