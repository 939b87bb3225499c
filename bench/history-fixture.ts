/**
 * The history tables of the storage and API benchmarks: micro_bars, signals and price_alerts filled
 * in ClickHouse itself from `numbers(n)`, so ten million rows load in seconds. Benchmark-only.
 */
import type { ClickHouse, QueryParams } from '@tickflow/clickhouse';
import { fmt, round } from './bench-kit';

export interface HistoryFixtureOptions {
  /** micro_bars rows: symbols × seconds from `t0Ms`. */
  bars: number;
  /** signals rows, on the same grid as the bars. */
  signals: number;
  /** price_alerts rows, spread evenly over `alertDays` up to the end of the bars. */
  alerts: number;
  symbols: number;
  /** Start of the first bar, epoch ms. */
  t0Ms: number;
  alertDays: number;
}

const DAY_MS = 86_400_000;

/** Symbol number s (0-based) of the fixture: S00000, S00001, … */
export const symbolName = (s: number): string => `S${String(s).padStart(5, '0')}`;

/** Alerts cover [alertsFromMs, end of the bars). */
export const alertsFromMs = (o: HistoryFixtureOptions): number => o.t0Ms + (o.bars / o.symbols) * 1000 - o.alertDays * DAY_MS;

/**
 * Bulk-loads micro_bars, signals and price_alerts with `INSERT … SELECT … FROM numbers(n)` (bound
 * parameters only): prices follow a slow sine per symbol, indicators warm up as the real ones do.
 * Returns the seconds of data and the load rates per table.
 */
export async function loadHistoryFixture(ch: ClickHouse, o: HistoryFixtureOptions, progress: (msg: string) => void): Promise<Record<string, unknown>> {
  const { bars: BARS, signals: SIGNALS, alerts: ALERTS, symbols: SYMBOLS, alertDays: ALERT_DAYS } = o;
  const seconds = BARS / SYMBOLS;
  const common = { t0: o.t0Ms, symbols: SYMBOLS };
  const loads: Record<string, unknown> = {};
  const timed = async (table: string, rows: number, sql: string, params: QueryParams): Promise<void> => {
    progress(`history: INSERT INTO ${table} SELECT … FROM numbers(${fmt(rows)})…`);
    const t = performance.now();
    await ch.command(sql, params);
    const s = (performance.now() - t) / 1000;
    loads[table] = { rows, seconds: round(s, 1), rows_per_sec: Math.round(rows / s) };
    progress(`  ${table}: ${fmt(rows)} rows in ${s.toFixed(1)} s (${fmt(rows / s)} rows/s)`);
  };
  // Symbol-major within each second: second k holds rows k*symbols … k*symbols + symbols − 1.
  await timed(
    'micro_bars',
    BARS,
    `INSERT INTO micro_bars (symbol, window_start, window_end, open, high, low, close, volume, vwap, count, is_final, event_ts, ingest_ts, seq, source, correlation_id, version)
     SELECT concat('S', leftPad(toString(number % {symbols:UInt32}), 5, '0')) AS symbol,
       fromUnixTimestamp64Milli(toInt64({t0:Int64} + intDiv(number, {symbols:UInt32}) * 1000), 'UTC') AS ws,
       ws + toIntervalSecond(1) AS we,
       round(c * (1 - 0.0004 * ((cityHash64(number, 1) % 10) / 10)), 4) AS open,
       round(c * (1 + 0.0006), 4) AS high, round(c * (1 - 0.0006), 4) AS low,
       c AS close, toFloat64(1 + cityHash64(number) % 1000) AS volume, round(c * (1 + 0.0001), 4) AS vwap, 1 + cityHash64(number, 2) % 50 AS count,
       true, we, we + toIntervalMillisecond(3), toInt64(number), 'bench', concat('b', toString(number)), 1
     FROM (SELECT number, round((10 + ((number % {symbols:UInt32}) * 37) % 490) * (1 + 0.01 * sin(intDiv(number, {symbols:UInt32}) / 300 + number % {symbols:UInt32})), 4) AS c
           FROM numbers({n:UInt64}))`,
    { ...common, n: BARS },
  );
  await timed(
    'signals',
    SIGNALS,
    `INSERT INTO signals (symbol, window_start, window_end, is_final, ema12, ema26, macd, macd_signal, macd_hist, rsi14, bb_upper, bb_middle, bb_lower,
                          vwap_session, vwap_rolling, realized_vol, spread, imbalance, event_ts, ingest_ts, seq, source, correlation_id, version)
     SELECT concat('S', leftPad(toString(number % {symbols:UInt32}), 5, '0')) AS symbol,
       fromUnixTimestamp64Milli(toInt64({t0:Int64} + intDiv(number, {symbols:UInt32}) * 1000), 'UTC') AS ws,
       ws + toIntervalSecond(1) AS we, true,
       if(sec < 12, NULL, c * 1.0001), if(sec < 26, NULL, c * 1.0002), if(sec < 26, NULL, c * 0.0001), if(sec < 34, NULL, c * 0.00005), if(sec < 34, NULL, c * 0.00005),
       if(sec < 14, NULL, 30 + (cityHash64(number) % 4000) / 100), if(sec < 20, NULL, c * 1.02), if(sec < 20, NULL, c), if(sec < 20, NULL, c * 0.98),
       c, c * 0.9999, if(sec < 60, NULL, 0.2 + (cityHash64(number, 1) % 100) / 1000), if(cityHash64(number, 2) % 7 = 0, NULL, 0.01), (cityHash64(number, 3) % 200) / 100 - 1,
       we, we + toIntervalMillisecond(4), toInt64(number), 'bench', concat('s', toString(number)), 1
     FROM (SELECT number, intDiv(number, {symbols:UInt32}) AS sec,
                  round((10 + ((number % {symbols:UInt32}) * 37) % 490) * (1 + 0.01 * sin(intDiv(number, {symbols:UInt32}) / 300 + number % {symbols:UInt32})), 4) AS c
           FROM numbers({n:UInt64}))`,
    { ...common, n: SIGNALS },
  );
  // Alerts accumulate (the table has no TTL): spread evenly over ALERT_DAYS up to the end of the bars;
  // severities 1/2 MEDIUM, 1/3 HIGH, 1/6 CRITICAL.
  await timed(
    'price_alerts',
    ALERTS,
    `INSERT INTO price_alerts (alert_id, alert_type, symbol, direction, baseline_price, current_price, pct_change, window_start, detected_at, severity, trigger,
                               event_ts, ingest_ts, seq, source, correlation_id, version)
     SELECT concat('pa:', sym, ':', toString(toUnixTimestamp64Milli(det)), ':a', toString(number)) AS alert_id, 'PRICE_MOVEMENT', sym,
       if(number % 2 = 0, 'UP', 'DOWN'), 100, if(number % 2 = 0, 100 + pct, 100 - pct), if(number % 2 = 0, pct, -pct),
       det - toIntervalSecond(60), det,
       ['MEDIUM', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL'][1 + cityHash64(number, 1) % 6], if(number % 5 = 0, 'QUOTE', 'TRADE'),
       det, det + toIntervalMillisecond(2), toInt64(number), 'bench', concat('a', toString(number)), 1
     FROM (SELECT number, concat('S', leftPad(toString(cityHash64(number) % {symbols:UInt32}), 5, '0')) AS sym,
                  fromUnixTimestamp64Milli(toInt64({alerts_from:Int64} + intDiv(number * {span_ms:UInt64}, {n:UInt64})), 'UTC') AS det,
                  2 + (cityHash64(number, 2) % 800) / 100 AS pct
           FROM numbers({n:UInt64}))`,
    { symbols: SYMBOLS, n: ALERTS, alerts_from: alertsFromMs(o), span_ms: ALERT_DAYS * DAY_MS },
  );
  return { seconds_of_data: seconds, loads };
}
