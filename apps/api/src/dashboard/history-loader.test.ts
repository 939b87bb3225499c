import { describe, expect, it } from 'vitest';
import { HISTORY_MAX_ROWS, HISTORY_VERSION, HISTORY_WINDOW_MS, HistoryError, alertRecord, fetchAllPages, historyRecord, loadHistory, loadRecentAlerts, type FetchLike } from './public/history-loader.js';
import { TimeSeries } from './public/time-series.js';

const T0 = Date.parse('2024-08-08T09:30:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const restBar = (i: number, close = 100 + i) => ({ symbol: 'AAPL', window_start: iso(T0 + i * 1000), window_end: iso(T0 + (i + 1) * 1000), open: close, high: close, low: close, close, volume: 1, vwap: close, trade_count: 1 });
const restSignal = (i: number) => ({ symbol: 'AAPL', window_start: iso(T0 + i * 1000), window_end: iso(T0 + (i + 1) * 1000), ema12: i, rsi14: null });

interface Call {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
}

/** A REST server over `rows` per path: pages of `limit` with an opaque cursor (the next index). */
function fakeApi(rowsByPath: Record<string, unknown[]>, fail: Record<string, number> = {}) {
  const calls: Call[] = [];
  const fetchFn: FetchLike = async (url, init) => {
    const u = new URL(url, 'http://x');
    calls.push({ path: u.pathname, query: u.searchParams, headers: init.headers });
    if (init.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    if (fail[u.pathname] === 0) throw new TypeError('Failed to fetch');
    if (fail[u.pathname]) return { ok: false, status: fail[u.pathname]!, json: async () => ({ title: 'Service Unavailable', code: 'UNAVAILABLE' }) };
    const rows = rowsByPath[u.pathname] ?? [];
    const start = Number(u.searchParams.get('cursor') ?? 0);
    const limit = Number(u.searchParams.get('limit'));
    const data = rows.slice(start, start + limit);
    const next = start + limit < rows.length ? String(start + limit) : null;
    return { ok: true, status: 200, json: async () => ({ data, next_cursor: next }) };
  };
  return { fetchFn, calls };
}

describe('fetchAllPages', () => {
  it('follows next_cursor until the last page, sending the key and the filters on every page', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => restBar(i));
    const { fetchFn, calls } = fakeApi({ '/v1/bars/AAPL': rows });
    const r = await fetchAllPages(fetchFn, '/v1/bars/AAPL', { interval: '1s', from: '123' }, { key: 'tf_k', pageSize: 3 });
    expect(r).toEqual({ rows, pages: 3, truncated: false });
    expect(calls.map((c) => [c.query.get('cursor'), c.query.get('limit'), c.query.get('interval'), c.query.get('from')])).toEqual([
      [null, '3', '1s', '123'],
      ['3', '3', '1s', '123'],
      ['6', '3', '1s', '123'],
    ]);
    expect(calls.every((c) => c.headers.authorization === 'Bearer tf_k')).toBe(true);
  });

  it('stops at the cap, asking only for what is left, and says it was cut', async () => {
    const { fetchFn, calls } = fakeApi({ '/p': Array.from({ length: 50 }, (_, i) => restBar(i)) });
    const r = await fetchAllPages(fetchFn, '/p', {}, { key: 'k', pageSize: 20, maxRows: 45 });
    expect(r.rows).toHaveLength(45);
    expect(r.truncated).toBe(true);
    expect(calls.map((c) => c.query.get('limit'))).toEqual(['20', '20', '5']);
  });

  it('makes one request for an empty listing', async () => {
    const { fetchFn, calls } = fakeApi({});
    expect(await fetchAllPages(fetchFn, '/p', {}, { key: 'k' })).toEqual({ rows: [], pages: 1, truncated: false });
    expect(calls).toHaveLength(1);
  });

  it('fails with a HistoryError naming the status and the problem, or status 0 for a network error or a malformed body', async () => {
    const http = fakeApi({}, { '/p': 503 });
    await expect(fetchAllPages(http.fetchFn, '/p', {}, { key: 'k' })).rejects.toMatchObject({ name: 'HistoryError', status: 503, message: '/p: HTTP 503 (Service Unavailable)' });
    const net = fakeApi({}, { '/p': 0 });
    await expect(fetchAllPages(net.fetchFn, '/p', {}, { key: 'k' })).rejects.toMatchObject({ name: 'HistoryError', status: 0 });
    const bad: FetchLike = async () => ({ ok: true, status: 200, json: async () => ({ rows: [] }) });
    await expect(fetchAllPages(bad, '/p', {}, { key: 'k' })).rejects.toBeInstanceOf(HistoryError);
  });

  it('passes an abort through as the AbortError (not a HistoryError)', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const { fetchFn } = fakeApi({ '/p': [restBar(0)] });
    await expect(fetchAllPages(fetchFn, '/p', {}, { key: 'k', signal: ctrl.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('historyRecord', () => {
  it('turns ISO times into epoch ms and marks the row final with version 0', () => {
    expect(historyRecord(restBar(2))).toMatchObject({ symbol: 'AAPL', window_start: T0 + 2000, window_end: T0 + 3000, close: 102, is_final: true, version: HISTORY_VERSION, from_history: true });
    expect(HISTORY_VERSION).toBe(0);
  });

  it('drops a row without a parseable window_start', () => {
    expect(historyRecord({ window_start: 'not a time' })).toBeNull();
    expect(historyRecord({})).toBeNull();
  });
});

describe('loadHistory', () => {
  it('loads the last 10 minutes of 1 s bars and signals of the symbol, URL-encoded', async () => {
    const { fetchFn, calls } = fakeApi({
      '/v1/bars/BTC%2FUSD': [restBar(0), restBar(1)],
      '/v1/signals/BTC%2FUSD': [restSignal(0), restSignal(1)],
    });
    const now = T0 + 5000;
    const h = await loadHistory({ fetch: fetchFn, key: 'k', symbol: 'BTC/USD', now });
    expect(h.errors).toEqual([]);
    expect(h.bars!.map((b) => b.window_start)).toEqual([T0, T0 + 1000]);
    expect(h.signals!.map((s) => s.ema12)).toEqual([0, 1]);
    expect(calls.map((c) => c.path).sort()).toEqual(['/v1/bars/BTC%2FUSD', '/v1/signals/BTC%2FUSD']);
    for (const c of calls) expect(c.query.get('from')).toBe(String(now - HISTORY_WINDOW_MS));
    expect(calls.find((c) => c.path.startsWith('/v1/bars'))!.query.get('interval')).toBe('1s');
    expect(HISTORY_MAX_ROWS).toBeGreaterThanOrEqual(HISTORY_WINDOW_MS / 1000); // the cap never cuts the newest 1 s windows
  });

  it('keeps the series that loaded when the other one fails', async () => {
    const { fetchFn } = fakeApi({ '/v1/bars/AAPL': [restBar(0)] }, { '/v1/signals/AAPL': 500 });
    const h = await loadHistory({ fetch: fetchFn, key: 'k', symbol: 'AAPL' });
    expect(h.bars).toHaveLength(1);
    expect(h.signals).toBeNull();
    expect(h.errors.map((e) => e.status)).toEqual([500]);
  });

  it('rejects with the AbortError when aborted, so a superseded load merges nothing', async () => {
    const ctrl = new AbortController();
    const { fetchFn } = fakeApi({ '/v1/bars/AAPL': [restBar(0)] });
    const p = loadHistory({ fetch: fetchFn, key: 'k', symbol: 'AAPL', signal: ctrl.signal });
    ctrl.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('history merged with live records in a TimeSeries', () => {
  type Rec = { window_start: number; close: number; is_final?: boolean; version?: number };
  const live = (i: number, close: number, is_final: boolean, version = 1): Rec => ({ window_start: T0 + i * 1000, close, is_final, version });
  const hist = (i: number, close: number): Rec => historyRecord(restBar(i, close)) as unknown as Rec;

  it('a live final wins over a history row of its window, in either order', () => {
    const a = new TimeSeries<Rec>();
    a.upsert(hist(0, 1));
    a.upsert(live(0, 2, true));
    expect(a.get(T0)!.close).toBe(2);
    const b = new TimeSeries<Rec>();
    b.upsert(live(0, 2, true));
    expect(b.upsert(hist(0, 1))).toBe(false);
    expect(b.get(T0)!.close).toBe(2);
  });

  it('a history row replaces a stale provisional bar, and a later provisional does not replace it', () => {
    const s = new TimeSeries<Rec>();
    s.upsert(live(0, 5, false));
    expect(s.upsert(hist(0, 6))).toBe(true);
    expect(s.upsert(live(0, 7, false))).toBe(false);
    expect(s.get(T0)!.close).toBe(6);
  });

  it('history older than the live records fills in before them, in window order', () => {
    const s = new TimeSeries<Rec>(600);
    s.upsert(live(10, 10, false));
    s.upsert(live(9, 9, true));
    for (let i = 0; i < 10; i += 1) s.upsert(hist(i, 100 + i));
    expect(s.items.map((r) => (r.window_start - T0) / 1000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.get(T0 + 9000)!.close).toBe(9); // live final kept
    expect(s.last()!.is_final).toBe(false); // the open second stays provisional
  });
});

describe('loadRecentAlerts', () => {
  const restAlert = (i: number) => ({
    alert_id: `pa:AAPL:${i}`, alert_type: 'PRICE_MOVEMENT', symbol: 'AAPL', direction: 'UP', severity: 'MEDIUM', trigger: 'TRADE',
    baseline_price: 100, current_price: 102 + i, pct_change: 2 + i, window_start: iso(T0 + i * 1000), detected_at: iso(T0 + i * 1000 + 500),
  });

  it('asks for the last 30 minutes and keeps the newest rows, oldest first, with epoch-ms times', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => restAlert(i));
    const { fetchFn, calls } = fakeApi({ '/v1/alerts': rows });
    const now = T0 + 3_600_000;
    const got = await loadRecentAlerts({ fetch: fetchFn, key: 'tf_k', now, maxRows: 3, pageSize: 2 });
    expect(got.map((a) => a.alert_id)).toEqual(['pa:AAPL:4', 'pa:AAPL:5', 'pa:AAPL:6']);
    expect(got[0]!.detected_at_ms).toBe(T0 + 4500);
    expect(got[0]!.window_start_ms).toBe(T0 + 4000);
    expect(calls[0]!.query.get('from')).toBe(String(now - 30 * 60_000));
    expect(calls).toHaveLength(4); // 7 rows in pages of 2: read to the end
  });

  it('drops a row whose detection time is not a time, and fails with the status on an HTTP error', async () => {
    expect(alertRecord({ alert_id: 'x', detected_at: 'yesterday' })).toBeNull();
    const { fetchFn } = fakeApi({}, { '/v1/alerts': 503 });
    await expect(loadRecentAlerts({ fetch: fetchFn, key: 'tf_k' })).rejects.toMatchObject({ name: 'HistoryError', status: 503 });
  });
});
