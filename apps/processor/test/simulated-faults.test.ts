import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '@tickflow/ingestion';
import { ProcessorTask, TOPICS, type OutputSink, type TopicName } from '@tickflow/operators';
import type { RawTrade } from '@tickflow/schemas';

class CountingSink implements OutputSink {
  readonly byTopic = new Map<string, Array<Record<string, unknown>>>();
  emit(topic: TopicName, _key: string | null, value: object): void {
    let list = this.byTopic.get(topic);
    if (!list) this.byTopic.set(topic, (list = []));
    list.push(value as Record<string, unknown>);
  }
  of(topic: string): Array<Record<string, unknown>> {
    return this.byTopic.get(topic) ?? [];
  }
}

describe('simulated feed with bad, late and duplicate events', () => {
  it('routes every valid trade exactly once, rejects every bad or duplicate record into a DLQ, and never throws', () => {
    const sim = new MarketSimulator({ seed: 11, tradesPerSecond: 2000, badShare: 0.05, lateShare: 0.03, duplicateShare: 0.03 });
    const sink = new CountingSink();
    const task = new ProcessorTask(sink, { clock: () => sim.timeMs });
    const validTradeIds = new Set<string>();
    let trades = 0;
    let raw = 0;
    let duplicates = 0;
    for (let offset = 0; offset < 60_000; offset++) {
      const ev = sim.next();
      const pos = { topic: '', partition: 0, offset };
      if (ev.kind === 'trade') {
        trades++;
        if (validTradeIds.has(ev.value.trade_id)) duplicates++;
        validTradeIds.add(ev.value.trade_id);
        task.processTrade(ev.value, { ...pos, topic: TOPICS.rawTrades });
      } else if (ev.kind === 'quote') task.processQuote(ev.value, { ...pos, topic: TOPICS.rawMarketData });
      else if (ev.kind === 'book') task.processBook(ev.value, { ...pos, topic: TOPICS.rawOrderBook });
      else {
        raw++;
        task.processRaw(ev.topic, ev.bytes, { ...pos, topic: ev.topic });
      }
    }
    task.endOfInput();

    const routed = [TOPICS.tradesNew, TOPICS.tradesFilled, TOPICS.tradesCancelled, TOPICS.tradesRejected].flatMap((t) => sink.of(t));
    const routedIds = routed.map((t) => (t as unknown as RawTrade).trade_id);
    expect(new Set(routedIds).size).toBe(routedIds.length); // nothing doubled
    expect(new Set(routedIds)).toEqual(validTradeIds); // nothing valid lost
    expect(raw).toBeGreaterThan(500);
    expect(duplicates).toBeGreaterThan(300);

    const dlq = [TOPICS.dlqDeserialization, TOPICS.dlqValidation, TOPICS.dlqUnroutable].flatMap((t) => sink.of(t));
    expect(dlq.filter((d) => d['error_type'] === 'DUPLICATE')).toHaveLength(duplicates);
    expect(dlq.filter((d) => d['error_type'] !== 'DUPLICATE')).toHaveLength(raw);
    for (const d of dlq) expect(['DESERIALIZATION_ERROR', 'SCHEMA_VIOLATION', 'BUSINESS_RULE_VIOLATION', 'UNROUTABLE', 'DUPLICATE']).toContain(d['error_type']);
    expect(sink.of(TOPICS.dlqProcessingErrors)).toEqual([]);
    expect(trades - duplicates).toBe(validTradeIds.size);

    // Late trades within the allowed lateness correct their windows; later ones are reported, not lost.
    const corrected = sink.of(TOPICS.tradeAggregates).filter((a) => Number(a['version']) > 1);
    expect(corrected.length + sink.of(TOPICS.dlqLateEvents).length).toBeGreaterThan(0);
    expect(sink.of(TOPICS.bars1s).length).toBeGreaterThan(100);
  });
});
