import { describe, expect, it } from 'vitest';
import { RAW_TOPICS, TOPICS } from '@tickflow/operators';
import { DEFAULT_RAW_PARTITIONS, TOPIC_CATALOGUE, topicCatalogue } from './topic-catalogue';

const DAY_MS = 86_400_000;

describe('topic catalogue', () => {
  it('holds exactly the topics of TOPICS, each once', () => {
    const names = TOPIC_CATALOGUE.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.values(TOPICS).sort());
  });

  it('co-partitions the raw topics: same count, keyed by symbol, and only them', () => {
    for (const rawPartitions of [DEFAULT_RAW_PARTITIONS, 1, 12]) {
      const raw = topicCatalogue({ rawPartitions }).filter((t) => t.coPartitioned);
      expect(raw.map((t) => t.name).sort()).toEqual([...RAW_TOPICS].sort());
      expect(raw.every((t) => t.partitions === rawPartitions && t.key === 'symbol' && t.layer === 'raw')).toBe(true);
    }
    expect(DEFAULT_RAW_PARTITIONS).toBe(8);
  });

  it('compacts reference.symbols and only it', () => {
    const compacted = TOPIC_CATALOGUE.filter((t) => t.cleanupPolicy === 'compact').map((t) => t.name);
    expect(compacted).toEqual([TOPICS.referenceSymbols]);
  });

  it.each([
    [TOPICS.rawTrades, 8, 7],
    [TOPICS.rawMarketData, 8, 3],
    [TOPICS.rawOrderBook, 8, 1],
    [TOPICS.tradesNew, 4, 7],
    [TOPICS.tradesFilled, 4, 14],
    [TOPICS.tradesCancelled, 4, 7],
    [TOPICS.tradesRejected, 2, 7],
    [TOPICS.tradeAggregates, 4, 30],
    [TOPICS.orderBookMetrics, 4, 3],
    [TOPICS.enrichedTrades, 4, 30],
    [TOPICS.priceAlerts, 2, 7],
    [TOPICS.dlqUnroutable, 2, 30],
    [TOPICS.dlqDeserialization, 2, 30],
    [TOPICS.dlqProcessingErrors, 2, 30],
  ])('%s follows seed 000 §3.1: %i partitions, %i days', (name, partitions, days) => {
    const spec = TOPIC_CATALOGUE.find((t) => t.name === name);
    expect(spec).toMatchObject({ partitions, retentionMs: days * DAY_MS, cleanupPolicy: 'delete' });
  });

  it('names every topic <layer>.<domain>… after its layer, with a key and positive sizes', () => {
    for (const t of TOPIC_CATALOGUE) {
      expect(t.name.startsWith(`${t.layer}.`)).toBe(true);
      expect(t.key.length).toBeGreaterThan(0);
      expect(Number.isInteger(t.partitions) && t.partitions > 0).toBe(true);
      expect(t.retentionMs === -1 || t.retentionMs > 0).toBe(true);
    }
  });

  it('rejects a raw partition count that is not a positive integer', () => {
    for (const rawPartitions of [0, -1, 1.5, Number.NaN]) expect(() => topicCatalogue({ rawPartitions })).toThrow(RangeError);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(TOPIC_CATALOGUE)).toBe(true);
    expect(Object.isFrozen(TOPIC_CATALOGUE[0])).toBe(true);
  });
});
