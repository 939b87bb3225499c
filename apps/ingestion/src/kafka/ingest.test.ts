import { describe, expect, it } from 'vitest';
import type { ProducerEvent } from './market-data-producer';
import { EventTimePacer, type PacingClock } from './recorded-file-source';
import { pumpEvents, runIngest } from './ingest';
import type { Kafka } from 'kafkajs';

function fakeClock(start: number): PacingClock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep(ms) {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const quoteAt = (ts: number): ProducerEvent => ({
  kind: 'quote',
  value: { symbol: 'AAA', timestamp_ms: ts, bid: 1, bid_size: 1, ask: 2, ask_size: 1, last: null, exchange: 'X', event_ts: ts, ingest_ts: ts, seq: 0, source: 't', correlation_id: 'c', version: 1 },
});
const tsOf = (e: ProducerEvent): number => (e.kind === 'raw' ? Number.NaN : e.value.timestamp_ms);

describe('pumpEvents', () => {
  it('unpaced: batches of batchSize, the rest at the end', async () => {
    const sent: number[][] = [];
    const events = [1, 2, 3, 4, 5, 6, 7].map(quoteAt);
    await pumpEvents(events, async (b) => void sent.push(b.map(tsOf)), { batchSize: 3 });
    expect(sent).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('paced: sends what is due before sleeping until the next event is due', async () => {
    const clock = fakeClock(10_000);
    const pacer = new EventTimePacer({ speed: 2, clock });
    const log: string[] = [];
    const recording: PacingClock = { now: clock.now, sleep: (ms) => (log.push(`sleep ${ms}`), clock.sleep(ms)) };
    // Event times: 0, 0, 1 (sleep skipped: 0.5 ms < 2), 1000 (due 500 ms later), 900 (late: due), 3000.
    const events = [0, 0, 1, 1000, 900, 3000].map(quoteAt);
    await pumpEvents(events, async (b) => void log.push(`send ${b.map(tsOf).join(',')}`), { pacer, batchSize: 100, clock: recording });
    expect(log).toEqual(['send 0,0,1', 'sleep 500', 'send 1000,900', 'sleep 1000', 'send 3000']);
  });

  it('stops at the deadline, also during a wait, without sending the event it waited for', async () => {
    const clock = fakeClock(0);
    const pacer = new EventTimePacer({ speed: 1, clock, originEventMs: 0, originWallMs: 0 });
    const sent: number[] = [];
    await pumpEvents([0, 100, 5000, 6000].map(quoteAt), async (b) => void sent.push(...b.map(tsOf)), { pacer, batchSize: 10, clock, deadline: 1000 });
    expect(sent).toEqual([0, 100]);
    expect(clock.sleeps).toEqual([100, 900]);
  });

  it('stops when the signal aborts', async () => {
    const stop = new AbortController();
    const sent: number[] = [];
    function* endless(): Generator<ProducerEvent> {
      for (let i = 0; ; i++) {
        if (i === 25) stop.abort();
        yield quoteAt(i);
      }
    }
    await pumpEvents(endless(), async (b) => void sent.push(...b.map(tsOf)), { batchSize: 10, signal: stop.signal });
    expect(sent).toHaveLength(25);
  });
});

describe('runIngest', () => {
  // Any use of this client fails the test: bad options must be refused before any I/O.
  const untouchable = new Proxy({}, { get: () => () => { throw new Error('kafka used'); } }) as unknown as Kafka;

  it.each([
    [{ mode: 'simulate', kafka: untouchable, simulator: { badShare: 2 } }, /badShare/],
    [{ mode: 'simulate', kafka: untouchable, count: -1 }, /count/],
    [{ mode: 'simulate', kafka: untouchable, batchSize: 0 }, /batchSize/],
    [{ mode: 'replay', kafka: untouchable, files: {}, speed: -1 }, /speed/],
  ] as const)('refuses bad options before touching Kafka (%#)', async (options, message) => {
    await expect(runIngest(options)).rejects.toThrow(message);
  });
});
