import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORED_EVENTS, microBarRow, openTestClickHouse, runMigrations } from '@tickflow/clickhouse';
import type { ClickHouse, TestClickHouse } from '@tickflow/clickhouse';
import { T0, enrichedTrade, microBar, orderBookMetrics, priceAlert, signal, tradeAggregate } from './fixtures';

let t: TestClickHouse;
let ch: ClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse();
  ch = t.ch;
  await runMigrations(ch);
});
afterAll(async () => {
  await t?.dispose();
});

/** Rows of `symbol` as the API would read them: FINAL, filtered on the sort key. */
async function bars(symbol: string): Promise<{ ms: number; text: string; close: number; version: number }[]> {
  return ch.query(
    `SELECT toUnixTimestamp64Milli(window_start) AS ms, toString(window_start) AS text, close, version
     FROM micro_bars FINAL WHERE symbol = {symbol:String} ORDER BY window_start`,
    { symbol },
  );
}

async function countFinal(table: string, symbol: string): Promise<number> {
  const [row] = await ch.query<{ n: number }>('SELECT count() AS n FROM {table:Identifier} FINAL WHERE symbol = {symbol:String}', { table, symbol });
  return row!.n;
}

describe('timestamps', () => {
  const instants = [
    Date.UTC(2024, 0, 2, 14, 30, 0, 1),
    Date.UTC(2024, 0, 2, 14, 30, 0, 999),
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2030, 0, 1, 0, 0, 0, 1),
    Date.UTC(2030, 11, 31, 23, 59, 59, 999),
  ];

  it('round-trip to the millisecond (DateTime64 text in, epoch ms and UTC text out)', async () => {
    await ch.insert('micro_bars', instants.map((ms) => microBarRow(microBar(ms, { symbol: 'TS1' }))));
    const rows = await bars('TS1');
    expect(rows.map((r) => r.ms)).toEqual(instants);
    expect(rows.map((r) => r.text)).toEqual(instants.map((ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')));
  });

  it('come back exactly through every column of a row', async () => {
    await ch.insert('micro_bars', [microBarRow(microBar(instants[1]!, { symbol: 'TS2', ingest_ts: instants[0]!, event_ts: instants[4]! }))]);
    const [row] = await ch.query<Record<string, number>>(
      `SELECT toUnixTimestamp64Milli(window_start) AS ws, toUnixTimestamp64Milli(window_end) AS we,
              toUnixTimestamp64Milli(event_ts) AS ev, toUnixTimestamp64Milli(ingest_ts) AS ing
       FROM micro_bars FINAL WHERE symbol = {symbol:String}`,
      { symbol: 'TS2' },
    );
    expect(row).toEqual({ ws: instants[1], we: instants[1]! + 1000, ev: instants[4], ing: instants[0] });
  });

  it('bind exactly as query parameters: a Date, or epoch ms through fromUnixTimestamp64Milli', async () => {
    const ms = instants[3]!;
    await ch.insert('micro_bars', [microBarRow(microBar(ms, { symbol: 'TS3' })), microBarRow(microBar(ms + 1, { symbol: 'TS3' }))]);
    const byDate = await ch.query<{ ms: number }>(
      "SELECT toUnixTimestamp64Milli(window_start) AS ms FROM micro_bars FINAL WHERE symbol = {s:String} AND window_start = {t:DateTime64(3, 'UTC')}",
      { s: 'TS3', t: new Date(ms) },
    );
    expect(byDate).toEqual([{ ms }]);
    const byMs = await ch.query<{ ms: number }>(
      "SELECT toUnixTimestamp64Milli(window_start) AS ms FROM micro_bars FINAL WHERE symbol = {s:String} AND window_start >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')",
      { s: 'TS3', from: ms + 1 },
    );
    expect(byMs).toEqual([{ ms: ms + 1 }]);
  });
});

describe('every stored event', () => {
  const samples = {
    MicroBar: microBar(T0, { symbol: 'RT' }),
    Signal: { ...signal, symbol: 'RT' },
    TradeAggregate: { ...tradeAggregate, symbol: 'RT' },
    OrderBookMetrics: { ...orderBookMetrics, symbol: 'RT' },
    PriceAlert: { ...priceAlert, symbol: 'RT' },
    EnrichedTrade: enrichedTrade({ symbol: 'RT' }),
  } as const;

  it.each(Object.keys(STORED_EVENTS) as (keyof typeof STORED_EVENTS)[])('%s: the mapped row reads back unchanged, inserted_at set by default', async (name) => {
    const { table, toRow } = STORED_EVENTS[name];
    const row = (toRow as unknown as (e: unknown) => Record<string, unknown>)(samples[name]);
    await ch.insert(table, [row]);
    const [back] = await ch.query<Record<string, unknown>>('SELECT * EXCEPT inserted_at FROM {table:Identifier} FINAL WHERE symbol = {s:String}', { table, s: 'RT' });
    expect(back).toEqual(row);
    const [age] = await ch.query<{ s: number }>('SELECT dateDiff(\'second\', inserted_at, now()) AS s FROM {table:Identifier} WHERE symbol = {s:String}', { table, s: 'RT' });
    expect(Math.abs(age!.s)).toBeLessThan(3600);
  });
});

describe('retried inserts', () => {
  const batch = (symbol: string) => [0, 1000, 2000].map((d) => microBarRow(microBar(T0 + d, { symbol })));

  it('a retry carrying the same dedup token adds nothing', async () => {
    await ch.insert('micro_bars', batch('DUP1'), { dedupToken: 'ta.bars.1s.v1:0:100-102' });
    await ch.insert('micro_bars', batch('DUP1'), { dedupToken: 'ta.bars.1s.v1:0:100-102' });
    expect(await countFinal('micro_bars', 'DUP1')).toBe(3);
    const [raw] = await ch.query<{ n: number }>('SELECT count() AS n FROM micro_bars WHERE symbol = {s:String}', { s: 'DUP1' });
    expect(raw!.n).toBe(3);
  });

  it('a token does not linger: later inserts without one, or with another, land', async () => {
    await ch.insert('micro_bars', batch('DUP2'), { dedupToken: 'tok-a' });
    await ch.insert('micro_bars', batch('DUP3'));
    await ch.insert('micro_bars', batch('DUP4'), { dedupToken: 'tok-b' });
    expect([await countFinal('micro_bars', 'DUP2'), await countFinal('micro_bars', 'DUP3'), await countFinal('micro_bars', 'DUP4')]).toEqual([3, 3, 3]);
  });

  it('an empty batch is a no-op', async () => {
    await ch.insert('micro_bars', [], { dedupToken: 'empty' });
    expect(await countFinal('micro_bars', 'NONE')).toBe(0);
  });
});

describe('corrections', () => {
  it('a higher version replaces the earlier row under FINAL; a stale lower version does not', async () => {
    await ch.insert('micro_bars', [microBarRow(microBar(T0, { symbol: 'COR', close: 100, version: 1 }))], { dedupToken: 'cor-1' });
    await ch.insert('micro_bars', [microBarRow(microBar(T0, { symbol: 'COR', close: 101.5, version: 2 }))], { dedupToken: 'cor-2' });
    expect(await bars('COR')).toEqual([{ ms: T0, text: '2024-01-02 14:30:00.123', close: 101.5, version: 2 }]);

    await ch.insert('micro_bars', [microBarRow(microBar(T0, { symbol: 'COR', close: 99, version: 1 }))], { dedupToken: 'cor-1-late' });
    expect(await bars('COR')).toEqual([{ ms: T0, text: '2024-01-02 14:30:00.123', close: 101.5, version: 2 }]);

    const viaArgMax = await ch.query<{ close: number }>(
      'SELECT argMax(close, version) AS close FROM micro_bars WHERE symbol = {s:String} GROUP BY symbol, window_start',
      { s: 'COR' },
    );
    expect(viaArgMax).toEqual([{ close: 101.5 }]);
  });

  it('holds after merges, for an aggregate keyed by (symbol, window_size, scope, window_start)', async () => {
    const v1 = { ...tradeAggregate, symbol: 'CORA', total_volume: 10, version: 1 };
    await ch.insert('trade_aggregates', [STORED_EVENTS.TradeAggregate.toRow(v1), STORED_EVENTS.TradeAggregate.toRow({ ...v1, window_size: '5m' })]);
    await ch.insert('trade_aggregates', [STORED_EVENTS.TradeAggregate.toRow({ ...v1, total_volume: 12, version: 2 })]);
    await ch.command('OPTIMIZE TABLE trade_aggregates FINAL');
    const rows = await ch.query('SELECT window_size, total_volume, version FROM trade_aggregates WHERE symbol = {s:String} ORDER BY window_size', { s: 'CORA' });
    expect(rows).toEqual([
      { window_size: '1m', total_volume: 12, version: 2 },
      { window_size: '5m', total_volume: 10, version: 1 },
    ]);
  });
});

describe('TTL', () => {
  it('runs on insert time: a replay of 2024 data survives a TTL merge', async () => {
    await ch.insert('micro_bars', [microBarRow(microBar(Date.UTC(2024, 0, 2), { symbol: 'OLD' }))]);
    await ch.insert('enriched_trades', [STORED_EVENTS.EnrichedTrade.toRow(enrichedTrade({ symbol: 'OLD', timestamp_ms: Date.UTC(2024, 0, 2) }))]);
    await ch.command('OPTIMIZE TABLE micro_bars FINAL');
    await ch.command('OPTIMIZE TABLE enriched_trades FINAL');
    expect(await countFinal('micro_bars', 'OLD')).toBe(1);
    expect(await countFinal('enriched_trades', 'OLD')).toBe(1);
  });

  it('does delete rows inserted more than 30 days ago', async () => {
    const row = { ...microBarRow(microBar(T0, { symbol: 'EXPIRED' })), inserted_at: '2020-01-01 00:00:00' };
    await ch.insert('micro_bars', [row]);
    await ch.command('OPTIMIZE TABLE micro_bars FINAL');
    expect(await countFinal('micro_bars', 'EXPIRED')).toBe(0);
  });
});
