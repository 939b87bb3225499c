/**
 * The API's in-process live fan-out: output-topic records become messages on channels, and every
 * transport (the WS feed, GraphQL subscriptions, webhooks) subscribes here. One hub per process; the
 * Kafka fan-out (cluster) or the embedded bus (embedded profile) publishes into it.
 *
 * Channels: `bars.<interval>.<SYMBOL>` (interval 1s, 1m, 5m, 15m), `signals.<SYMBOL>`,
 * `alerts.<SYMBOL>`, `orderbook.<SYMBOL>`. A subscription names a channel exactly, or ends in `.*`
 * for every symbol of a kind (`alerts.*`, `bars.1s.*`).
 */
export type LiveKind = 'bar' | 'signal' | 'alert' | 'orderbook';

export interface LiveMessage {
  channel: string;
  kind: LiveKind;
  /** The record as decoded from its topic (Avro field names, epoch-ms times). */
  data: Record<string, unknown>;
  /** The record's event time, ms. */
  eventTsMs: number;
  /**
   * The envelope's `ingest_ts`: when tickflow first saw the input that produced this record
   * (processing time, ms); 0 or absent when unknown. Transports measure event-to-delivery latency
   * from it (from `eventTsMs` when unknown).
   */
  ingestTsMs?: number;
  /** Processing time at which the hub received it (for event-to-delivery latency), ms. */
  receivedAtMs: number;
}

export type LiveListener = (message: LiveMessage) => void;

/** kind prefix, then a symbol (validation's SYMBOL_PATTERN: may itself hold `.`, `/`, `-`) or `*`. */
const CHANNEL = /^(bars\.(?:1s|1m|5m|15m)|signals|alerts|orderbook)\.(\*|[A-Z0-9][A-Z0-9._/-]{0,31})$/;

/** True when `pattern` is a channel or wildcard the hub knows (`bars.1s.AAPL`, `alerts.*`). */
export function isChannelPattern(pattern: string): boolean {
  return CHANNEL.test(pattern);
}

export class LiveHub {
  private readonly exact = new Map<string, Set<LiveListener>>();
  /** Wildcards by prefix (`alerts.`), checked per message. */
  private readonly wildcard = new Map<string, Set<LiveListener>>();

  /** Listen on a channel or `prefix.*`; returns the unsubscribe function. Throws on an unknown pattern. */
  subscribe(pattern: string, listener: LiveListener): () => void {
    if (!isChannelPattern(pattern)) throw new RangeError(`unknown channel ${JSON.stringify(pattern)}`);
    const isWildcard = pattern.endsWith('.*');
    const map = isWildcard ? this.wildcard : this.exact;
    const key = isWildcard ? pattern.slice(0, -1) : pattern;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) map.delete(key);
    };
  }

  /** Deliver to every matching listener; a throwing listener is isolated from the others. */
  publish(message: LiveMessage): void {
    const exact = this.exact.get(message.channel);
    if (exact) for (const l of exact) deliver(l, message);
    if (this.wildcard.size > 0) {
      const kind = CHANNEL.exec(message.channel)?.[1];
      const wild = kind === undefined ? undefined : this.wildcard.get(`${kind}.`);
      if (wild) for (const l of wild) deliver(l, message);
    }
  }

  /** Listeners currently registered (for metrics and tests). */
  get listenerCount(): number {
    let n = 0;
    for (const s of this.exact.values()) n += s.size;
    for (const s of this.wildcard.values()) n += s.size;
    return n;
  }
}

function deliver(listener: LiveListener, message: LiveMessage): void {
  try {
    listener(message);
  } catch {
    // A transport's bug must not starve the other subscribers; transports log their own errors.
  }
}
