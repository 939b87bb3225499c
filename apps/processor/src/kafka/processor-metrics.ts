import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TOPICS } from '@tickflow/operators';
import type { CheckpointTally, KafkaProcessor, KafkaProcessorOptions } from './kafka-processor';

type Hooks = Pick<KafkaProcessorOptions, 'onCheckpoint' | 'onOutputs' | 'onCommitted' | 'onFetched' | 'onCheckpointFailed' | 'onCommitLatency'>;

/**
 * The processor's Prometheus metrics (design §6, names prefixed `tickflow_`). Output counts come from
 * committed checkpoints, so they are exact under exactly-once: an aborted transaction counts nothing.
 * Input counts and lag come from fetches and so include re-reads after a restart.
 */
export class ProcessorMetrics {
  readonly registry = new Registry();
  private readonly recordsIn = new Counter({ name: 'tickflow_records_in_total', help: 'Input records fetched, by topic (re-reads after a restart included)', labelNames: ['topic'], registers: [this.registry] });
  private readonly recordsOut = new Counter({ name: 'tickflow_records_out_total', help: 'Output records committed, by topic', labelNames: ['topic'], registers: [this.registry] });
  private readonly dlqEvents = new Counter({ name: 'tickflow_dlq_events_total', help: 'Records committed to a DLQ, by DLQ topic and error type', labelNames: ['topic', 'error_type'], registers: [this.registry] });
  private readonly deserializationErrors = new Counter({ name: 'tickflow_deserialization_errors_total', help: 'Input records that did not decode (committed to dlq.deserialization)', registers: [this.registry] });
  private readonly processingErrors = new Counter({ name: 'tickflow_processing_errors_total', help: 'Input records whose processing threw (committed to dlq.processing-errors)', registers: [this.registry] });
  private readonly lateEvents = new Counter({ name: 'tickflow_late_events_total', help: 'Events later than the allowed lateness (committed to dlq.late-events)', registers: [this.registry] });
  private readonly alertsFired = new Counter({ name: 'tickflow_price_alerts_fired_total', help: 'Price alerts committed, by severity', labelNames: ['severity'], registers: [this.registry] });
  private readonly unknownSymbols = new Counter({ name: 'tickflow_unknown_symbol_trades_total', help: 'Enriched trades committed with UNKNOWN reference fields (symbol not in reference data)', registers: [this.registry] });
  private readonly consumerLag = new Gauge({ name: 'tickflow_consumer_lag_records', help: 'Records behind the high watermark after the last fetch, by input topic and partition', labelNames: ['topic', 'partition'], registers: [this.registry] });
  private readonly watermarkLag = new Gauge({ name: 'tickflow_watermark_lag_seconds', help: 'Wall clock minus the task event-time watermark (large for replays of old data)', labelNames: ['task'], registers: [this.registry] });
  private readonly checkpointSeconds = new Histogram({ name: 'tickflow_checkpoint_duration_seconds', help: 'Snapshot + transaction commit time per task checkpoint', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  private readonly checkpointBytes = new Gauge({ name: 'tickflow_checkpoint_size_bytes', help: 'Size of the last task snapshot', labelNames: ['task'], registers: [this.registry] });
  private readonly checkpointFailures = new Counter({ name: 'tickflow_checkpoint_failures_total', help: 'Failed checkpoints; fenced = a newer owner took the task (expected after a rebalance)', labelNames: ['fenced'], registers: [this.registry] });
  private readonly commitLatency = new Histogram({
    name: 'tickflow_input_to_commit_seconds',
    help: 'Input produced (Kafka timestamp of the oldest record a checkpoint covers) → its outputs committed; includes the checkpoint interval',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
    registers: [this.registry],
  });
  private readonly tasks = new Gauge({ name: 'tickflow_tasks', help: 'Tasks (partitions) owned by this instance', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  hooks(): Hooks {
    return {
      onCheckpoint: (task, ms, bytes) => {
        this.checkpointSeconds.observe(ms / 1000);
        this.checkpointBytes.set({ task }, bytes);
      },
      onOutputs: (topic, n) => this.recordsOut.inc({ topic }, n),
      onCommitted: (_task, tally) => this.countCommitted(tally),
      onFetched: (topic, partition, records, lag) => {
        this.recordsIn.inc({ topic }, records);
        this.consumerLag.set({ topic, partition: String(partition) }, lag);
      },
      onCheckpointFailed: (_task, fenced) => this.checkpointFailures.inc({ fenced: String(fenced) }),
      onCommitLatency: (_task, ms) => this.commitLatency.observe(ms / 1000),
    };
  }

  /** The exposition text, with the per-task gauges refreshed first. */
  async scrape(processor: Pick<KafkaProcessor, 'taskCount' | 'watermarks'>, nowMs = Date.now()): Promise<{ contentType: string; text: string }> {
    this.tasks.set(processor.taskCount);
    this.watermarkLag.reset();
    for (const { taskId, watermarkMs } of processor.watermarks()) if (watermarkMs > 0) this.watermarkLag.set({ task: taskId }, (nowMs - watermarkMs) / 1000);
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private countCommitted(tally: CheckpointTally): void {
    for (const [key, n] of tally.dlq) {
      const [topic = '', errorType = ''] = key.split(' ');
      this.dlqEvents.inc({ topic, error_type: errorType }, n);
      if (topic === TOPICS.dlqDeserialization) this.deserializationErrors.inc(n);
      else if (topic === TOPICS.dlqProcessingErrors) this.processingErrors.inc(n);
      else if (topic === TOPICS.dlqLateEvents) this.lateEvents.inc(n);
    }
    for (const [severity, n] of tally.alerts) this.alertsFired.inc({ severity }, n);
    this.unknownSymbols.inc(tally.unknownSymbols);
  }
}
