import { TOPICS } from '@tickflow/operators';
import type { EventName, MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import type { LiveKind, LiveMessage } from './live-hub';

/**
 * The output topics the live feed reads (design §3, §5): provisional 1 s bars (`ta.live.v1`,
 * is_final=false), final 1 s bars, signals, price alerts, order-book metrics, and the 1m/5m/15m
 * trade aggregates (per-symbol rows are the bars of those intervals).
 */
export const LIVE_TOPICS = [TOPICS.liveBars, TOPICS.bars1s, TOPICS.signals, TOPICS.priceAlerts, TOPICS.orderBookMetrics, TOPICS.tradeAggregates] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

/** The record type of each live topic. */
export interface LiveTopicRecords {
  [TOPICS.liveBars]: MicroBar;
  [TOPICS.bars1s]: MicroBar;
  [TOPICS.signals]: Signal;
  [TOPICS.priceAlerts]: PriceAlert;
  [TOPICS.orderBookMetrics]: OrderBookMetrics;
  [TOPICS.tradeAggregates]: TradeAggregate;
}
export type LiveRecord = LiveTopicRecords[LiveTopic];

/** The Avro event written to each live topic (as the processor's output encoder maps them). */
export const LIVE_EVENT_OF_TOPIC: { readonly [T in LiveTopic]: EventName } = {
  [TOPICS.liveBars]: 'MicroBar',
  [TOPICS.bars1s]: 'MicroBar',
  [TOPICS.signals]: 'Signal',
  [TOPICS.priceAlerts]: 'PriceAlert',
  [TOPICS.orderBookMetrics]: 'OrderBookMetrics',
  [TOPICS.tradeAggregates]: 'TradeAggregate',
};

const LIVE_TOPIC_SET: ReadonlySet<string> = new Set(LIVE_TOPICS);

export function isLiveTopic(topic: string): topic is LiveTopic {
  return LIVE_TOPIC_SET.has(topic);
}

/** Channel names cached per symbol up to this many per prefix; past it they are built per record. */
const MAX_CACHED_SYMBOLS = 20_000;

/**
 * Output records → hub messages: the channel from the topic and the record's symbol
 * (`bars.1s.AAPL`, `signals.AAPL`, `alerts.AAPL`, `orderbook.AAPL`, `bars.1m.AAPL`). Pure apart
 * from its channel-name cache; the Kafka fan-out and the embedded bus both use it.
 */
export class LiveRecordMapper {
  private readonly channelCache = new Map<string, Map<string, string>>();

  /**
   * The hub message for a decoded record of `topic`, or null when the record has no live channel
   * (sector-level aggregates). `data` is the record itself, not a copy.
   * @param receivedAtMs processing time at which the API received the record, ms
   */
  toMessage<T extends LiveTopic>(topic: T, record: LiveTopicRecords[T], receivedAtMs: number): LiveMessage | null {
    let kind: LiveKind;
    let prefix: string;
    switch (topic) {
      case TOPICS.liveBars:
      case TOPICS.bars1s:
        kind = 'bar';
        prefix = 'bars.1s.';
        break;
      case TOPICS.signals:
        kind = 'signal';
        prefix = 'signals.';
        break;
      case TOPICS.priceAlerts:
        kind = 'alert';
        prefix = 'alerts.';
        break;
      case TOPICS.orderBookMetrics:
        kind = 'orderbook';
        prefix = 'orderbook.';
        break;
      case TOPICS.tradeAggregates: {
        const agg = record as TradeAggregate;
        if (agg.scope !== 'symbol') return null;
        kind = 'bar';
        prefix = agg.window_size === '1m' ? 'bars.1m.' : agg.window_size === '5m' ? 'bars.5m.' : agg.window_size === '15m' ? 'bars.15m.' : '';
        if (prefix === '') return null;
        break;
      }
      default:
        return null;
    }
    return {
      channel: this.channel(prefix, record.symbol),
      kind,
      data: record as unknown as Record<string, unknown>,
      eventTsMs: record.event_ts,
      ingestTsMs: record.ingest_ts,
      receivedAtMs,
    };
  }

  private channel(prefix: string, symbol: string): string {
    let bySymbol = this.channelCache.get(prefix);
    if (bySymbol === undefined) this.channelCache.set(prefix, (bySymbol = new Map()));
    let channel = bySymbol.get(symbol);
    if (channel === undefined) {
      channel = prefix + symbol;
      if (bySymbol.size < MAX_CACHED_SYMBOLS) bySymbol.set(symbol, channel);
    }
    return channel;
  }
}
