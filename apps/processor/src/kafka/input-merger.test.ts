import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TOPICS } from '@tickflow/operators';
import { InputMerger, type InputRecord } from './input-merger';

const INPUTS = [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook] as const;

function records(i: number, times: number[]): InputRecord[] {
  return times.map((tsMs, offset) => ({ topic: INPUTS[i]!, partition: 0, offset, value: Buffer.alloc(0), tsMs }));
}

/** Reference: the stable merge of whole inputs by (ts, input index, offset). */
function referenceOrder(inputs: InputRecord[][]): string[] {
  return inputs
    .flatMap((rs, i) => rs.map((r) => ({ r, i })))
    .sort((a, b) => a.r.tsMs - b.r.tsMs || a.i - b.i || a.r.offset - b.r.offset)
    .map(({ r }) => `${r.topic}@${r.offset}`);
}

describe('InputMerger', () => {
  it('with maxIdleMs, holds the others back for a caught-up empty input until it delivers or the wait expires', () => {
    const m = new InputMerger(INPUTS, [0, 0, 0], 1000);
    m.setCaughtUp(1, true, 4_000);
    m.setCaughtUp(2, true, 4_000);
    const out: string[] = [];
    const take = (r: InputRecord) => out.push(`${r.topic}@${r.tsMs}`);
    m.push(0, records(0, [10, 30]), true, 5_000);
    expect(m.drain(take, Infinity, 5_000)).toBe(0); // quotes and books are waited for…
    expect(m.waitingForIdleInput).toBe(true);
    m.push(1, records(1, [20]), true, 5_200); // …and the quote that arrives in time is merged in order
    m.setCaughtUp(2, true, 5_500);
    expect(m.drain(take, Infinity, 5_500)).toBe(0); // books still within their wait (since 5,000)
    m.setCaughtUp(1, true, 6_000);
    m.setCaughtUp(2, true, 6_000);
    expect(m.drain(take, Infinity, 6_000)).toBe(2); // books waited 1,000 ms: go on without them…
    expect(m.drain(take, Infinity, 6_500)).toBe(0); // …until quotes, empty again since 6,000, hold trades@30
    m.setCaughtUp(1, true, 7_000);
    m.setCaughtUp(2, true, 7_000);
    expect(m.drain(take, Infinity, 7_000)).toBe(1);
    expect(out).toEqual(['raw.trades@10', 'raw.marketdata@20', 'raw.trades@30']);
    expect(m.waitingForIdleInput).toBe(false);
    // Nothing queued: nothing is waiting, and a new wait starts with the next records.
    m.push(0, records(0, [40]).map((r) => ({ ...r, offset: 2 })), true, 60_000);
    expect(m.drain(take, Infinity, 60_000)).toBe(0);
    m.setCaughtUp(1, true, 61_000);
    m.setCaughtUp(2, true, 61_000);
    expect(m.drain(take, Infinity, 61_000)).toBe(1);
  });

  it('an input seen caught up only before the wait (a broker outage, a stalled loop) holds the others however long it lasts', () => {
    const m = new InputMerger(INPUTS, [0, 0, 0], 1000);
    m.setCaughtUp(1, true, 1_000);
    m.setCaughtUp(2, true, 1_000);
    const out: number[] = [];
    m.push(0, records(0, [10, 30]), true, 1_000);
    expect(m.drain((r) => out.push(r.tsMs), Infinity, 1_000)).toBe(0);
    // Ten minutes without a fresh look at quotes and books: their records may be piling up unseen.
    expect(m.drain((r) => out.push(r.tsMs), Infinity, 601_000)).toBe(0);
    // A look at quotes' end finds more in the broker: still waiting, now for the fetch.
    m.setCaughtUp(1, false, 601_100);
    m.setCaughtUp(2, true, 601_100);
    expect(m.drain((r) => out.push(r.tsMs), Infinity, 601_100)).toBe(0);
    m.push(1, records(1, [20]), true, 601_200);
    expect(m.drain((r) => out.push(r.tsMs), Infinity, 601_200)).toBe(2); // trades@30 waits for quotes again
    m.setCaughtUp(1, true, 602_200);
    m.setCaughtUp(2, true, 602_200);
    expect(m.drain((r) => out.push(r.tsMs), Infinity, 602_200)).toBe(1);
    expect(out).toEqual([10, 20, 30]);
  });

  it('waits for an input that is neither queued nor caught up', () => {
    const m = new InputMerger(INPUTS, [0, 0, 0]);
    m.push(0, records(0, [10, 20]), true);
    const out: number[] = [];
    expect(m.drain((r) => out.push(r.tsMs))).toBe(0);
    m.setCaughtUp(1, true);
    m.setCaughtUp(2, true);
    m.drain((r) => out.push(r.tsMs));
    expect(out).toEqual([10, 20]);
    expect(m.nextOffsets).toEqual([2, 0, 0]);
  });

  it('gives the same order however fetches are batched, when all input is in the topics', () => {
    const times = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }).map((a) => [...a].sort((x, y) => x - y));
    fc.assert(
      fc.property(fc.tuple(times, times, times), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }), (ts, cuts) => {
        const inputs = ts.map((t, i) => records(i, t));
        const m = new InputMerger(INPUTS, [0, 0, 0]);
        const pos = [0, 0, 0];
        const out: string[] = [];
        let round = 0;
        while (pos.some((p, i) => p < inputs[i]!.length) || m.pending > 0) {
          for (let i = 0; i < 3; i++) {
            const n = cuts[(round + i) % cuts.length]!;
            const batch = inputs[i]!.slice(pos[i], pos[i]! + n);
            pos[i] = pos[i]! + batch.length;
            m.push(i, batch, pos[i] === inputs[i]!.length);
          }
          m.drain((r) => out.push(`${r.topic}@${r.offset}`), cuts[round % cuts.length]! * 2);
          round++;
        }
        expect(out).toEqual(referenceOrder(inputs));
        expect(m.nextOffsets).toEqual(inputs.map((rs) => rs.length));
      }),
      { numRuns: 300 },
    );
  });
});
