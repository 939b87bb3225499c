import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LiveKind } from './live-hub';
import { CloseCode } from './live-protocol';

const KINDS: readonly LiveKind[] = ['bar', 'signal', 'alert', 'orderbook'];

/**
 * The live path's metrics, one set per registry: the Kafka fan-out and every transport share them
 * (`LiveMetrics.of(registry)`), so registering twice cannot collide.
 *
 * `live_event_to_delivery_seconds` runs from the record's envelope `ingest_ts` — when tickflow first
 * saw the input that produced it, i.e. its produce time into the raw topic — to the moment the
 * message is written to a client's socket; from its event time when `ingest_ts` is 0 (unknown).
 * It therefore covers processor, Kafka, fan-out and the WS batching delay, and is only meaningful
 * when the clocks of the ingesting and API hosts agree.
 */
export class LiveMetrics {
  private static readonly byRegistry = new WeakMap<Registry, LiveMetrics>();

  static of(registry: Registry): LiveMetrics {
    let m = LiveMetrics.byRegistry.get(registry);
    if (m === undefined) LiveMetrics.byRegistry.set(registry, (m = new LiveMetrics(registry)));
    return m;
  }

  /** Messages published to the hub, by kind (one child per kind, resolved once). */
  readonly messages: Readonly<Record<LiveKind, { inc(n?: number): void }>>;
  readonly undecodable: Counter<'topic'>;
  readonly eventToDelivery: Histogram;
  readonly connections: Gauge;
  readonly closes: Counter<'reason'>;

  private constructor(registry: Registry) {
    const messages = new Counter({ name: 'live_messages_total', help: 'Output records published to the live hub, by kind', labelNames: ['kind'] as const, registers: [registry] });
    this.messages = Object.fromEntries(KINDS.map((k) => [k, messages.labels(k)])) as unknown as Record<LiveKind, { inc(n?: number): void }>;
    this.undecodable = new Counter({ name: 'live_undecodable_records_total', help: 'Output-topic records the live fan-out could not decode (skipped), by topic', labelNames: ['topic'] as const, registers: [registry] });
    this.eventToDelivery = new Histogram({
      name: 'live_event_to_delivery_seconds',
      help: 'Input ingest time (envelope ingest_ts; event time when unknown) to the live message being written to a client socket',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.connections = new Gauge({ name: 'live_ws_connections', help: 'Open WS /v1/stream connections (authenticated or not)', registers: [registry] });
    this.closes = new Counter({ name: 'live_ws_closes_total', help: 'WS /v1/stream connections closed by the server, by reason', labelNames: ['reason'] as const, registers: [registry] });
  }

  /** Counts a server-side close under the close code's name (`SlowConsumer`, `AuthTimeout`, …). */
  closed(code: CloseCode): void {
    this.closes.inc({ reason: CloseCode[code] ?? String(code) });
  }
}
