import { describe, expect, it } from 'vitest';
import { MALFORMED_DEFECTS, malformedEvent } from './malformed-event';
import { MarketSimulator } from './market-simulator';
import { SeededRandom } from './seeded-random';
import type { RawTopic, SimEvent } from './sim-event';

// A strict, independent reading of the validation rules (design §3): what a processor must reject.
const SYMBOL = /^[A-Z0-9._/-]{1,32}$/;
const decoder = new TextDecoder('utf-8', { fatal: true });

function isPositive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function isValidRecord(topic: RawTopic, bytes: Uint8Array): boolean {
  let r: unknown;
  try {
    r = JSON.parse(decoder.decode(bytes));
  } catch {
    return false;
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  if (typeof o.symbol !== 'string' || !SYMBOL.test(o.symbol)) return false;
  if (!Number.isSafeInteger(o.timestamp_ms)) return false;
  switch (topic) {
    case 'raw.trades':
      return (
        typeof o.trade_id === 'string' &&
        o.trade_id !== '' &&
        (o.side === 'BUY' || o.side === 'SELL') &&
        (['NEW', 'FILLED', 'PARTIALLY_FILLED', 'CANCELLED', 'REJECTED'] as unknown[]).includes(o.status) &&
        isPositive(o.price) &&
        isPositive(o.quantity)
      );
    case 'raw.marketdata':
      return isPositive(o.bid) && isPositive(o.ask) && isPositive(o.bid_size) && isPositive(o.ask_size);
    case 'raw.orderbook':
      return [o.bids, o.asks].every(
        (side) =>
          Array.isArray(side) &&
          side.every((l: unknown) => typeof l === 'object' && l !== null && !Array.isArray(l) && isPositive((l as Record<string, unknown>).price) && isPositive((l as Record<string, unknown>).quantity)),
      );
  }
}

const encoder = new TextEncoder();
const topicOf = { trade: 'raw.trades', quote: 'raw.marketdata', book: 'raw.orderbook' } as const;

describe('malformedEvent', () => {
  const templates: Exclude<SimEvent, { kind: 'raw' }>[] = [];
  for (const e of new MarketSimulator({ seed: 5 }).take(3000)) if (e.kind !== 'raw') templates.push(e);

  it('templates themselves pass the strict validator (so the validator is not vacuous)', () => {
    for (const t of templates) expect(isValidRecord(topicOf[t.kind], encoder.encode(JSON.stringify(t.value)))).toBe(true);
  });

  it('produces only records a strict validator rejects, with every defect of every topic', () => {
    const rng = new SeededRandom(9);
    const seen: Record<RawTopic, Set<string>> = { 'raw.trades': new Set(), 'raw.marketdata': new Set(), 'raw.orderbook': new Set() };
    for (let i = 0; i < 30_000; i++) {
      const template = templates[i % templates.length]!;
      const bad = malformedEvent(rng, template, `T5-B${i}`);
      expect(bad.topic).toBe(topicOf[template.kind]);
      if (isValidRecord(bad.topic, bad.bytes)) throw new Error(`accepted ${bad.defect}: ${new TextDecoder().decode(bad.bytes)}`);
      seen[bad.topic].add(bad.defect);
    }
    for (const topic of Object.keys(seen) as RawTopic[]) expect([...seen[topic]].sort()).toEqual([...MALFORMED_DEFECTS[topic]].sort());
  });

  it('never reuses the trade id of the valid trade it was derived from and leaves the template intact', () => {
    const rng = new SeededRandom(1);
    const trade = templates.find((t) => t.kind === 'trade')!;
    const before = JSON.stringify(trade.value);
    for (let i = 0; i < 500; i++) {
      const text = new TextDecoder().decode(malformedEvent(rng, trade, 'T5-B1').bytes);
      expect(text).not.toContain(`"${(trade.value as { trade_id: string }).trade_id}"`);
    }
    expect(JSON.stringify(trade.value)).toBe(before);
  });
});
