import { encode, type EventName } from '@tickflow/schemas';
import { TOPICS, type TopicName } from '@tickflow/operators';

/** The Avro event type written to each output topic (design §2). */
const EVENT_OF_TOPIC: Partial<Record<TopicName, EventName>> = {
  [TOPICS.tradesNew]: 'RawTrade',
  [TOPICS.tradesFilled]: 'RawTrade',
  [TOPICS.tradesCancelled]: 'RawTrade',
  [TOPICS.tradesRejected]: 'RawTrade',
  [TOPICS.enrichedTrades]: 'EnrichedTrade',
  [TOPICS.tradeAggregates]: 'TradeAggregate',
  [TOPICS.orderBookMetrics]: 'OrderBookMetrics',
  [TOPICS.bars1s]: 'MicroBar',
  [TOPICS.liveBars]: 'MicroBar',
  [TOPICS.signals]: 'Signal',
  [TOPICS.status]: 'StatusHeartbeat',
  [TOPICS.priceAlerts]: 'PriceAlert',
  [TOPICS.dlqDeserialization]: 'DlqRecord',
  [TOPICS.dlqUnroutable]: 'DlqRecord',
  [TOPICS.dlqValidation]: 'DlqRecord',
  [TOPICS.dlqProcessingErrors]: 'DlqRecord',
  [TOPICS.dlqLateEvents]: 'DlqRecord',
};

/** Encodes an output record for `topic` as Avro single-object bytes. */
export function encodeOutput(topic: TopicName, value: object): Buffer {
  const event = EVENT_OF_TOPIC[topic];
  if (!event) throw new Error(`no event schema is mapped to output topic ${topic}`);
  return encode(event, value as never);
}

export function eventOfTopic(topic: TopicName): EventName | undefined {
  return EVENT_OF_TOPIC[topic];
}
