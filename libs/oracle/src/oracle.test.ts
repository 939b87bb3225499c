import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OracleError, oracleMicroBars, oracleTradeAggregates, type OracleAggregate, type OracleBar } from './index';

/** 2024-08-09T00:00:00Z: aligned to 1 s, 1 m, 5 m and 15 m. */
const T0 = 1_723_161_600_000;

interface FixtureTrade {
  id: string;
  symbol: string;
  side: string;
  qty: number;
  price: number;
  status: string;
  at: number;
}

function line(t: FixtureTrade): string {
  return JSON.stringify({
    trade_id: t.id,
    order_id: `O-${t.id}`,
    symbol: t.symbol,
    side: t.side,
    quantity: t.qty,
    price: t.price,
    status: t.status,
    exchange: 'TEST',
    trader_id: '',
    account_id: '',
    timestamp_ms: T0 + t.at,
    event_type: 'TRADE',
  });
}

// File order is arrival order. Trade ids deliberately disagree with it (L3 > L6, L1 > L2).
const FIXTURE: FixtureTrade[] = [
  /* L1 */ { id: '502', symbol: 'AAA', side: 'BUY', qty: 2, price: 10, status: 'FILLED', at: 500 },
  /* L2 */ { id: '501', symbol: 'AAA', side: 'SELL', qty: 1, price: 12, status: 'FILLED', at: 500 }, // same ms as L1, later line → close of its second
  /* L3 */ { id: '900', symbol: 'AAA', side: 'BUY', qty: 3, price: 11, status: 'PARTIALLY_FILLED', at: 1200 },
  /* L4 */ { id: '901', symbol: 'AAA', side: 'BUY', qty: 100, price: 50, status: 'CANCELLED', at: 1300 }, // excluded
  /* L5 */ { id: '400', symbol: 'AAA', side: 'SELL', qty: 4, price: 9, status: 'FILLED', at: 400 }, // arrives late, earliest event time → open
  /* L6 */ { id: '100', symbol: 'AAA', side: 'SELL', qty: 1, price: 13, status: 'FILLED', at: 1200 }, // same ms as L3: file order puts it after
  // second T0+2000 is quiet for AAA: no bar
  /* L7 */ { id: '3000', symbol: 'AAA', side: 'BUY', qty: 1, price: 14, status: 'FILLED', at: 3000 }, // exactly on a second boundary
  /* L8 */ { id: '60000', symbol: 'AAA', side: 'SELL', qty: 2, price: 15, status: 'FILLED', at: 60_000 }, // exactly on a 1m boundary → next minute
  /* L9 */ { id: '59999', symbol: 'AAA', side: 'BUY', qty: 1, price: 8, status: 'FILLED', at: 59_999 }, // last ms of the first minute → its close
  /* L10 */ { id: 'b1', symbol: 'BBB', side: 'BUY', qty: 5, price: 100, status: 'FILLED', at: 10 },
  /* L11 */ { id: 'b2', symbol: 'BBB', side: 'BUY', qty: 5, price: 102, status: 'FILLED', at: 20 },
  /* L12 */ { id: 'b3', symbol: 'BBB', side: 'SELL', qty: 1, price: 101, status: 'REJECTED', at: 30 }, // excluded → only buys counted
  /* L13 */ { id: 'b4', symbol: 'BBB', side: 'SELL', qty: 1, price: 1, status: 'NEW', at: 40 }, // excluded
  /* L14 */ { id: 'b5', symbol: 'BBB', side: 'SELL', qty: 7, price: 99, status: 'EXPIRED', at: 50 }, // unknown status: excluded
  /* L15 */ { id: 'b6', symbol: 'BBB', side: 'BUY', qty: 1, price: 103, status: 'FILLED', at: 900_000 }, // exactly on a 15m boundary
];

const dir = mkdtempSync(join(tmpdir(), 'tickflow-oracle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFixture(name: string, lines: string[], eol = '\n'): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}

const fixturePath = writeFixture('fixture.ndjson', FIXTURE.map(line));

function agg(symbol: string, size: '1m' | '5m' | '15m', startOffset: number, rest: Partial<OracleAggregate>): OracleAggregate {
  const sizeMs = { '1m': 60_000, '5m': 300_000, '15m': 900_000 }[size];
  return {
    symbol,
    window_size: size,
    window_start: T0 + startOffset,
    window_end: T0 + startOffset + sizeMs,
    total_volume: 0,
    total_value: 0,
    vwap: 0,
    trade_count: 0,
    buy_count: 0,
    sell_count: 0,
    buy_sell_ratio: null,
    high_price: 0,
    low_price: 0,
    open_price: 0,
    close_price: 0,
    volatility_anomaly: false,
    ...rest,
  };
}

// Hand-computed from the fixture above.
const AAA_FIRST_MINUTE = {
  total_volume: 13, // 2+1+3+4+1+1+1
  total_value: 136, // 20+12+33+36+13+14+8
  vwap: 136 / 13,
  trade_count: 7,
  buy_count: 4,
  sell_count: 3,
  buy_sell_ratio: 4 / 3,
  high_price: 14,
  low_price: 8,
  open_price: 9, // L5, earliest event time although it arrived fifth
  close_price: 8, // L9 at 59 999 ms
  volatility_anomaly: true,
};
const AAA_ALL = {
  total_volume: 15,
  total_value: 166,
  vwap: 166 / 15,
  trade_count: 8,
  buy_count: 4,
  sell_count: 4,
  buy_sell_ratio: 1,
  high_price: 15,
  low_price: 8,
  open_price: 9,
  close_price: 15,
  volatility_anomaly: true,
};
const BBB_FIRST = {
  total_volume: 10,
  total_value: 1010,
  vwap: 101,
  trade_count: 2,
  buy_count: 2,
  sell_count: 0,
  buy_sell_ratio: null, // only buys
  high_price: 102,
  low_price: 100,
  open_price: 100,
  close_price: 102,
  volatility_anomaly: false, // (102 − 100) / 100 = 2 %, not > 2 %
};
const BBB_LAST = {
  total_volume: 1,
  total_value: 103,
  vwap: 103,
  trade_count: 1,
  buy_count: 1,
  sell_count: 0,
  buy_sell_ratio: null,
  high_price: 103,
  low_price: 103,
  open_price: 103,
  close_price: 103,
};

const EXPECTED_AGGREGATES: OracleAggregate[] = [
  agg('AAA', '1m', 0, AAA_FIRST_MINUTE),
  agg('AAA', '1m', 60_000, { total_volume: 2, total_value: 30, vwap: 15, trade_count: 1, buy_count: 0, sell_count: 1, buy_sell_ratio: 0, high_price: 15, low_price: 15, open_price: 15, close_price: 15 }),
  agg('AAA', '5m', 0, AAA_ALL),
  agg('AAA', '15m', 0, AAA_ALL),
  agg('BBB', '1m', 0, BBB_FIRST),
  agg('BBB', '1m', 900_000, BBB_LAST),
  agg('BBB', '5m', 0, BBB_FIRST),
  agg('BBB', '5m', 900_000, BBB_LAST),
  agg('BBB', '15m', 0, BBB_FIRST),
  agg('BBB', '15m', 900_000, BBB_LAST),
];

function bar(symbol: string, startOffset: number, b: Omit<OracleBar, 'symbol' | 'window_start' | 'window_end'>): OracleBar {
  return { symbol, window_start: T0 + startOffset, window_end: T0 + startOffset + 1000, ...b };
}

const EXPECTED_BARS: OracleBar[] = [
  // L5 (400 ms) opens; L1 and L2 share 500 ms, L2 is the later line → close 12.
  bar('AAA', 0, { open: 9, high: 12, low: 9, close: 12, volume: 7, vwap: 68 / 7, count: 3 }),
  // L3 and L6 share 1200 ms: file order (not trade id) makes L3 the open and L6 the close; L4 (CANCELLED, 50) excluded.
  bar('AAA', 1000, { open: 11, high: 13, low: 11, close: 13, volume: 4, vwap: 11.5, count: 2 }),
  // no bar for the quiet second at 2000
  bar('AAA', 3000, { open: 14, high: 14, low: 14, close: 14, volume: 1, vwap: 14, count: 1 }),
  bar('AAA', 59_000, { open: 8, high: 8, low: 8, close: 8, volume: 1, vwap: 8, count: 1 }),
  bar('AAA', 60_000, { open: 15, high: 15, low: 15, close: 15, volume: 2, vwap: 15, count: 1 }),
  bar('BBB', 0, { open: 100, high: 102, low: 100, close: 102, volume: 10, vwap: 101, count: 2 }),
  bar('BBB', 900_000, { open: 103, high: 103, low: 103, close: 103, volume: 1, vwap: 103, count: 1 }),
];

/** Compares numbers with a relative tolerance (sums of doubles), everything else exactly. */
function expectClose<T extends object>(actual: T[], expected: T[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    const want = expected[i] as Record<string, unknown>;
    for (const [key, value] of Object.entries(row)) {
      const w = want[key];
      if (typeof value === 'number' && typeof w === 'number') {
        if (Math.abs(value - w) > 1e-12 * Math.max(1, Math.abs(w))) throw new Error(`row ${i} ${key}: ${value} != ${w}`);
      } else expect(value, `row ${i} ${key}`).toEqual(w);
    }
    expect(Object.keys(row).sort()).toEqual(Object.keys(want).sort());
  });
}

describe('oracleTradeAggregates', () => {
  it('computes the hand-made fixture', async () => {
    expectClose(await oracleTradeAggregates(fixturePath), EXPECTED_AGGREGATES);
  });

  it('reads CRLF files and ignores blank lines', async () => {
    const path = writeFixture('crlf.ndjson', ['', ...FIXTURE.map(line), '   '], '\r\n');
    expectClose(await oracleTradeAggregates(path), EXPECTED_AGGREGATES);
  });

  it('binds the path: quotes in it are harmless', async () => {
    const sub = join(dir, `it's "quoted"; DROP TABLE trades`);
    mkdirSync(sub);
    const path = join(sub, 'trades.ndjson');
    writeFileSync(path, readFileSync(fixturePath));
    expectClose(await oracleTradeAggregates(path), EXPECTED_AGGREGATES);
  });
});

describe('oracleMicroBars', () => {
  it('computes the hand-made fixture, with no bar for a quiet second', async () => {
    expectClose(await oracleMicroBars(fixturePath), EXPECTED_BARS);
  });
});

describe('input the oracle refuses', () => {
  const good = line(FIXTURE[0]!);
  const withField = (field: string, raw: string) => good.replace(new RegExp(`"${field}":[^,]+`), `"${field}":${raw}`);

  it.each([
    ['not JSON', '{"trade_id": "1", '],
    ['an array', '[1, 2]'],
    ['a missing trade_id', good.replace(/"trade_id":"[^"]*",/, '')],
    ['a numeric symbol', withField('symbol', '7')],
    ['an unknown side', withField('side', '"HOLD"')],
    ['a string price', withField('price', '"NaN"')],
    ['a negative price', withField('price', '-1')],
    ['an infinite price', withField('price', '1e999')],
    ['a zero quantity', withField('quantity', '0')],
    ['a fractional timestamp', withField('timestamp_ms', '1.5')],
  ])('rejects %s, naming the line', async (_name, bad) => {
    const path = writeFixture(`bad-${_name.replace(/\W/g, '_')}.ndjson`, [good, line(FIXTURE[1]!), bad, bad]);
    const error = await oracleTradeAggregates(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OracleError);
    expect(error).toMatchObject({ code: 'ORACLE_LINE_INVALID', line: 3 });
    expect((error as Error).message).toContain(':3:');
    expect((error as Error).message).toContain('2 invalid line(s)');
  });

  it('rejects a repeated trade id', async () => {
    const path = writeFixture('dup.ndjson', [line(FIXTURE[0]!), line(FIXTURE[1]!), line(FIXTURE[0]!)]);
    await expect(oracleMicroBars(path)).rejects.toMatchObject({ code: 'ORACLE_DUPLICATE_TRADE_ID', line: 3 });
  });

  it.each([
    ['a missing file', 'missing.ndjson'],
    ['a directory', '.'],
    ['a glob pattern', '*.ndjson'],
  ])('rejects %s as the path', async (_name, name) => {
    await expect(oracleTradeAggregates(join(dir, name))).rejects.toMatchObject({ code: 'ORACLE_PATH_INVALID' });
  });
});

describe('on the recorded Binance tape', () => {
  const repoRoot = new URL('../../../', import.meta.url);
  const tape = fileURLToPath(new URL('../shared/data/trades-binance-spot-2024-08-08.ndjson', repoRoot));

  it('counts every trade once per window size, matches a plain JS accumulation and runs in a few seconds', async () => {
    expect(existsSync(tape), `${tape} (../shared/data beside the repo)`).toBe(true);
    const started = performance.now();
    const [aggregates, bars] = await Promise.all([oracleTradeAggregates(tape), oracleMicroBars(tape)]);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(10_000);

    const trades = readFileSync(tape, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { symbol: string; side: string; price: number; quantity: number; timestamp_ms: number });
    const linesPerSymbol = new Map<string, number>();
    for (const t of trades) linesPerSymbol.set(t.symbol, (linesPerSymbol.get(t.symbol) ?? 0) + 1);
    expect(Object.fromEntries(linesPerSymbol)).toEqual({ BTCUSDT: 19_904, ETHUSDT: 14_515 });

    for (const size of ['1m', '5m', '15m'] as const) {
      for (const [symbol, lines] of linesPerSymbol) {
        const rows = aggregates.filter((a) => a.symbol === symbol && a.window_size === size);
        expect(rows.reduce((n, a) => n + a.trade_count, 0), `${symbol} ${size}`).toBe(lines);
      }
    }
    for (const [symbol, lines] of linesPerSymbol) expect(bars.filter((b) => b.symbol === symbol).reduce((n, b) => n + b.count, 0)).toBe(lines);
    // 23:54:14 → 00:05:05 UTC: 12 minutes, 4 five-minute and 2 fifteen-minute windows per symbol.
    expect(aggregates).toHaveLength(2 * (12 + 4 + 2));

    // An independent, straightforward accumulation in file order.
    const sizes = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1s': 1000 } as const;
    const acc = new Map<string, { volume: number; value: number; count: number; open: number; openTs: number; close: number; closeTs: number; high: number; low: number }>();
    for (const t of trades) {
      for (const [name, size] of Object.entries(sizes)) {
        const key = `${t.symbol}|${name}|${Math.floor(t.timestamp_ms / size) * size}`;
        let a = acc.get(key);
        if (!a) acc.set(key, (a = { volume: 0, value: 0, count: 0, open: t.price, openTs: t.timestamp_ms, close: t.price, closeTs: t.timestamp_ms, high: t.price, low: t.price }));
        a.volume += t.quantity;
        a.value += t.price * t.quantity;
        a.count++;
        a.high = Math.max(a.high, t.price);
        a.low = Math.min(a.low, t.price);
        if (t.timestamp_ms < a.openTs) [a.open, a.openTs] = [t.price, t.timestamp_ms];
        if (t.timestamp_ms >= a.closeTs) [a.close, a.closeTs] = [t.price, t.timestamp_ms];
      }
    }
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
    for (const a of aggregates) {
      const want = acc.get(`${a.symbol}|${a.window_size}|${a.window_start}`);
      expect(want).toBeDefined();
      expect(a.window_end - a.window_start).toBe(sizes[a.window_size]);
      expect([a.trade_count, a.open_price, a.close_price, a.high_price, a.low_price]).toEqual([want!.count, want!.open, want!.close, want!.high, want!.low]);
      expect(rel(a.total_volume, want!.volume)).toBeLessThan(1e-9);
      expect(rel(a.total_value, want!.value)).toBeLessThan(1e-9);
      expect(a.buy_count + a.sell_count).toBe(a.trade_count);
    }
    expect(bars).toHaveLength([...acc.keys()].filter((k) => k.includes('|1s|')).length);
    for (const b of bars) {
      const want = acc.get(`${b.symbol}|1s|${b.window_start}`)!;
      expect([b.count, b.open, b.close, b.high, b.low]).toEqual([want.count, want.open, want.close, want.high, want.low]);
      expect(rel(b.vwap, want.value / want.volume)).toBeLessThan(1e-9);
    }
  });
});
