import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '@tickflow/operators';
import { ProcessorMetrics } from './processor-metrics';

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('ProcessorMetrics', () => {
  it('counts committed DLQ records by topic and error type, the design §6 error counters, and alerts by severity', async () => {
    const m = new ProcessorMetrics();
    const hooks = m.hooks();
    hooks.onCommitted!('g-p0', {
      dlq: new Map([
        [`${TOPICS.dlqDeserialization} DESERIALIZATION_ERROR`, 3],
        [`${TOPICS.dlqValidation} BUSINESS_RULE_VIOLATION`, 2],
        [`${TOPICS.dlqLateEvents} LATE_EVENT`, 4],
        [`${TOPICS.dlqProcessingErrors} PROCESSING_ERROR`, 1],
      ]),
      alerts: new Map([['HIGH', 2]]),
      unknownSymbols: 5,
    });
    hooks.onCommitted!('g-p1', { dlq: new Map([[`${TOPICS.dlqDeserialization} DESERIALIZATION_ERROR`, 1]]), alerts: new Map([['HIGH', 1], ['CRITICAL', 1]]), unknownSymbols: 0 });
    hooks.onOutputs!(TOPICS.bars1s, 7);
    hooks.onFetched!(TOPICS.rawTrades, 3, 100, 42);
    hooks.onCheckpointFailed!('g-p0', true);
    hooks.onCommitLatency!('g-p0', 1_500);
    hooks.onCommitLatency!('g-p1', 7_000);
    const { text } = await m.scrape({ taskCount: 2, watermarks: () => [{ taskId: 'g-p0', watermarkMs: 1_000 }, { taskId: 'g-p1', watermarkMs: 0 }] }, 11_000);

    expect(sample(text, 'tickflow_dlq_events_total', '{topic="dlq.deserialization",error_type="DESERIALIZATION_ERROR"}')).toBe(4);
    expect(sample(text, 'tickflow_dlq_events_total', '{topic="dlq.validation",error_type="BUSINESS_RULE_VIOLATION"}')).toBe(2);
    expect(sample(text, 'tickflow_deserialization_errors_total')).toBe(4);
    expect(sample(text, 'tickflow_late_events_total')).toBe(4);
    expect(sample(text, 'tickflow_processing_errors_total')).toBe(1);
    expect(sample(text, 'tickflow_price_alerts_fired_total', '{severity="HIGH"}')).toBe(3);
    expect(sample(text, 'tickflow_price_alerts_fired_total', '{severity="CRITICAL"}')).toBe(1);
    expect(sample(text, 'tickflow_records_out_total', '{topic="ta.bars.1s.v1"}')).toBe(7);
    expect(sample(text, 'tickflow_records_in_total', '{topic="raw.trades"}')).toBe(100);
    expect(sample(text, 'tickflow_consumer_lag_records', '{topic="raw.trades",partition="3"}')).toBe(42);
    expect(sample(text, 'tickflow_checkpoint_failures_total', '{fenced="true"}')).toBe(1);
    expect(sample(text, 'tickflow_tasks')).toBe(2);
    expect(sample(text, 'tickflow_input_to_commit_seconds_count')).toBe(2);
    expect(sample(text, 'tickflow_input_to_commit_seconds_bucket', '{le="2.5"}')).toBe(1);
    expect(sample(text, 'tickflow_input_to_commit_seconds_bucket', '{le="10"}')).toBe(2);
    expect(sample(text, 'tickflow_unknown_symbol_trades_total')).toBe(5);
    // A task without a watermark yet has no lag sample rather than a bogus one.
    expect(sample(text, 'tickflow_watermark_lag_seconds', '{task="g-p0"}')).toBe(10);
    expect(sample(text, 'tickflow_watermark_lag_seconds', '{task="g-p1"}')).toBeUndefined();
  });

  it('registers into a shared registry without default metrics, and a tracked processor refreshes its gauges at every collection', async () => {
    const registry = new Registry();
    new Counter({ name: 'api_requests_total', help: 'the registry owner\'s own metric', registers: [registry] }).inc(3);
    const m = new ProcessorMetrics({ registry, defaultMetrics: false });
    const before = Date.now();
    let tasks = 1;
    m.track({ watermarks: () => [{ taskId: 'g-p0', watermarkMs: before - 5_000 }], get taskCount() { return tasks; } });
    let text = await registry.metrics(); // the owner's /metrics, not ProcessorMetrics.scrape
    expect(sample(text, 'api_requests_total')).toBe(3);
    expect(sample(text, 'tickflow_tasks')).toBe(1);
    expect(sample(text, 'tickflow_watermark_lag_seconds', '{task="g-p0"}')).toBeGreaterThanOrEqual(5);
    expect(text).not.toContain('process_cpu_user_seconds_total');
    tasks = 4;
    text = await registry.metrics();
    expect(sample(text, 'tickflow_tasks')).toBe(4);
  });
});
