import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleMicroBars, oracleTradeAggregates, type OracleAggregate, type OracleBar } from '@tickflow/oracle';
import { runReplay, type ReplaySummary } from '../src/replay/run-replay';
import { QUOTES_FILE, TRADES_FILE } from './shared-data';

type Row = Record<string, unknown>;

function readTopic(dir: string, topic: string): Row[] {
  return readFileSync(join(dir, `${topic}.ndjson`), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Row);
}

/** The last version of each window: what a reader of the topic (or ClickHouse FINAL) would keep. */
function latestByKey(rows: Row[], key: (r: Row) => string): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) {
    const k = key(r);
    const prev = out.get(k);
    if (!prev || Number(r['version']) >= Number(prev['version'])) out.set(k, r);
  }
  return out;
}

function expectClose(actual: unknown, expected: number, what: string): void {
  const a = Number(actual);
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  if (!(Math.abs(a - expected) <= tolerance)) throw new Error(`${what}: replay ${a} vs DuckDB ${expected}`);
}

describe('replay of the recorded Binance tape equals DuckDB SQL over the same trades', () => {
  let dir: string;
  let summary: ReplaySummary;
  let oracleBars: OracleBar[];
  let oracleAggs: OracleAggregate[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickflow-oracle-'));
    [summary, oracleBars, oracleAggs] = await Promise.all([
      runReplay({ trades: TRADES_FILE, quotes: QUOTES_FILE, outDir: dir }),
      oracleMicroBars(TRADES_FILE),
      oracleTradeAggregates(TRADES_FILE),
    ]);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every line and rejects none', () => {
    expect(summary.records).toBe(34_419 + 73_174);
    expect(Object.keys(summary.outputs).filter((t) => t.startsWith('dlq.'))).toEqual([]);
  });

  it('1 s bars: same windows, OHLC, count exactly; volume and VWAP within 1e-9', () => {
    const bars = latestByKey(
      readTopic(dir, 'ta.bars.1s.v1').filter((b) => b['is_final'] === true),
      (b) => `${String(b['symbol'])}:${String(b['window_start'])}`,
    );
    expect(bars.size).toBe(oracleBars.length);
    expect(oracleBars.length).toBeGreaterThan(1000);
    for (const o of oracleBars) {
      const b = bars.get(`${o.symbol}:${o.window_start}`);
      if (!b) throw new Error(`replay has no bar for ${o.symbol} ${o.window_start}`);
      expect({ end: b['window_end'], open: b['open'], high: b['high'], low: b['low'], close: b['close'], count: b['count'] }).toEqual({
        end: o.window_end,
        open: o.open,
        high: o.high,
        low: o.low,
        close: o.close,
        count: o.count,
      });
      expectClose(b['volume'], o.volume, `volume ${o.symbol} ${o.window_start}`);
      expectClose(b['vwap'], o.vwap, `vwap ${o.symbol} ${o.window_start}`);
    }
  });

  it('one signal per final bar', () => {
    const signals = readTopic(dir, 'ta.signals.v1');
    expect(signals.length).toBe(oracleBars.length);
    const warm = signals.filter((s) => s['symbol'] === 'BTCUSDT').slice(40);
    for (const s of warm) for (const f of ['ema12', 'ema26', 'macd', 'macd_signal', 'rsi14', 'bb_upper', 'vwap_session']) expect(s[f]).toEqual(expect.any(Number));
  });

  it('1m/5m/15m aggregates per symbol: every field equal (sums within 1e-9)', () => {
    const aggs = latestByKey(
      readTopic(dir, 'analytics.trade-aggregates').filter((a) => a['scope'] === 'symbol'),
      (a) => `${String(a['symbol'])}:${String(a['window_size'])}:${String(a['window_start'])}`,
    );
    expect(aggs.size).toBe(oracleAggs.length);
    for (const o of oracleAggs) {
      const a = aggs.get(`${o.symbol}:${o.window_size}:${o.window_start}`);
      if (!a) throw new Error(`replay has no ${o.window_size} aggregate for ${o.symbol} ${o.window_start}`);
      const what = `${o.symbol} ${o.window_size} ${o.window_start}`;
      expect({
        window_end: a['window_end'],
        trade_count: a['trade_count'],
        buy_count: a['buy_count'],
        sell_count: a['sell_count'],
        high_price: a['high_price'],
        low_price: a['low_price'],
        open_price: a['open_price'],
        close_price: a['close_price'],
        volatility_anomaly: a['volatility_anomaly'],
      }).toEqual({
        window_end: o.window_end,
        trade_count: o.trade_count,
        buy_count: o.buy_count,
        sell_count: o.sell_count,
        high_price: o.high_price,
        low_price: o.low_price,
        open_price: o.open_price,
        close_price: o.close_price,
        volatility_anomaly: o.volatility_anomaly,
      });
      expectClose(a['total_volume'], o.total_volume, `total_volume ${what}`);
      expectClose(a['total_value'], o.total_value, `total_value ${what}`);
      expectClose(a['vwap'], o.vwap, `vwap ${what}`);
      if (o.buy_sell_ratio === null) expect(a['buy_sell_ratio']).toBeNull();
      else expectClose(a['buy_sell_ratio'], o.buy_sell_ratio, `buy_sell_ratio ${what}`);
    }
  });

  it('sector aggregates add up the symbols of the sector', () => {
    const rows = readTopic(dir, 'analytics.trade-aggregates');
    const crypto = rows.filter((a) => a['scope'] === 'sector' && a['symbol'] === 'Crypto' && a['window_size'] === '15m');
    const bySymbol = oracleAggs.filter((o) => o.window_size === '15m');
    for (const c of crypto) {
      const parts = bySymbol.filter((o) => o.window_start === c['window_start']);
      expect(c['trade_count']).toBe(parts.reduce((s, p) => s + p.trade_count, 0));
    }
    expect(crypto.length).toBeGreaterThan(0);
  });
});
