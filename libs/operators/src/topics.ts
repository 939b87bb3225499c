/** The topic catalogue of design §2: names only; partitions and retention belong to the Kafka admin. */
export const TOPICS = {
  rawTrades: 'raw.trades',
  rawMarketData: 'raw.marketdata',
  rawOrderBook: 'raw.orderbook',
  referenceSymbols: 'reference.symbols',
  tradesNew: 'processed.trades.new',
  tradesFilled: 'processed.trades.filled',
  tradesCancelled: 'processed.trades.cancelled',
  tradesRejected: 'processed.trades.rejected',
  enrichedTrades: 'enriched.trades',
  tradeAggregates: 'analytics.trade-aggregates',
  orderBookMetrics: 'analytics.orderbook',
  bars1s: 'ta.bars.1s.v1',
  signals: 'ta.signals.v1',
  status: 'ta.status.v1',
  /** Provisional (is_final=false) bar updates for dashboards: sent outside transactions, never stored. */
  liveBars: 'ta.live.v1',
  priceAlerts: 'alerts.price-movement',
  dlqDeserialization: 'dlq.deserialization',
  dlqUnroutable: 'dlq.trades.unroutable',
  dlqValidation: 'dlq.validation',
  dlqProcessingErrors: 'dlq.processing-errors',
  dlqLateEvents: 'dlq.late-events',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
export type RawTopic = typeof TOPICS.rawTrades | typeof TOPICS.rawMarketData | typeof TOPICS.rawOrderBook;
export const RAW_TOPICS: readonly RawTopic[] = [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook];
