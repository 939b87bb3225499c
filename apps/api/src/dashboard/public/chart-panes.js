// The three chart panes drawn on <canvas> (no charting library: none is installed and the page must
// work offline): 1 s candles with EMA12/EMA26, Bollinger and VWAP overlays; MACD; RSI.
// All panes share one time axis — a slot per second ending at the newest window — so they line up.

const SLOT_PX = 9;
const AXIS_PX = 64; // right-hand price axis
const TIME_AXIS_PX = 18;
const PAD_TOP_PX = 8;
/**
 * Lines are not drawn across a stretch this long without records (the page was offline, or nothing
 * was stored then); shorter gaps (seconds without trades have no bar) are joined.
 */
const LINE_GAP_BREAK_MS = 10_000;

export const COLORS = Object.freeze({
  background: '#0f141b',
  grid: '#1f2833',
  text: '#8b98a9',
  up: '#26a69a',
  down: '#ef5350',
  ema12: '#f5c542',
  ema26: '#b084f5',
  bb: '#4f8cc9',
  vwap: '#e07b39',
  macd: '#4fc3f7',
  macdSignal: '#ff8a65',
  rsi: '#c792ea',
});

/** The overlay lines of the price pane: signal field → colour (drawn in this order). */
export const PRICE_OVERLAYS = Object.freeze([
  ['bb_upper', COLORS.bb],
  ['bb_middle', COLORS.bb],
  ['bb_lower', COLORS.bb],
  ['vwap_session', COLORS.vwap],
  ['ema26', COLORS.ema26],
  ['ema12', COLORS.ema12],
]);

/**
 * The windows visible in a canvas of this width: `count` slots of 1 s ending at `lastWindowStart`.
 * @returns {{ first: number, count: number, x: (windowStart: number) => number, plotWidth: number }}
 */
export function timeAxis(cssWidth, lastWindowStart) {
  const plotWidth = Math.max(10, cssWidth - AXIS_PX);
  const count = Math.max(1, Math.floor(plotWidth / SLOT_PX));
  const first = lastWindowStart - (count - 1) * 1000;
  return { first, count, plotWidth, x: (ws) => ((ws - first) / 1000 + 0.5) * SLOT_PX + (plotWidth - count * SLOT_PX) };
}

/** Sizes the canvas backing store to its CSS box × devicePixelRatio; returns a context in CSS pixels. */
function prepare(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  return { ctx, w, h };
}

function linearScale(min, max, top, bottom) {
  const span = max - min || Math.abs(max) * 0.001 || 1;
  return (v) => bottom - ((v - min) / span) * (bottom - top);
}

/** About `n` round tick values between min and max. */
function ticks(min, max, n) {
  const raw = (max - min) / n || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) out.push(v);
  return out;
}

function decimalsFor(value) {
  const a = Math.abs(value);
  return a >= 1000 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : 4;
}

function drawValueAxis(ctx, w, plotWidth, values, y, fmt) {
  ctx.strokeStyle = COLORS.grid;
  ctx.fillStyle = COLORS.text;
  ctx.lineWidth = 1;
  for (const v of values) {
    const yy = Math.round(y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(0, yy);
    ctx.lineTo(plotWidth, yy);
    ctx.stroke();
    ctx.fillText(fmt(v), plotWidth + 6, yy);
  }
  ctx.beginPath();
  ctx.moveTo(plotWidth + 0.5, 0);
  ctx.lineTo(plotWidth + 0.5, ctx.canvas.height);
  ctx.stroke();
}

/** A polyline through the `field` of each visible signal; a null value or a long gap breaks the line. */
function drawSeriesLine(ctx, signals, field, axis, y, color, dashed = false) {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.25;
  ctx.setLineDash(dashed ? [4, 3] : []);
  ctx.beginPath();
  let pen = false;
  let prevWs = -Infinity;
  for (const s of signals) {
    const v = s[field];
    if (s.window_start < axis.first || v === null || v === undefined) {
      pen = false;
      continue;
    }
    const px = axis.x(s.window_start);
    const py = y(v);
    if (pen && s.window_start - prevWs <= LINE_GAP_BREAK_MS) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    pen = true;
    prevWs = s.window_start;
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

function visible(items, axis) {
  return items.filter((r) => r.window_start >= axis.first);
}

function placeholder(ctx, w, h, text) {
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'center';
  ctx.fillText(text, w / 2, h / 2);
  ctx.textAlign = 'left';
}

/**
 * Candles and overlays. Returns how many candles were drawn.
 * @param {HTMLCanvasElement} canvas
 * @param {Array<{window_start:number, open:number, high:number, low:number, close:number, is_final?:boolean}>} candles ascending
 * @param {Array<Record<string, any>>} signals ascending by window_start
 * @param {number} lastWindowStart the newest window of either series
 * @param {string} [emptyText] what an empty pane says (default: waiting for 1 s bars…)
 */
export function drawPricePane(canvas, candles, signals, lastWindowStart, emptyText = 'waiting for 1 s bars…') {
  const { ctx, w, h } = prepare(canvas);
  if (candles.length === 0) {
    placeholder(ctx, w, h, emptyText);
    return 0;
  }
  const axis = timeAxis(w, lastWindowStart);
  const shown = visible(candles, axis);
  const sigs = visible(signals, axis);
  let min = Infinity;
  let max = -Infinity;
  for (const c of shown) {
    min = Math.min(min, c.low);
    max = Math.max(max, c.high);
  }
  for (const s of sigs) {
    for (const [field] of PRICE_OVERLAYS) {
      const v = s[field];
      if (typeof v === 'number') {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  const pad = (max - min) * 0.06 || max * 0.001 || 1;
  const bottom = h - TIME_AXIS_PX;
  const y = linearScale(min - pad, max + pad, PAD_TOP_PX, bottom);
  const dp = decimalsFor(max);
  drawValueAxis(ctx, w, axis.plotWidth, ticks(min - pad, max + pad, 6), y, (v) => v.toFixed(dp));
  drawTimeLabels(ctx, axis, bottom, h);

  const body = Math.max(1, SLOT_PX - 3);
  for (const c of shown) {
    const x = axis.x(c.window_start);
    const color = c.close >= c.open ? COLORS.up : COLORS.down;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.globalAlpha = c.is_final === false ? 0.6 : 1; // the open second is still provisional
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, y(c.high));
    ctx.lineTo(Math.round(x) + 0.5, y(c.low));
    ctx.stroke();
    const top = y(Math.max(c.open, c.close));
    ctx.fillRect(Math.round(x - body / 2), top, body, Math.max(1, y(Math.min(c.open, c.close)) - top));
  }
  ctx.globalAlpha = 1;
  for (const [field, color] of PRICE_OVERLAYS) drawSeriesLine(ctx, sigs, field, axis, y, color, field === 'bb_upper' || field === 'bb_lower');

  const last = shown[shown.length - 1];
  if (last) {
    const yy = y(last.close);
    ctx.fillStyle = last.close >= last.open ? COLORS.up : COLORS.down;
    ctx.fillRect(axis.plotWidth + 1, yy - 8, AXIS_PX - 1, 16);
    ctx.fillStyle = '#fff';
    ctx.fillText(last.close.toFixed(dp), axis.plotWidth + 6, yy);
  }
  return shown.length;
}

function drawTimeLabels(ctx, axis, bottom, h) {
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'center';
  const every = 15_000;
  for (let ws = Math.ceil(axis.first / every) * every; ws < axis.first + axis.count * 1000; ws += every) {
    ctx.fillText(new Date(ws).toTimeString().slice(0, 8), axis.x(ws), (bottom + h) / 2);
  }
  ctx.textAlign = 'left';
}

/** MACD line, signal line and histogram. Returns how many signals had a MACD value. */
export function drawMacdPane(canvas, signals, lastWindowStart) {
  const { ctx, w, h } = prepare(canvas);
  const axis = timeAxis(w, lastWindowStart);
  const sigs = visible(signals, axis).filter((s) => s.macd !== null && s.macd !== undefined);
  if (sigs.length === 0) {
    placeholder(ctx, w, h, 'MACD: warming up (needs 26 s of bars)…');
    return 0;
  }
  let lim = 0;
  for (const s of sigs) lim = Math.max(lim, Math.abs(s.macd), Math.abs(s.macd_signal ?? 0), Math.abs(s.macd_hist ?? 0));
  lim = lim * 1.1 || 1;
  const y = linearScale(-lim, lim, PAD_TOP_PX, h - PAD_TOP_PX);
  drawValueAxis(ctx, w, axis.plotWidth, [-lim / 1.1 / 2, 0, lim / 1.1 / 2], y, (v) => v.toPrecision(2));
  const zero = y(0);
  for (const s of sigs) {
    if (s.macd_hist === null || s.macd_hist === undefined) continue;
    ctx.fillStyle = s.macd_hist >= 0 ? COLORS.up : COLORS.down;
    const yy = y(s.macd_hist);
    ctx.fillRect(Math.round(axis.x(s.window_start) - 3), Math.min(zero, yy), 6, Math.max(1, Math.abs(zero - yy)));
  }
  drawSeriesLine(ctx, sigs, 'macd', axis, y, COLORS.macd);
  drawSeriesLine(ctx, sigs, 'macd_signal', axis, y, COLORS.macdSignal);
  return sigs.length;
}

/** RSI(14) on 0–100 with the 30/70 bands. Returns how many signals had an RSI value. */
export function drawRsiPane(canvas, signals, lastWindowStart) {
  const { ctx, w, h } = prepare(canvas);
  const axis = timeAxis(w, lastWindowStart);
  const sigs = visible(signals, axis).filter((s) => s.rsi14 !== null && s.rsi14 !== undefined);
  const y = linearScale(0, 100, PAD_TOP_PX, h - PAD_TOP_PX);
  ctx.fillStyle = 'rgba(199,146,234,0.07)';
  ctx.fillRect(0, y(70), axis.plotWidth, y(30) - y(70));
  drawValueAxis(ctx, w, axis.plotWidth, [30, 50, 70], y, (v) => String(v));
  if (sigs.length === 0) {
    placeholder(ctx, w, h, 'RSI: warming up (needs 15 s of bars)…');
    return 0;
  }
  drawSeriesLine(ctx, sigs, 'rsi14', axis, y, COLORS.rsi);
  return sigs.length;
}
