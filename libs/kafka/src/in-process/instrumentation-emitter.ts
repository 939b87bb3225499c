import type { ConsumerEvents, InstrumentationEvent } from 'kafkajs';
import { nonRetriable } from './kafka-errors';
import type { BusLog } from './in-process-kafka-options';

/** kafkajs's consumer event names (`src/consumer/instrumentationEvents.js`), the same strings. */
export const CONSUMER_EVENTS: Readonly<ConsumerEvents> = Object.freeze({
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kafkajs's listener type: the payload depends on the event
type Listener = (event: InstrumentationEvent<any>) => void;

let nextEventId = 0;

/**
 * kafkajs's instrumentation emitter: `on(name, listener)` returns its remover, an unknown name
 * throws, and each emit builds `{ id, type, timestamp, payload }` only when someone listens. A
 * listener that throws or rejects is logged, never propagated into the bus.
 */
export class InstrumentationEmitter {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly names: ReadonlySet<string>;

  constructor(
    events: Readonly<Record<string, string>>,
    private readonly kind: string,
    private readonly log: BusLog,
  ) {
    this.names = new Set(Object.values(events));
  }

  on(eventName: string, listener: Listener): () => void {
    if (!this.names.has(eventName)) {
      throw nonRetriable(`Event name should be one of ${[...this.names].map((n) => `${this.kind}.events.${n}`).join(', ')}`);
    }
    let set = this.listeners.get(eventName);
    if (!set) this.listeners.set(eventName, (set = new Set()));
    // A Set would merge a listener added twice; kafkajs (EventEmitter) calls it twice. Wrap it.
    const entry: Listener = (event) => listener(event);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit(eventName: string, payload: unknown): void {
    const set = this.listeners.get(eventName);
    if (!set || set.size === 0) return;
    const event: InstrumentationEvent<unknown> = { id: String(nextEventId++), type: eventName, timestamp: Date.now(), payload };
    for (const listener of [...set]) {
      try {
        const out = listener(event) as unknown;
        if (out instanceof Promise) out.catch((err: unknown) => this.failed(eventName, err));
      } catch (err) {
        this.failed(eventName, err);
      }
    }
  }

  private failed(eventName: string, err: unknown): void {
    this.log('error', `Failed to execute listener: ${err instanceof Error ? err.message : String(err)}`, { eventName });
  }
}
