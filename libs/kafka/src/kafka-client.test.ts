import { describe, expect, it } from 'vitest';
import { logLevel as LogLevel, type LogEntry } from 'kafkajs';
import { createKafka, kafkaLogLevelFromEnv, quietLogCreator } from './kafka-client';

function entry(namespace: string, level: LogLevel, message: string, extra: Record<string, unknown> = {}): LogEntry {
  return { namespace, level, label: LogLevel[level] ?? '', log: { timestamp: '2026-01-01T00:00:00.000Z', message, ...extra } };
}

describe('kafka client', () => {
  it('logs errors only unless TICKFLOW_LOG_LEVEL asks for more', () => {
    expect(kafkaLogLevelFromEnv({})).toBe(LogLevel.ERROR);
    expect(kafkaLogLevelFromEnv({ TICKFLOW_LOG_LEVEL: 'debug' })).toBe(LogLevel.DEBUG);
    expect(kafkaLogLevelFromEnv({ TICKFLOW_LOG_LEVEL: 'WARN' })).toBe(LogLevel.WARN);
    expect(kafkaLogLevelFromEnv({ TICKFLOW_LOG_LEVEL: 'nonsense' })).toBe(LogLevel.ERROR);
  });

  it('writes JSON lines and drops per-request retriable error lines below debug', () => {
    const lines: string[] = [];
    const quiet = quietLogCreator((l) => lines.push(l))(LogLevel.ERROR);
    quiet(entry('Connection', LogLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: 'CONCURRENT_TRANSACTIONS' }));
    quiet(entry('Consumer', LogLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', { groupId: 'g' }));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ level: 'error', time: '2026-01-01T00:00:00.000Z', app: 'kafkajs', namespace: 'Consumer', msg: 'Crash: KafkaJSNumberOfRetriesExceeded', groupId: 'g' });

    const verbose = quietLogCreator((l) => lines.push(l))(LogLevel.DEBUG);
    verbose(entry('Connection', LogLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)'));
    expect(lines).toHaveLength(2);
  });

  it('keeps kafkajs quiet at the default level', () => {
    const lines: string[] = [];
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'unit', write: (l) => lines.push(l) });
    kafka.logger().warn('partitioner warning');
    kafka.logger().error('real trouble');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['real trouble']);
    expect(() => createKafka({ brokers: [], clientId: 'unit' })).toThrow(RangeError);
  });
});
