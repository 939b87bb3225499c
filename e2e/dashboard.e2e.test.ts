// The dashboard in a real headless Chromium, fed by the live chain as processes:
// `tickflow ingest simulate` → Kafka → `tickflow process` → Kafka → `tickflow api` → the page at `/`
// over WS /v1/stream. Every assertion reads what the page holds (its `window.__tickflow` hook, DOM
// data-* attributes, canvas pixels), not what the server sent. Screenshot: e2e/artifacts/dashboard.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { encode, type PriceAlert } from '@tickflow/schemas';
import { REPO_ROOT } from '../apps/processor/test/shared-data';
import { CdpBrowser, type CdpPage } from './support/cdp-browser';
import { ensureChromium } from './support/chromium';
import { LiveChain } from './support/tickflow-processes';

const SYMBOL = 'SYM0001';
const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');

/** What `window.__tickflow.state()` reports (apps/api/src/dashboard/public/app.js). */
interface DashboardState {
  status: string;
  statusDetail: string;
  symbol: string;
  symbols: string[];
  candleCount: number;
  lastCandle: { window_start: number; close: number; is_final: boolean } | null;
  signalCount: number;
  indicators: Record<string, number | null>;
  alertCount: number;
  orderbookUpdates: number;
  imbalance: number | null;
  barUpdates: number;
  drawnCandles: number;
  macdPoints: number;
  rsiPoints: number;
}

const STATE = 'window.__tickflow && window.__tickflow.state()';

describe('dashboard at / in headless Chromium, fed by simulator → processor → API', () => {
  const chain = new LiveChain({ name: 'e2edash', simulate: ['--rate', '200', '--symbols', '3', '--seed', '11', '--duration', '300', '--quiet'] });
  let browser: CdpBrowser | null = null;
  let page: CdpPage;

  const state = (): Promise<DashboardState> => page.evaluate<DashboardState>(STATE);
  const waitForState = (what: string, predicate: string, timeoutMs: number): Promise<DashboardState> =>
    page.waitFor<DashboardState>(what, `(() => { const s = ${STATE}; return s && (${predicate}) ? s : null; })()`, timeoutMs);

  beforeAll(async () => {
    const chromium = await ensureChromium();
    await chain.start();
    browser = await CdpBrowser.launch({ executablePath: chromium, viewport: { width: 1400, height: 900 } });
    page = await browser.newPage();
    await page.goto(`${chain.baseUrl}/?key=${encodeURIComponent(chain.apiKey)}&symbol=${SYMBOL}`);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    expect(await chain.stop()).toBe(0);
  }, 120_000);

  it('connects with the ?key= key and shows the feed as live, then drops the key from the address bar', async () => {
    const s = await waitForState('status live', "s.status === 'live'", 30_000);
    expect(s.symbol).toBe(SYMBOL);
    expect(await page.evaluate('document.getElementById("status").dataset.status')).toBe('live');
    expect(await page.evaluate('location.search')).toBe(`?symbol=${SYMBOL}`);
    expect(await page.evaluate('localStorage.getItem("tickflow.apiKey")')).toBe(chain.apiKey);
  });

  it('draws 1 s candles that keep updating', async () => {
    const first = await waitForState('candles', 's.candleCount > 0 && s.drawnCandles > 0', 120_000);
    expect(Number(await page.evaluate('document.getElementById("price-canvas").dataset.candleCount'))).toBeGreaterThan(0);
    // The canvas holds candle colours, not just the background.
    const painted = await page.evaluate<number>(`(() => {
      const c = document.getElementById('price-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if ((d[i] === 0x26 && d[i + 1] === 0xa6 && d[i + 2] === 0x9a) || (d[i] === 0xef && d[i + 1] === 0x53 && d[i + 2] === 0x50)) n++;
      return n;
    })()`);
    expect(painted).toBeGreaterThan(20);
    const later = await waitForState(
      'the candles to update',
      `s.barUpdates > ${first.barUpdates} && (s.lastCandle.window_start !== ${first.lastCandle!.window_start} || s.lastCandle.close !== ${first.lastCandle!.close})`,
      20_000,
    );
    expect(later.candleCount).toBeGreaterThanOrEqual(first.candleCount);
    expect(later.lastCandle!.close).toBeGreaterThan(0);
  }, 180_000);

  it('fills the symbol picker from the feed', async () => {
    const s = await waitForState('three symbols', 's.symbols.length >= 3', 30_000);
    expect(s.symbols).toEqual(expect.arrayContaining(['SYM0001', 'SYM0002', 'SYM0003']));
    expect(await page.evaluate('document.getElementById("symbol").options.length')).toBeGreaterThanOrEqual(3);
  });

  it('shows EMA, Bollinger, VWAP, MACD and RSI values and draws their panes', async () => {
    // MACD's signal line needs 26 + 9 − 1 final bars: about 35 s after the first one.
    const s = await waitForState('every indicator', 'Object.values(s.indicators).every((v) => typeof v === "number") && s.macdPoints >= 3 && s.rsiPoints > 0', 150_000);
    expect(s.indicators.rsi14).toBeGreaterThanOrEqual(0);
    expect(s.indicators.rsi14).toBeLessThanOrEqual(100);
    expect(s.indicators.bb_upper!).toBeGreaterThanOrEqual(s.indicators.bb_lower!);
    const legend = await page.evaluate<Record<string, string>>('Object.fromEntries([...document.querySelectorAll("#legend [data-indicator]")].map((e) => [e.dataset.indicator, e.querySelector("output").textContent]))');
    for (const field of ['ema12', 'ema26', 'bb_upper', 'bb_middle', 'bb_lower', 'vwap_session', 'macd', 'macd_signal', 'rsi14']) expect(legend[field], field).toMatch(/^-?\d+\.\d+$/);
  }, 180_000);

  it('moves the order-book imbalance gauge', async () => {
    const s = await waitForState('an order-book update', 's.orderbookUpdates > 0 && s.imbalance !== null', 60_000);
    expect(s.imbalance).toBeGreaterThanOrEqual(-1);
    expect(s.imbalance).toBeLessThanOrEqual(1);
  }, 90_000);

  it('lists a price alert with its severity colour, and saves a screenshot', async () => {
    // The simulator's random walk rarely moves 2 % within a window, so the alert is produced to
    // the processor's output topic directly, as the processor's PriceAlertDetector would write it.
    const now = Date.now();
    const alert: PriceAlert = {
      alert_id: `e2e-dashboard-${now}`,
      alert_type: 'PRICE_MOVEMENT',
      symbol: SYMBOL,
      direction: 'UP',
      baseline_price: 100,
      current_price: 106.5,
      pct_change: 6.5,
      window_start_ms: now - 60_000,
      detected_at_ms: now,
      severity: 'HIGH',
      trigger: 'TRADE',
      event_ts: now,
      ingest_ts: now,
      seq: 1,
      source: 'e2e',
      correlation_id: `e2e-dashboard-${now}`,
      version: 1,
    };
    const producer = chain.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic: chain.prefix + TOPICS.priceAlerts, messages: [{ key: SYMBOL, value: encode('PriceAlert', alert), timestamp: String(now) }] });
    } finally {
      await producer.disconnect();
    }
    await waitForState('the alert in the feed', 's.alertCount > 0', 30_000);
    const row = await page.evaluate<{ severity: string; className: string; text: string; color: string }>(`(() => {
      const li = document.querySelector('#alert-list li[data-alert-id="${alert.alert_id}"]');
      return li && { severity: li.dataset.severity, className: li.className, text: li.textContent, color: getComputedStyle(li).borderLeftColor };
    })()`);
    expect(row).toMatchObject({ severity: 'HIGH', className: 'alert severity-high' });
    expect(row.text).toContain('+6.50 %');
    expect(row.color).toBe('rgb(255, 138, 61)'); // --high

    mkdirSync(ARTIFACTS, { recursive: true });
    const png = await page.screenshot();
    writeFileSync(join(ARTIFACTS, 'dashboard.png'), png);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(page.console.filter((l) => l.startsWith('exception') || l.startsWith('error'))).toEqual([]);
    const s = await state();
    expect(s.status).toBe('live');
  }, 60_000);

  it('reports a rejected key as "auth failed" without retrying', async () => {
    const other = await browser!.newPage();
    try {
      await other.goto(`${chain.baseUrl}/?key=tf_000000000000_not-a-real-key`);
      const s = await other.waitFor<{ status: string }>('auth failed', `(() => { const s = ${STATE}; return s && s.status === 'auth-failed' ? s : null; })()`, 15_000);
      expect(s.status).toBe('auth-failed');
      await new Promise((r) => setTimeout(r, 1500));
      expect(await other.evaluate('window.__tickflow.state().status')).toBe('auth-failed');
    } finally {
      await other.close();
    }
  }, 30_000);
});
