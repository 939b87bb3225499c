import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TOPICS } from '@tickflow/operators';
import type { CheckpointTally, KafkaProcessor, KafkaProcessorOptions } from './kafka-processor';

type Hooks = Pick<KafkaProcessorOptions, 'onCheckpoint' | 'onOutputs' | 'onCommitted' | 'onFetched' | 'onCheckpointFailed' | 'onCommitLatency'>;

/** The metric objects, registered into `registry`; `refresh` updates the per-task gauges at collection. */
function processorMetricSet(registry: Registry, refresh: () => void) {
  return {
    recordsIn: new Counter({ name: 'tickflow_records_in_total', help: 'Input records fetched, by topic (re-reads after a restart included)', labelNames: ['topic'], registers: [registry] }),
    recordsOut: new Counter({ name: 'tickflow_records_out_total', help: 'Output records committed, by topic', labelNames: ['topic'], registers: [registry] }),
    dlqEvents: new Counter({ name: 'tickflow_dlq_events_total', help: 'Records committed to a DLQ, by DLQ topic and error type', labelNames: ['topic', 'error_type'], registers: [registry] }),
    deserializationErrors: new Counter({ name: 'tickflow_deserialization_errors_total', help: 'Input records that did not decode (committed to dlq.deserialization)', registers: [registry] }),
    processingErrors: new Counter({ name: 'tickflow_processing_errors_total', help: 'Input records whose processing threw (committed to dlq.processing-errors)', registers: [registry] }),
    lateEvents: new Counter({ name: 'tickflow_late_events_total', help: 'Events later than the allowed lateness (committed to dlq.late-events)', registers: [registry] }),
    alertsFired: new Counter({ name: 'tickflow_price_alerts_fired_total', help: 'Price alerts committed, by severity', labelNames: ['severity'], registers: [registry] }),
    unknownSymbols: new Counter({ name: 'tickflow_unknown_symbol_trades_total', help: 'Enriched trades committed with UNKNOWN reference fields (symbol not in reference data)', registers: [registry] }),
    consumerLag: new Gauge({ name: 'tickflow_consumer_lag_records', help: 'Records behind the high watermark after the last fetch, by input topic and partition', labelNames: ['topic', 'partition'], registers: [registry] }),
    // Collected before `tasks` (registration order): refreshes both from the tracked processor.
    watermarkLag: new Gauge({ name: 'tickflow_watermark_lag_seconds', help: 'Wall clock minus the task event-time watermark (large for replays of old data)', labelNames: ['task'], registers: [registry], collect: refresh }),
    checkpointSeconds: new Histogram({ name: 'tickflow_checkpoint_duration_seconds', help: 'Snapshot + transaction commit time per task checkpoint', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    checkpointBytes: new Gauge({ name: 'tickflow_checkpoint_size_bytes', help: 'Size of the last task snapshot', labelNames: ['task'], registers: [registry] }),
    checkpointFailures: new Counter({ name: 'tickflow_checkpoint_failures_total', help: 'Failed checkpoints; fenced = a newer owner took the task (expected after a rebalance)', labelNames: ['fenced'], registers: [registry] }),
    commitLatency: new Histogram({
      name: 'tickflow_input_to_commit_seconds',
      help: 'Input produced (Kafka timestamp of the oldest record a checkpoint covers) → its outputs committed; includes the checkpoint interval',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers: [registry],
    }),
    tasks: new Gauge({ name: 'tickflow_tasks', help: 'Tasks (partitions) owned by this instance', registers: [registry] }),
  };
}

export interface ProcessorMetricsOptions {
  /** Register into this registry (the embedded profile shares the API's). @defaultValue a new one */
  registry?: Registry;
  /** Also collect Node's default process metrics (off when the registry's owner already does). @defaultValue true */
  defaultMetrics?: boolean;
}

type TrackedProcessor = Pick<KafkaProcessor, 'taskCount' | 'watermarks'>;

/**
 * The processor's Prometheus metrics (design §6, names prefixed `tickflow_`). Output counts come from
 * committed checkpoints, so they are exact under exactly-once: an aborted transaction counts nothing.
 * Input counts and lag come from fetches and so include re-reads after a restart.
 */
export class ProcessorMetrics {
  readonly registry: Registry;
  /** The processor whose per-task gauges are refreshed at every collection. */
  private tracked: TrackedProcessor | null = null;
  /** The clock of the `scrape` in progress (tests pass theirs); the wall clock otherwise. */
  private scrapeNowMs: number | null = null;
  private readonly m: ReturnType<typeof processorMetricSet>;

  constructor(opts: ProcessorMetricsOptions = {}) {
    this.registry = opts.registry ?? new Registry();
    this.m = processorMetricSet(this.registry, () => this.refreshTaskGauges(this.scrapeNowMs ?? Date.now()));
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Refresh the task and watermark-lag gauges from `processor` whenever the registry is collected. */
  track(processor: TrackedProcessor): void {
    this.tracked = processor;
  }

  hooks(): Hooks {
    return {
      onCheckpoint: (task, ms, bytes) => {
        this.m.checkpointSeconds.observe(ms / 1000);
        this.m.checkpointBytes.set({ task }, bytes);
      },
      onOutputs: (topic, n) => this.m.recordsOut.inc({ topic }, n),
      onCommitted: (_task, tally) => this.countCommitted(tally),
      onFetched: (topic, partition, records, lag) => {
        this.m.recordsIn.inc({ topic }, records);
        this.m.consumerLag.set({ topic, partition: String(partition) }, lag);
      },
      onCheckpointFailed: (_task, fenced) => this.m.checkpointFailures.inc({ fenced: String(fenced) }),
      onCommitLatency: (_task, ms) => this.m.commitLatency.observe(ms / 1000),
    };
  }

  /** The exposition text, with the per-task gauges refreshed first. */
  async scrape(processor: TrackedProcessor, nowMs = Date.now()): Promise<{ contentType: string; text: string }> {
    this.tracked = processor;
    this.scrapeNowMs = nowMs;
    try {
      return { contentType: this.registry.contentType, text: await this.registry.metrics() };
    } finally {
      this.scrapeNowMs = null;
    }
  }

  private refreshTaskGauges(nowMs: number): void {
    const processor = this.tracked;
    if (!processor) return;
    this.m.tasks.set(processor.taskCount);
    this.m.watermarkLag.reset();
    for (const { taskId, watermarkMs } of processor.watermarks()) if (watermarkMs > 0) this.m.watermarkLag.set({ task: taskId }, (nowMs - watermarkMs) / 1000);
  }

  private countCommitted(tally: CheckpointTally): void {
    for (const [key, n] of tally.dlq) {
      const [topic = '', errorType = ''] = key.split(' ');
      this.m.dlqEvents.inc({ topic, error_type: errorType }, n);
      if (topic === TOPICS.dlqDeserialization) this.m.deserializationErrors.inc(n);
      else if (topic === TOPICS.dlqProcessingErrors) this.m.processingErrors.inc(n);
      else if (topic === TOPICS.dlqLateEvents) this.m.lateEvents.inc(n);
    }
    for (const [severity, n] of tally.alerts) this.m.alertsFired.inc({ severity }, n);
    this.m.unknownSymbols.inc(tally.unknownSymbols);
  }
}
