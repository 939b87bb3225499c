// A symbol's recent history from REST, as records the dashboard's TimeSeries stores take: final 1 s
// bars (GET /v1/bars/{symbol}?interval=1s) and signals (GET /v1/signals/{symbol}) of the last
// minutes, page by page through `next_cursor` up to a cap. Pure: `fetch` is passed in (vitest
// drives it with a fake), nothing here touches the DOM.
//
// REST rows differ from live records: times are ISO strings (live: epoch ms), and rows carry no
// `version` or `is_final` (every stored row is final; a correction replaced the row it corrects).
// They become `is_final: true, version: 0`, so that under TimeSeries' `supersedes`:
// - a history row replaces a provisional live bar of its window (the window has closed since);
// - a live final (version ≥ 1) replaces a history row, and a history row never replaces a live
//   final, whatever order the two arrive in: the live record is at least as new;
// - a provisional live bar after a history row is ignored, as after any final.

/** How far back to load: 10 minutes. */
export const HISTORY_WINDOW_MS = 10 * 60_000;
/**
 * Most rows loaded per series. At least the 1 s windows of HISTORY_WINDOW_MS, so the cap never cuts
 * off the newest rows of an ascending listing; and at most the stores' capacity (600 in app.js).
 */
export const HISTORY_MAX_ROWS = 600;
/** Rows asked for per request (the API's default; its maximum is 5000). */
export const HISTORY_PAGE_SIZE = 500;
/** The `version` history rows get: below every live record's (live versions start at 1). */
export const HISTORY_VERSION = 0;

/** A failed history request: `status` is the HTTP status, 0 for a network error or a malformed body. */
export class HistoryError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.name = 'HistoryError';
    this.status = status;
  }
}

/**
 * Fetches `path` page by page (ascending, as the API lists) until the last page or `maxRows` rows.
 * @param {(url: string, init: object) => Promise<{ ok: boolean, status: number, json: () => Promise<any>, text?: () => Promise<string> }>} fetchFn
 * @param {string} path e.g. `/v1/bars/AAPL`
 * @param {Record<string, string>} params query parameters besides `limit` and `cursor`
 * @param {{ key: string, signal?: AbortSignal, maxRows?: number, pageSize?: number }} opts
 * @returns {Promise<{ rows: any[], pages: number, truncated: boolean }>} `truncated`: the cap stopped the paging
 */
export async function fetchAllPages(fetchFn, path, params, opts) {
  const maxRows = opts.maxRows ?? HISTORY_MAX_ROWS;
  const pageSize = opts.pageSize ?? HISTORY_PAGE_SIZE;
  const rows = [];
  let cursor = null;
  let pages = 0;
  do {
    const query = new URLSearchParams(params);
    query.set('limit', String(Math.min(pageSize, maxRows - rows.length)));
    if (cursor !== null) query.set('cursor', cursor);
    let res;
    try {
      res = await fetchFn(`${path}?${query}`, { headers: { authorization: `Bearer ${opts.key}` }, signal: opts.signal });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new HistoryError(`${path}: ${err && err.message ? err.message : 'network error'}`, 0);
    }
    if (!res.ok) throw new HistoryError(`${path}: HTTP ${res.status}${await problemTitle(res)}`, res.status);
    const body = await res.json().catch(() => null);
    if (!body || !Array.isArray(body.data)) throw new HistoryError(`${path}: not a page ({ data, next_cursor })`, 0);
    pages += 1;
    for (const row of body.data) {
      if (rows.length >= maxRows) break;
      rows.push(row);
    }
    cursor = typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : null;
  } while (cursor !== null && rows.length < maxRows);
  return { rows, pages, truncated: cursor !== null };
}

/** ` (title)` of an RFC 9457 problem body, or nothing. */
async function problemTitle(res) {
  try {
    const body = await res.json();
    const text = body && (body.detail || body.title || body.code);
    return typeof text === 'string' && text !== '' ? ` (${text.slice(0, 120)})` : '';
  } catch {
    return '';
  }
}

/**
 * A REST row (ISO times) as a store record (epoch-ms times, final, version 0); null when its
 * window_start is not a time.
 * @param {Record<string, any>} row
 */
export function historyRecord(row) {
  const windowStart = typeof row.window_start === 'number' ? row.window_start : Date.parse(row.window_start);
  if (!Number.isFinite(windowStart)) return null;
  const windowEnd = typeof row.window_end === 'number' ? row.window_end : Date.parse(row.window_end);
  return { ...row, window_start: windowStart, window_end: Number.isFinite(windowEnd) ? windowEnd : windowStart + 1000, is_final: true, version: HISTORY_VERSION, from_history: true };
}

/**
 * The last `windowMs` of a symbol's final 1 s bars and signals. The two listings are fetched in
 * parallel and fail separately: a series that failed is `null` and its error is in `errors`.
 * Rejects only when `signal` aborts (with the AbortError).
 * @param {{ fetch: Function, key: string, symbol: string, now?: number, windowMs?: number, maxRows?: number, pageSize?: number, signal?: AbortSignal }} opts
 * @returns {Promise<{ bars: any[] | null, signals: any[] | null, errors: HistoryError[], pages: number, truncated: boolean }>}
 */
export async function loadHistory(opts) {
  const from = String(Math.floor((opts.now ?? Date.now()) - (opts.windowMs ?? HISTORY_WINDOW_MS)));
  const sym = encodeURIComponent(opts.symbol);
  const paging = { key: opts.key, signal: opts.signal, maxRows: opts.maxRows, pageSize: opts.pageSize };
  const [bars, signals] = await Promise.allSettled([
    fetchAllPages(opts.fetch, `/v1/bars/${sym}`, { interval: '1s', from }, paging),
    fetchAllPages(opts.fetch, `/v1/signals/${sym}`, { from }, paging),
  ]);
  for (const r of [bars, signals]) if (r.status === 'rejected' && r.reason && r.reason.name === 'AbortError') throw r.reason;
  if (opts.signal && opts.signal.aborted) throw opts.signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError' });
  const errors = [];
  const records = (r) => {
    if (r.status === 'rejected') {
      errors.push(r.reason instanceof HistoryError ? r.reason : new HistoryError(String(r.reason), 0));
      return null;
    }
    return r.value.rows.map(historyRecord).filter((x) => x !== null);
  };
  const out = { bars: records(bars), signals: records(signals), errors };
  const ok = [bars, signals].filter((r) => r.status === 'fulfilled').map((r) => r.value);
  return { ...out, pages: ok.reduce((n, v) => n + v.pages, 0), truncated: ok.some((v) => v.truncated) };
}

/** How far back the alert feed starts: 30 minutes. */
export const ALERTS_WINDOW_MS = 30 * 60_000;
/** Most alerts shown from history (the feed keeps 100). */
export const ALERTS_MAX_ROWS = 100;

/**
 * A stored alert (ISO times) as the live feed delivers it (`detected_at_ms`, `window_start_ms`); null
 * when its detection time is not a time.
 * @param {Record<string, any>} row
 */
export function alertRecord(row) {
  const detected = typeof row.detected_at_ms === 'number' ? row.detected_at_ms : Date.parse(row.detected_at);
  if (!Number.isFinite(detected)) return null;
  const windowStart = typeof row.window_start_ms === 'number' ? row.window_start_ms : Date.parse(row.window_start);
  return { ...row, detected_at_ms: detected, window_start_ms: Number.isFinite(windowStart) ? windowStart : detected };
}

/**
 * The newest alerts of the last `windowMs`, oldest first (so prepending them in order leaves the
 * newest on top), at most `maxRows`. The API lists ascending; the listing is read to its end (capped
 * at 10 pages) and its tail kept. Rejects with a HistoryError, or the AbortError when aborted.
 * @param {{ fetch: Function, key: string, now?: number, windowMs?: number, maxRows?: number, pageSize?: number, signal?: AbortSignal }} opts
 * @returns {Promise<any[]>}
 */
export async function loadRecentAlerts(opts) {
  const from = String(Math.floor((opts.now ?? Date.now()) - (opts.windowMs ?? ALERTS_WINDOW_MS)));
  const pageSize = opts.pageSize ?? HISTORY_PAGE_SIZE;
  const { rows } = await fetchAllPages(opts.fetch, '/v1/alerts', { from }, { key: opts.key, signal: opts.signal, pageSize, maxRows: 10 * pageSize });
  return rows
    .map(alertRecord)
    .filter((x) => x !== null)
    .slice(-(opts.maxRows ?? ALERTS_MAX_ROWS));
}
