// Shared by the rest-*.int.test.ts files: the API with the REST feature over a fresh chDB
// database (or CLICKHOUSE_URL's server) and real Redis keys, plus event builders whose rows go in
// through the processor's own row mappers (STORED_EVENTS).
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { STORED_EVENTS, openTestClickHouse, runMigrations, toStoredRow, type ClickHouse, type StoredEventMap, type StoredEventName } from '@tickflow/clickhouse';
import type { EnrichedTrade, MicroBar, OrderBookMetrics, PriceAlert, Signal, TradeAggregate } from '@tickflow/schemas';
import { buildApp } from '../src/build-app';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { restFeature, type RestFeatureDeps } from '../src/rest/rest-feature';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RestHarness {
  app: FastifyInstance;
  ch: ClickHouse;
  /** A read-scoped key, sent by `get`. */
  readKey: string;
  /** GET with the read key (`key: null` for none). */
  get(url: string, key?: string | null): Promise<LightMyRequestResponse>;
  insert<N extends StoredEventName>(name: N, events: ReadonlyArray<StoredEventMap[N]>): Promise<void>;
  close(): Promise<void>;
}

export async function startRestApp(opts: { features?: Omit<RestFeatureDeps, 'ch'>; rateLimitMax?: number } = {}): Promise<RestHarness> {
  const test = await openTestClickHouse();
  await runMigrations(test.ch);
  const redis = new Redis(REDIS_URL);
  const prefix = `tickflow-test:rest:${process.pid}:${Date.now()}:`;
  const keys = new RedisApiKeyStore(redis, prefix);
  const reader = newApiKey('quant', ['read'], 'rest tests');
  await keys.put(reader.record);
  let app: FastifyInstance;
  try {
    app = await buildApp({
      keys,
      metrics: new Registry(),
      readiness: {},
      rateLimit: { max: opts.rateLimitMax ?? 100_000, timeWindowMs: 60_000, redis },
      corsOrigins: [],
      // Opening chDB and migrating can block the event loop for a second on a busy machine; the
      // load shedder would then answer 503 to the first requests. Its own tests live in core.
      maxEventLoopDelayMs: 60_000,
      features: [restFeature({ ch: test.ch, ...opts.features })],
    });
  } catch (err) {
    await test.dispose();
    redis.disconnect();
    throw err;
  }
  return {
    app,
    ch: test.ch,
    readKey: reader.key,
    get: (url, key = reader.key) => app.inject({ method: 'GET', url, headers: key === null ? {} : { 'x-api-key': key } }),
    async insert(name, events) {
      await test.ch.insert(STORED_EVENTS[name].table, events.map((e) => toStoredRow(name, e)));
    },
    async close() {
      await app.close();
      await test.dispose();
      const left = await redis.keys(`${prefix}*`);
      if (left.length > 0) await redis.del(...left);
      const limits = await redis.keys(`tickflow:ratelimit:*${reader.record.id}*`);
      if (limits.length > 0) await redis.del(...limits);
      redis.disconnect();
    },
  };
}

/** Follows `next_cursor` from `url` to the last page; every page's rows in order, and the page count. */
export async function walkPages(h: RestHarness, url: string): Promise<{ rows: Array<Record<string, unknown>>; pages: number }> {
  const rows: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await h.get(cursor === null ? url : `${url}${sep}cursor=${encodeURIComponent(cursor)}`);
    if (res.statusCode !== 200) throw new Error(`page ${pages + 1} of ${url}: ${res.statusCode} ${res.body}`);
    const body = res.json() as { data: Array<Record<string, unknown>>; next_cursor: string | null };
    rows.push(...body.data);
    cursor = body.next_cursor;
    pages++;
    if (pages > 1000) throw new Error('pagination does not end');
  } while (cursor !== null);
  return { rows, pages };
}

/** ISO-8601 UTC with milliseconds, computed here rather than by the code under test. */
export const iso = (ms: number): string => new Date(ms).toISOString();

const ENVELOPE = { ingest_ts: 0, source: 'test', version: 1 } as const;

export function microBar(symbol: string, startMs: number, o: Partial<MicroBar> = {}): MicroBar {
  return {
    symbol, window_start: startMs, window_end: startMs + 1000,
    open: 100, high: 101, low: 99, close: 100.5, volume: 10, vwap: 100.2, count: 3, is_final: true,
    event_ts: startMs + 1000, seq: 0, correlation_id: `${symbol}:${startMs}`, ...ENVELOPE, ...o,
  };
}

export function signal(symbol: string, startMs: number, o: Partial<Signal> = {}): Signal {
  return {
    symbol, window_start: startMs, window_end: startMs + 1000, is_final: true,
    ema12: 100.1, ema26: 100.05, macd: 0.05, macd_signal: 0.04, macd_hist: 0.01, rsi14: 55.5,
    bb_upper: 101, bb_middle: 100, bb_lower: 99, vwap_session: 100.2, vwap_rolling: 100.3,
    realized_vol: 0.012, spread: 0.02, imbalance: 0.1,
    event_ts: startMs + 1000, seq: 0, correlation_id: `${symbol}:${startMs}`, ...ENVELOPE, ...o,
  };
}

const WINDOW_MS = { '1m': 60_000, '5m': 300_000, '15m': 900_000 } as const;

export function tradeAggregate(symbol: string, size: TradeAggregate['window_size'], startMs: number, o: Partial<TradeAggregate> = {}): TradeAggregate {
  const end = startMs + WINDOW_MS[size];
  return {
    symbol, scope: 'symbol', window_start: startMs, window_end: end, window_size: size,
    total_volume: 50, total_value: 5010, vwap: 100.2, trade_count: 7, buy_count: 4, sell_count: 3, buy_sell_ratio: 4 / 3,
    high_price: 101, low_price: 99, open_price: 100, close_price: 100.5, volatility_anomaly: false, computed_at: end + 5,
    event_ts: end, seq: 0, correlation_id: `${symbol}:${size}:${startMs}`, ...ENVELOPE, ...o,
  };
}

export function orderBook(symbol: string, timestampMs: number, seq: number, o: Partial<OrderBookMetrics> = {}): OrderBookMetrics {
  return {
    symbol, timestamp_ms: timestampMs, best_bid: 99.9, best_ask: 100.1, mid_price: 100, spread: 0.2, spread_bps: 20, crossed: false,
    bid_depth_5: 500, ask_depth_5: 400, imbalance_5: 1 / 9, bid_depth_10: 900, ask_depth_10: 800, imbalance_10: 1 / 17,
    bid_depth_20: 1500, ask_depth_20: 1500, imbalance_20: 0, prev_timestamp_ms: null,
    mid_change: null, spread_change: null, imbalance_5_change: null, imbalance_10_change: null, imbalance_20_change: null,
    event_ts: timestampMs, seq, correlation_id: `${symbol}:${timestampMs}:${seq}`, ...ENVELOPE, ...o,
  };
}

export function priceAlert(symbol: string, detectedMs: number, severity: PriceAlert['severity'], o: Partial<PriceAlert> = {}): PriceAlert {
  const correlation = o.correlation_id ?? `c${detectedMs}`;
  return {
    alert_id: `pa:${symbol}:${detectedMs}:${correlation}`, alert_type: 'PRICE_MOVEMENT', symbol, direction: 'UP',
    baseline_price: 100, current_price: severity === 'MEDIUM' ? 102.5 : severity === 'HIGH' ? 105.5 : 111, pct_change: severity === 'MEDIUM' ? 2.5 : severity === 'HIGH' ? 5.5 : 11,
    window_start_ms: detectedMs - (detectedMs % 300_000), detected_at_ms: detectedMs, severity, trigger: 'TRADE',
    event_ts: detectedMs, seq: 0, correlation_id: correlation, ...ENVELOPE, ...o,
  };
}

export function enrichedTrade(tradeId: string, symbol: string, timestampMs: number, o: Partial<EnrichedTrade> = {}): EnrichedTrade {
  return {
    trade_id: tradeId, order_id: `O-${tradeId}`, symbol, side: 'BUY', quantity: 10, price: 100, status: 'FILLED', exchange: 'XNAS',
    trader_id: 'TR-1', account_id: 'ACC-1', timestamp_ms: timestampMs, event_type: 'TRADE',
    company_name: `${symbol} Inc.`, sector: 'Technology', industry: 'Software', market_cap_tier: 'LARGE', listed_exchange: 'NASDAQ',
    event_ts: timestampMs, seq: 0, correlation_id: tradeId, ...ENVELOPE, ...o,
  };
}
