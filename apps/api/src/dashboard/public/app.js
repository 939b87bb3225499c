// The dashboard: wires the API-key form, the feed client, the stores and the views. Rendering is
// coalesced into one animation frame however many messages a batch (or a history load) brings.
//
// History: when a symbol is shown (first symbol, picker change, reload with a remembered symbol,
// a new key, the feed back after a drop), its last 10 minutes of final 1 s bars and signals are
// loaded from REST (history-loader.js) and merged into the same stores as the live records; the
// stores' upsert rules let a live record win over a history row of its window. A response for a
// symbol no longer shown is dropped (request token + AbortController); a failure is shown for a
// few seconds in the header and the live view carries on.
import { FeedClient } from './feed-client.js';
import { TimeSeries } from './time-series.js';
import { drawMacdPane, drawPricePane, drawRsiPane } from './chart-panes.js';
import { AlertFeed, addAlertHistory } from './alert-feed.js';
import { OrderBookGauge } from './orderbook-gauge.js';
import { SymbolPicker, fetchSymbols } from './symbol-picker.js';
import { loadHistory, loadRecentAlerts } from './history-loader.js';

const KEY_STORAGE = 'tickflow.apiKey';
const SYMBOL_STORAGE = 'tickflow.symbol';
/** How long a history failure stays on screen. */
const HISTORY_ERROR_SHOW_MS = 6000;
/** How long "history · N bars" stays on screen after a load. */
const HISTORY_DONE_SHOW_MS = 4000;
/** Legend entries: signal field → label, in the order shown. */
const INDICATORS = [
  ['ema12', 'EMA12'],
  ['ema26', 'EMA26'],
  ['bb_upper', 'BB↑'],
  ['bb_middle', 'BB mid'],
  ['bb_lower', 'BB↓'],
  ['vwap_session', 'VWAP'],
  ['macd', 'MACD'],
  ['macd_signal', 'signal'],
  ['macd_hist', 'hist'],
  ['rsi14', 'RSI14'],
];

const $ = (id) => document.getElementById(id);
const el = {
  form: $('key-form'),
  key: $('api-key'),
  status: $('status'),
  statusText: $('status-text'),
  price: $('price-canvas'),
  macd: $('macd-canvas'),
  rsi: $('rsi-canvas'),
  lastPrice: $('last-price'),
  legend: $('legend'),
  historyStatus: $('history-status'),
};

const candles = new TimeSeries(600);
const signals = new TimeSeries(600);
const alerts = new AlertFeed($('alert-list'));
const gauge = new OrderBookGauge($('orderbook-gauge'));
const picker = new SymbolPicker($('symbol'), (s) => selectSymbol(s));
const counters = {
  batches: 0,
  messages: 0,
  barUpdates: 0,
  signalUpdates: 0,
  historyLoads: 0,
  historyBarUpdates: 0,
  historySignalUpdates: 0,
  supersededHistoryLoads: 0,
  drawnCandles: 0,
  macdPoints: 0,
  rsiPoints: 0,
  renders: 0,
};
let symbol = '';
let apiKey = '';
let status = { state: 'idle', detail: 'enter an API key' };
let frameRequested = false;
/** The history load of the symbol shown: `token` names the newest request; older answers are dropped. */
const historyState = { token: 0, abort: null, state: 'idle', symbol: '', bars: 0, signals: 0, error: '', ms: 0, hideTimer: 0 };

const feed = new FeedClient({
  onStatus: (s) => {
    // Back after a drop (or after a start while the server was down): reload what was missed.
    if (s.state === 'live' && status.state === 'reconnecting') requestHistory();
    // The alert feed starts with the recent stored alerts, not empty (live ones keep their place).
    if (s.state === 'live' && status.state !== 'live') {
      const key = feed.key;
      loadRecentAlerts({ fetch: (url, init) => fetch(url, init), key }).then(
        (rows) => {
          if (feed.key === key) addAlertHistory(alerts, rows);
        },
        () => undefined, // the live feed goes on; stored alerts are a convenience
      );
    }
    // Remember a key once the server accepted it, and forget a remembered key it refuses (revoked):
    // a mistyped key in one tab must not replace the working one the other tabs reload with.
    if (s.state === 'live') localStorage.setItem(KEY_STORAGE, feed.key);
    else if (s.state === 'auth-failed' && localStorage.getItem(KEY_STORAGE) === feed.key) localStorage.removeItem(KEY_STORAGE);
    status = s;
    el.status.dataset.status = s.state;
    el.statusText.textContent = `${s.state === 'auth-failed' ? 'auth failed' : s.state}${s.detail ? ` · ${s.detail}` : ''}`;
  },
  onMessages: (messages) => {
    counters.batches += 1;
    for (const m of messages) route(m.channel, m.data);
    requestRender();
  },
});

/** One feed message to its store or view. */
function route(channel, data) {
  counters.messages += 1;
  const sym = data.symbol;
  if (channel.startsWith('signals.')) {
    if (picker.add([sym]) && !symbol) selectSymbol(sym);
    if (sym === symbol && signals.upsert(data)) counters.signalUpdates += 1;
  } else if (channel.startsWith('bars.1s.')) {
    if (sym === symbol && candles.upsert(data)) counters.barUpdates += 1;
  } else if (channel.startsWith('alerts.')) {
    alerts.add(data);
  } else if (channel.startsWith('orderbook.')) {
    if (sym === symbol) gauge.update(data);
  }
}

function selectSymbol(next) {
  if (!next || next === symbol) return;
  if (symbol) feed.unsubscribe([`bars.1s.${symbol}`, `orderbook.${symbol}`]);
  symbol = next;
  localStorage.setItem(SYMBOL_STORAGE, symbol);
  picker.show(symbol);
  candles.clear();
  signals.clear();
  gauge.reset();
  document.title = `${symbol} · tickflow`;
  feed.subscribe([`bars.1s.${symbol}`, `orderbook.${symbol}`]);
  requestHistory();
  requestRender();
}

/**
 * Loads the shown symbol's recent history into the stores (merged with what the feed brought
 * meanwhile). Supersedes any load still running: it is aborted, and its answer dropped if it comes.
 */
function requestHistory() {
  historyState.abort?.abort();
  historyState.abort = null;
  if (!apiKey || !symbol) return;
  const token = ++historyState.token;
  const forSymbol = symbol;
  const ctrl = new window.AbortController();
  historyState.abort = ctrl;
  const started = Date.now();
  counters.historyLoads += 1;
  showHistory({ state: 'loading', symbol: forSymbol, bars: 0, signals: 0, error: '', ms: 0 }, 'loading history…');
  loadHistory({ fetch: (url, init) => fetch(url, init), key: apiKey, symbol: forSymbol, signal: ctrl.signal }).then(
    (h) => {
      if (token !== historyState.token || forSymbol !== symbol) {
        counters.supersededHistoryLoads += 1; // answered after the user moved on: dropped
        return;
      }
      historyState.abort = null;
      let bars = 0;
      let sigs = 0;
      for (const b of h.bars ?? []) if (b.symbol === forSymbol && candles.upsert(b)) bars += 1;
      for (const s of h.signals ?? []) if (s.symbol === forSymbol && signals.upsert(s)) sigs += 1;
      counters.historyBarUpdates += bars;
      counters.historySignalUpdates += sigs;
      const ms = Date.now() - started;
      if (h.errors.length > 0) {
        const error = h.errors.map((e) => e.message).join('; ');
        console.warn(`[tickflow] history of ${forSymbol}: ${error}`);
        showHistory({ state: 'error', bars, signals: sigs, error, ms }, `history unavailable: ${h.errors[0].message}`, HISTORY_ERROR_SHOW_MS);
      } else {
        showHistory({ state: 'loaded', bars, signals: sigs, error: '', ms }, `history · ${h.bars.length} bars`, HISTORY_DONE_SHOW_MS);
      }
      requestRender();
    },
    (err) => {
      if (err && err.name === 'AbortError') {
        counters.supersededHistoryLoads += 1; // aborted by a newer request, which reports
        return;
      }
      if (token !== historyState.token) return;
      console.warn(`[tickflow] history of ${forSymbol}: ${err}`);
      showHistory({ state: 'error', error: String(err) }, 'history unavailable', HISTORY_ERROR_SHOW_MS);
    },
  );
}

/** Updates the history state and its line in the header; `hideAfterMs` clears the text (not the state). */
function showHistory(patch, text, hideAfterMs = 0) {
  Object.assign(historyState, patch);
  clearTimeout(historyState.hideTimer);
  el.historyStatus.dataset.state = historyState.state;
  el.historyStatus.textContent = text;
  el.historyStatus.title = historyState.error;
  if (hideAfterMs > 0) historyState.hideTimer = setTimeout(() => (el.historyStatus.textContent = ''), hideAfterMs);
}

function requestRender() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(render);
}

function render() {
  frameRequested = false;
  counters.renders += 1;
  const lastWs = Math.max(candles.last()?.window_start ?? -Infinity, signals.last()?.window_start ?? -Infinity);
  counters.drawnCandles = drawPricePane(el.price, candles.items, signals.items, lastWs, historyState.state === 'loading' ? 'loading history…' : undefined);
  counters.macdPoints = drawMacdPane(el.macd, signals.items, lastWs);
  counters.rsiPoints = drawRsiPane(el.rsi, signals.items, lastWs);
  el.price.dataset.candleCount = String(candles.size);
  el.price.dataset.drawnCandles = String(counters.drawnCandles);
  el.macd.dataset.points = String(counters.macdPoints);
  el.rsi.dataset.points = String(counters.rsiPoints);
  const last = candles.last();
  el.lastPrice.textContent = last ? String(last.close) : '–';
  el.lastPrice.title = last ? (last.is_final ? 'last close (final)' : 'last price (second still open)') : '';
  el.lastPrice.dataset.close = last ? String(last.close) : '';
  renderLegend(latestIndicators());
}

/** The newest value of each indicator (signals are null while their window warms up). */
function latestIndicators() {
  const out = {};
  for (const [field] of INDICATORS) out[field] = null;
  for (let i = signals.items.length - 1; i >= 0; i -= 1) {
    const s = signals.items[i];
    for (const [field] of INDICATORS) if (out[field] === null && typeof s[field] === 'number') out[field] = s[field];
    if (INDICATORS.every(([f]) => out[f] !== null)) break;
  }
  return out;
}

function renderLegend(values) {
  if (el.legend.childElementCount === 0) {
    for (const [field, label] of INDICATORS) {
      const item = document.createElement('span');
      item.className = `legend-item legend-${field}`;
      item.dataset.indicator = field;
      item.append(Object.assign(document.createElement('b'), { textContent: label }), document.createElement('output'));
      el.legend.append(item);
    }
  }
  for (const item of el.legend.children) {
    const v = values[item.dataset.indicator];
    item.dataset.value = v === null ? '' : String(v);
    item.querySelector('output').textContent = v === null ? '…' : v.toFixed(Math.abs(v) >= 100 ? 2 : 4);
  }
}

function start(key) {
  el.key.value = key;
  apiKey = key;
  feed.connect(key);
  requestHistory(); // a symbol picked before there was a key (?symbol=, remembered) has none yet
  fetchSymbols(key).then((list) => {
    picker.add(list);
    if (!symbol && list.length > 0) selectSymbol(list[0]);
  });
}

// Start-up: ?key= (then dropped from the address bar) or the remembered key; ?symbol= or the remembered one.
const params = new URLSearchParams(location.search);
const initialKey = params.get('key') || localStorage.getItem(KEY_STORAGE) || '';
const initialSymbol = (params.get('symbol') || localStorage.getItem(SYMBOL_STORAGE) || '').toUpperCase();
if (params.has('key')) {
  params.delete('key');
  history.replaceState(null, '', `${location.pathname}${params.size > 0 ? `?${params}` : ''}${location.hash}`);
}
feed.subscribe(['signals.*', 'alerts.*']);
if (initialSymbol) selectSymbol(initialSymbol);
el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const key = el.key.value.trim();
  if (key) start(key);
});
window.addEventListener('resize', requestRender);
gauge.reset();
if (initialKey) start(initialKey);
else feed.opts.onStatus(status);
requestRender();

/** Test hook: what the page shows, read from the page (the e2e test asserts on it). */
window.__tickflow = {
  state: () => ({
    status: status.state,
    statusDetail: status.detail,
    symbol,
    symbols: [...picker.known],
    candleCount: candles.size,
    lastCandle: candles.last() ?? null,
    firstCandle: candles.items[0] ?? null,
    candleSymbols: [...new Set(candles.items.map((c) => c.symbol))],
    historyCandles: candles.items.filter((c) => c.from_history === true).length,
    history: { state: historyState.state, symbol: historyState.symbol, bars: historyState.bars, signals: historyState.signals, error: historyState.error, ms: historyState.ms },
    signalCount: signals.size,
    indicators: latestIndicators(),
    alertCount: alerts.count,
    orderbookUpdates: gauge.updates,
    imbalance: gauge.root.dataset.imbalance === '' ? null : Number(gauge.root.dataset.imbalance),
    ...counters,
  }),
  /** The current symbol's candles, oldest first (tests compare them with the stored history). */
  candles: () => candles.items.map((c) => ({ window_start: c.window_start, close: c.close, is_final: c.is_final, from_history: c.from_history === true })),
};
