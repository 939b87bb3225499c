import { TOPICS, type TopicName } from '@tickflow/operators';

/** `cleanup.policy` of a topic: `delete` drops old segments by retention; `compact` keeps the latest record per key. */
export type CleanupPolicy = 'delete' | 'compact';

/** Layer of the `<layer>.<domain>.<entity>` naming scheme (seed 000 §3.3). */
export type TopicLayer = 'raw' | 'reference' | 'processed' | 'enriched' | 'analytics' | 'ta' | 'alerts' | 'dlq';

/** One topic of the catalogue: what `ensureTopics` creates and what producers key by. */
export interface TopicSpec {
  readonly name: TopicName;
  readonly layer: TopicLayer;
  /** Partition count at creation. The raw topics share one count (co-partitioning). */
  readonly partitions: number;
  /** `retention.ms`; -1 = unbounded (compacted topics keep the latest record per key forever). */
  readonly retentionMs: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** What the record key holds; records with the same key go to the same partition. */
  readonly key: string;
  readonly description: string;
  /**
   * True for `raw.trades`, `raw.marketdata` and `raw.orderbook`: keyed by symbol with the same
   * partition count, so partition N of each holds the same symbols and one processor task reads
   * all of a symbol's streams.
   */
  readonly coPartitioned: boolean;
}

export interface TopicCatalogueOptions {
  /**
   * Partition count shared by the co-partitioned raw topics. The processor runs one task per raw
   * partition, so this caps how many processor instances share the work.
   * @defaultValue {@link DEFAULT_RAW_PARTITIONS}
   */
  rawPartitions?: number;
}

/** Raw-topic partition count of seed 000 §3.1. */
export const DEFAULT_RAW_PARTITIONS = 8;

const DAY_MS = 86_400_000;

type SpecWithoutRaw = Omit<TopicSpec, 'partitions' | 'coPartitioned'> & { partitions: number | 'raw' };

/**
 * Seed 000 §3.1's topic map, plus the topics tickflow adds: `reference.symbols` (compacted
 * reference-data updates), `ta.*` (seed 002) and the `dlq.validation` / `dlq.late-events` DLQs.
 * Partition counts and retention of added topics are ours: ta.* outputs like the analytics layer,
 * DLQs like seed 000's DLQs.
 */
const SPECS: readonly SpecWithoutRaw[] = [
  { name: TOPICS.rawTrades, layer: 'raw', partitions: 'raw', retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'trade events (RawTradeEvent), from the ingestion simulator, replays or outside producers (Avro or JSON)' },
  { name: TOPICS.rawMarketData, layer: 'raw', partitions: 'raw', retentionMs: 3 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'quotes: bid/ask, sizes, last price' },
  { name: TOPICS.rawOrderBook, layer: 'raw', partitions: 'raw', retentionMs: 1 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'order-book snapshots (price levels)' },
  { name: TOPICS.referenceSymbols, layer: 'reference', partitions: 1, retentionMs: -1, cleanupPolicy: 'compact', key: 'symbol', description: 'reference-data updates (sector, industry, cap tier, exchange), latest per symbol; every task reads all of it (broadcast)' },
  { name: TOPICS.tradesNew, layer: 'processed', partitions: 4, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', key: 'order_id', description: 'trades with status NEW' },
  { name: TOPICS.tradesFilled, layer: 'processed', partitions: 4, retentionMs: 14 * DAY_MS, cleanupPolicy: 'delete', key: 'order_id', description: 'trades with status FILLED or PARTIALLY_FILLED' },
  { name: TOPICS.tradesCancelled, layer: 'processed', partitions: 4, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', key: 'order_id', description: 'trades with status CANCELLED' },
  { name: TOPICS.tradesRejected, layer: 'processed', partitions: 2, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', key: 'order_id', description: 'trades with status REJECTED' },
  { name: TOPICS.enrichedTrades, layer: 'enriched', partitions: 4, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'order_id', description: 'filled trades with reference data (sector, industry, cap tier, listed exchange)' },
  { name: TOPICS.tradeAggregates, layer: 'analytics', partitions: 4, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol (the sector for sector-level aggregates)', description: '1m/5m/15m tumbling trade aggregates (TradeAggregate), per symbol and per sector' },
  { name: TOPICS.orderBookMetrics, layer: 'analytics', partitions: 4, retentionMs: 3 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'order-book metrics: spread, mid, spread_bps, depth and imbalance at 5/10/20 levels, delta vs previous' },
  { name: TOPICS.bars1s, layer: 'ta', partitions: 4, retentionMs: 3 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'final 1 s micro-bars (OHLCV, vwap, count), and their late corrections' },
  { name: TOPICS.signals, layer: 'ta', partitions: 4, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'indicators per final bar: EMA12/26, MACD, RSI14, Bollinger, VWAP, realized volatility, spread/imbalance' },
  { name: TOPICS.status, layer: 'ta', partitions: 1, retentionMs: 1 * DAY_MS, cleanupPolicy: 'delete', key: 'task id (input partition)', description: 'per-task heartbeat: watermark lag, last event time, state size' },
  { name: TOPICS.liveBars, layer: 'ta', partitions: 4, retentionMs: 3_600_000, cleanupPolicy: 'delete', key: 'symbol', description: 'provisional (is_final=false) 1 s bar updates for live dashboards, written outside transactions (may repeat after a crash); never stored' },
  { name: TOPICS.priceAlerts, layer: 'alerts', partitions: 2, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', key: 'symbol', description: 'price-movement alerts (PriceAlert) with a stable alert_id' },
  { name: TOPICS.dlqDeserialization, layer: 'dlq', partitions: 2, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'none (the id when one could be read)', description: 'records whose bytes are neither Avro nor JSON of a known schema' },
  { name: TOPICS.dlqUnroutable, layer: 'dlq', partitions: 2, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'trade_id', description: 'trades with an unknown status' },
  { name: TOPICS.dlqValidation, layer: 'dlq', partitions: 2, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'trade_id, or symbol for quotes and books', description: 'schema and business-rule violations, duplicates' },
  { name: TOPICS.dlqProcessingErrors, layer: 'dlq', partitions: 2, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'none', description: 'records whose processing threw' },
  { name: TOPICS.dlqLateEvents, layer: 'dlq', partitions: 2, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete', key: 'trade_id', description: 'events later than the allowed lateness of their windows' },
];

/** The topic catalogue (design §2) with the raw partition count chosen; order: as in {@link TOPICS}' layers. */
export function topicCatalogue(options: TopicCatalogueOptions = {}): readonly TopicSpec[] {
  const rawPartitions = options.rawPartitions ?? DEFAULT_RAW_PARTITIONS;
  if (!Number.isSafeInteger(rawPartitions) || rawPartitions < 1) throw new RangeError(`rawPartitions must be a positive integer, got ${rawPartitions}`);
  return Object.freeze(
    SPECS.map((s): TopicSpec => Object.freeze({ ...s, partitions: s.partitions === 'raw' ? rawPartitions : s.partitions, coPartitioned: s.partitions === 'raw' })),
  );
}

/** The catalogue with {@link DEFAULT_RAW_PARTITIONS}. */
export const TOPIC_CATALOGUE: readonly TopicSpec[] = topicCatalogue();
