import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { T0, enrichedTrade, microBar, orderBookMetrics, priceAlert, signal, tradeAggregate } from '../test/fixtures';
import { ClickHouseError } from './errors';
import { STORED_EVENTS, microBarRow, orderBookMetricsRow, priceAlertRow, toStoredRow } from './row-mappers';

const AVRO_DIR = new URL('../../schemas/avro/', import.meta.url);
/** Avro fields holding epoch ms, and the DateTime64 column each becomes. */
const RENAMED: Record<string, string> = { timestamp_ms: 'timestamp', prev_timestamp_ms: 'prev_timestamp', window_start_ms: 'window_start', detected_at_ms: 'detected_at' };
const TIME_COLUMNS = new Set(['window_start', 'window_end', 'event_ts', 'ingest_ts', 'computed_at', 'timestamp', 'prev_timestamp', 'detected_at']);
const DATETIME64_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

const SAMPLES = {
  MicroBar: microBar(T0),
  Signal: signal,
  TradeAggregate: tradeAggregate,
  OrderBookMetrics: orderBookMetrics,
  PriceAlert: priceAlert,
  EnrichedTrade: enrichedTrade(),
} as const;

describe.each(Object.keys(STORED_EVENTS) as (keyof typeof STORED_EVENTS)[])('%s row', (name) => {
  const { toRow } = STORED_EVENTS[name];
  const event = SAMPLES[name];
  const row = (toRow as unknown as (e: unknown) => Record<string, unknown>)(event);

  it('has a column for every Avro field (epoch-ms fields renamed without _ms), and nothing else', () => {
    const avsc = JSON.parse(readFileSync(new URL(`${name}.avsc`, AVRO_DIR), 'utf8')) as { fields: { name: string }[] };
    const expected = avsc.fields.map((f) => RENAMED[f.name] ?? f.name).sort();
    expect(Object.keys(row).sort()).toEqual(expected);
  });

  it('sends every timestamp as DateTime64 text, never as a number', () => {
    for (const [col, value] of Object.entries(row)) {
      if (TIME_COLUMNS.has(col) && value !== null) expect(value, col).toMatch(DATETIME64_TEXT);
    }
  });

  it('copies every other value unchanged', () => {
    const source = event as unknown as Record<string, unknown>;
    for (const [col, value] of Object.entries(row)) {
      if (!TIME_COLUMNS.has(col)) expect(value, col).toBe(source[col]);
    }
  });

  it('is what toStoredRow(name, event) gives', () => {
    expect(toStoredRow(name, event as never)).toEqual(row);
  });

  it('is pure: the same event gives an equal row, and the event is not modified', () => {
    const before = JSON.stringify(event);
    expect((toRow as unknown as (e: unknown) => unknown)(event)).toEqual(row);
    expect(JSON.stringify(event)).toBe(before);
  });
});

describe('timestamps', () => {
  it('keeps the millisecond', () => {
    const r = microBarRow(microBar(Date.UTC(2030, 6, 4, 9, 0, 59, 999), { ingest_ts: Date.UTC(2024, 0, 1, 0, 0, 0, 1) }));
    expect(r.window_start).toBe('2030-07-04 09:00:59.999');
    expect(r.window_end).toBe('2030-07-04 09:01:00.999');
    expect(r.ingest_ts).toBe('2024-01-01 00:00:00.001');
    expect(orderBookMetricsRow(orderBookMetrics).prev_timestamp).toBe('2024-01-02 14:29:59.873');
    expect(orderBookMetricsRow({ ...orderBookMetrics, prev_timestamp_ms: null }).prev_timestamp).toBeNull();
    expect(priceAlertRow(priceAlert)).toMatchObject({ window_start: '2024-01-02 14:28:00.123', detected_at: '2024-01-02 14:30:00.123' });
  });

  it.each([
    ['a fractional ms', 1.5],
    ['a year past 2299', Date.UTC(2300, 0, 1)],
    ['microseconds passed as ms (year 55,000)', T0 * 1000],
  ])('rejects %s with CH_ROW_INVALID naming the column', (_name, ms) => {
    const run = () => microBarRow(microBar(T0, { window_end: ms }));
    expect(run).toThrow(ClickHouseError);
    expect(run).toThrow(/^micro_bars\.window_end: expected integer epoch ms within 1900–2299/);
  });
});
