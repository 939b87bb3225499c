import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventTimePacer, readRecordedFiles, recordedLineToEvent, type PacingClock, type RecordedLine } from './recorded-file-source';

const dir = mkdtempSync(join(tmpdir(), 'tickflow-recorded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[], eol = '\n'): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}

const trade = (id: string, symbol: string, ts: number): string =>
  JSON.stringify({ trade_id: id, order_id: `O-${id}`, symbol, side: 'BUY', quantity: 1, price: 10, status: 'FILLED', exchange: 'X', trader_id: '', account_id: '', timestamp_ms: ts, event_type: 'TRADE' });
const quote = (symbol: string, ts: number): string => JSON.stringify({ symbol, timestamp_ms: ts, bid: 9.5, bid_size: 1, ask: 10.5, ask_size: 2, exchange: 'X' });
const book = (symbol: string, ts: number): string =>
  JSON.stringify({ symbol, timestamp_ms: ts, bids: [{ price: 9, quantity: 1 }], asks: [{ price: 11, quantity: 1 }], exchange: 'X' });

async function collect(it: AsyncIterable<RecordedLine>): Promise<RecordedLine[]> {
  const out: RecordedLine[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readRecordedFiles', () => {
  it('merges by timestamp_ms, stable: ties go trades, quotes, books, and each file keeps its order', async () => {
    const trades = file('t.ndjson', [trade('t1', 'AAA', 100), trade('t2', 'BBB', 200), trade('t3', 'AAA', 200), trade('t4', 'AAA', 300)]);
    const quotes = file('q.ndjson', [quote('AAA', 50), quote('AAA', 200), quote('BBB', 200), quote('AAA', 250)], '\r\n');
    const books = file('b.ndjson', [book('AAA', 200), '', book('AAA', 400)]);
    const lines = await collect(readRecordedFiles({ trades, quotes, books }));
    expect(lines.map((l) => `${l.topic}@${l.tsMs}#${l.offset}`)).toEqual([
      'raw.marketdata@50#0',
      'raw.trades@100#0',
      'raw.trades@200#1',
      'raw.trades@200#2',
      'raw.marketdata@200#1',
      'raw.marketdata@200#2',
      'raw.orderbook@200#0',
      'raw.marketdata@250#3',
      'raw.trades@300#3',
      'raw.orderbook@400#2', // the empty line 1 is skipped, offsets stay line numbers
    ]);
    // CRLF is stripped; the bytes are the line exactly.
    expect(lines[0]?.bytes.toString()).toBe(quote('AAA', 50));
    expect(lines.map((l) => l.symbol)).toEqual(['AAA', 'AAA', 'BBB', 'AAA', 'AAA', 'BBB', 'AAA', 'AAA', 'AAA', 'AAA']);
  });

  it('keeps a line without timestamp where it is: it takes the previous line’s time', async () => {
    const trades = file('g.ndjson', [trade('t1', 'AAA', 100), 'garbage, not json', '{"symbol":"AAA","price":', trade('t2', 'AAA', 300)]);
    const quotes = file('gq.ndjson', [quote('AAA', 150)]);
    const lines = await collect(readRecordedFiles({ trades, quotes }));
    expect(lines.map((l) => [l.topic, l.offset, l.tsMs, l.symbol])).toEqual([
      ['raw.trades', 0, 100, 'AAA'],
      ['raw.trades', 1, 100, null],
      ['raw.trades', 2, 100, 'AAA'],
      ['raw.marketdata', 0, 150, 'AAA'],
      ['raw.trades', 3, 300, 'AAA'],
    ]);
  });

  it('yields nothing for no files', async () => {
    expect(await collect(readRecordedFiles({}))).toEqual([]);
  });
});

describe('recordedLineToEvent', () => {
  const line = (topic: RecordedLine['topic'], text: string, tsMs = 100, symbol: string | null = 'AAA'): RecordedLine => ({ topic, offset: 0, bytes: Buffer.from(text), tsMs, symbol });

  it('Avro mode: decodes valid lines of each topic into typed events with the envelope defaults', () => {
    const t = recordedLineToEvent(line('raw.trades', trade('t1', 'AAA', 100)), 'avro');
    expect(t).toMatchObject({ kind: 'trade', value: { trade_id: 't1', symbol: 'AAA', timestamp_ms: 100, event_ts: 100, correlation_id: 't1' } });
    expect(recordedLineToEvent(line('raw.marketdata', quote('AAA', 100)), 'avro')).toMatchObject({ kind: 'quote', value: { bid: 9.5, last: null } });
    expect(recordedLineToEvent(line('raw.orderbook', book('AAA', 100)), 'avro')).toMatchObject({ kind: 'book', value: { bids: [{ price: 9, quantity: 1 }] } });
  });

  it('Avro mode: a line that does not decode goes out as its bytes, with the line’s key and time', () => {
    const bad = line('raw.trades', '{"symbol":"AAA","price":-1}', 123, 'AAA');
    const e = recordedLineToEvent(bad, 'avro');
    expect(e).toEqual({ kind: 'raw', topic: 'raw.trades', bytes: bad.bytes, symbol: 'AAA', tsMs: 123 });
    // A quote line on the trades topic is not a trade either.
    expect(recordedLineToEvent(line('raw.trades', quote('AAA', 100)), 'avro').kind).toBe('raw');
  });

  it('JSON mode: every line is sent as its bytes', () => {
    const l = line('raw.marketdata', quote('AAA', 100));
    expect(recordedLineToEvent(l, 'json')).toEqual({ kind: 'raw', topic: 'raw.marketdata', bytes: l.bytes, symbol: 'AAA', tsMs: 100 });
    expect(recordedLineToEvent(line('raw.trades', 'x', -Infinity, null), 'json')).toEqual({ kind: 'raw', topic: 'raw.trades', bytes: Buffer.from('x'), symbol: null, tsMs: undefined });
  });
});

/** A clock that only moves when told to; `sleep` advances it and records the request. */
function fakeClock(start = 1_000_000): PacingClock & { sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    sleep(ms) {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('EventTimePacer', () => {
  it('speed 0 never waits', () => {
    const pacer = new EventTimePacer({ speed: 0, clock: fakeClock() });
    expect(pacer.delayMs(0)).toBe(0);
    expect(pacer.delayMs(1e12)).toBe(0);
  });

  it('speed k: an event Δ after the first is due Δ/k after the first call', () => {
    const clock = fakeClock();
    const pacer = new EventTimePacer({ speed: 4, clock });
    expect(pacer.delayMs(5_000)).toBe(0); // the first event sets the origin
    expect(pacer.delayMs(7_000)).toBe(500);
    clock.advance(200);
    expect(pacer.delayMs(7_000)).toBe(300);
    expect(pacer.delayMs(5_400)).toBe(-100); // behind the clock: due now
    clock.advance(1_000);
    expect(pacer.delayMs(9_000)).toBe(-200); // a slow consumer never accumulates waits
  });

  it('real time with a given origin (the live simulator: event time = wall time)', () => {
    const clock = fakeClock(50_000);
    const pacer = new EventTimePacer({ speed: 1, clock, originEventMs: 50_000, originWallMs: 50_000 });
    expect(pacer.delayMs(50_250)).toBe(250);
    expect(pacer.delayMs(49_000)).toBe(-1_000); // a late trade goes out at once
  });

  it('half speed doubles the gaps, and ignores non-finite times', () => {
    const pacer = new EventTimePacer({ speed: 0.5, clock: fakeClock() });
    pacer.delayMs(0);
    expect(pacer.delayMs(100)).toBe(200);
    expect(pacer.delayMs(Number.NaN)).toBe(0);
    expect(pacer.delayMs(-Infinity)).toBe(0);
  });

  it('rejects a negative or non-finite speed', () => {
    expect(() => new EventTimePacer({ speed: -1 })).toThrow(/speed/);
    expect(() => new EventTimePacer({ speed: Infinity })).toThrow(/speed/);
    expect(() => new EventTimePacer({ speed: Number.NaN })).toThrow(/speed/);
  });
});
