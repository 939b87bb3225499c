// The dashboard in a real headless Chromium, fed by the live chain as processes:
// `tickflow ingest simulate` → Kafka → `tickflow process` → Kafka → `tickflow api` → the page at `/`
// over WS /v1/stream. Every assertion reads what the page holds (its `window.__tickflow` hook, DOM
// data-* attributes, canvas pixels), not what the server sent. Screenshots: e2e/artifacts/dashboard.png,
// dashboard-history.png (right after a reload).
//
// History (REST) needs stored bars: `tickflow store` writes the chain's output topics into the
// chain's chDB directory. chDB locks its directory to one process, and `tickflow api` holds it, so
// the API is stopped while `store` catches up and then started again on the same port: the open
// page shows the drop, backs off, and reconnects by itself; a reload then draws history at once.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { TOPICS } from '@tickflow/operators';
import { encode, type PriceAlert } from '@tickflow/schemas';
import { REPO_ROOT } from '../apps/processor/test/shared-data';
import { TestBrowser, type TestPage } from './support/browser';
import { ensureChromium } from './support/chromium';
import { LiveChain, stop, tickflow, until, type Proc } from './support/tickflow-processes';

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
  firstCandle: { window_start: number; symbol: string } | null;
  candleSymbols: string[];
  historyCandles: number;
  history: { state: 'idle' | 'loading' | 'loaded' | 'error'; symbol: string; bars: number; signals: number; error: string; ms: number };
  historyLoads: number;
  supersededHistoryLoads: number;
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

/** Picks `symbol` in the page's symbol picker as a user would (a `change` event). */
const PICK = (symbol: string): string =>
  `(() => { const s = document.getElementById('symbol'); s.value = ${JSON.stringify(symbol)}; s.dispatchEvent(new Event('change')); return s.value; })()`;
/** A live-only page cannot hold a candle this much older than the moment it loaded (or switched). */
const OLDER_THAN_LIVE_MS = 20_000;

describe('dashboard at / in headless Chromium, fed by simulator → processor → API', () => {
  const chain = new LiveChain({ name: 'e2edash', simulate: ['--rate', '200', '--symbols', '3', '--seed', '11', '--duration', '300', '--quiet'] });
  let browser: TestBrowser | null = null;
  let page: TestPage;
  let store: Proc | null = null;

  const state = (): Promise<DashboardState> => page.evaluate<DashboardState>(STATE);
  const waitForState = (what: string, predicate: string, timeoutMs: number): Promise<DashboardState> =>
    page.waitFor<DashboardState>(what, `(() => { const s = ${STATE}; return s && (${predicate}) ? s : null; })()`, timeoutMs);

  beforeAll(async () => {
    const chromium = await ensureChromium();
    await chain.start();
    browser = await TestBrowser.launch({ executablePath: chromium, viewport: { width: 1400, height: 900 } });
    page = await browser.newPage();
    await page.goto(`${chain.baseUrl}/?key=${encodeURIComponent(chain.apiKey)}&symbol=${SYMBOL}`);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stop(store, 'SIGKILL'); // only if a test failed while it ran
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
      // A refused key is not remembered: the origin's tabs keep reloading with the working one.
      expect(await other.evaluate('localStorage.getItem("tickflow.apiKey")')).toBe(chain.apiKey);
    } finally {
      await other.close();
    }
  }, 30_000);

  it('while the API is down: shows the drop and backs off, a failed history load leaves the page working, and `tickflow store` stores the bars', async () => {
    const port = new URL(chain.baseUrl).port;
    const admin = chain.kafka.admin();
    await admin.connect();
    try {
      // What the store must have committed before it stops: everything produced up to now.
      const topics = [chain.prefix + TOPICS.bars1s, chain.prefix + TOPICS.signals];
      const high = new Map<string, number>();
      for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) high.set(`${topic}/${p.partition}`, Number(p.high));
      expect([...high.values()].some((h) => h > 0)).toBe(true);

      expect(await stop(chain.api)).toBe(0); // SIGTERM: clean shutdown, closes the page's socket with 1001
      const down = await waitForState('the page to back off', "s.status === 'reconnecting' && /retrying in/.test(s.statusDetail)", 10_000);
      expect(down.statusDetail).toMatch(/^closed \(\d+.*\); retrying in \d+\.\d s$/);

      // A symbol switch now: its history request fails; the page says so and carries on.
      const before = page.console.length;
      expect(await page.evaluate(PICK('SYM0002'))).toBe('SYM0002');
      const failed = await waitForState('the history failure', "s.symbol === 'SYM0002' && s.history.symbol === 'SYM0002' && s.history.state === 'error'", 10_000);
      expect(failed.candleCount).toBe(0);
      expect(await page.evaluate('document.getElementById("history-status").dataset.state')).toBe('error');
      expect(await page.evaluate('document.getElementById("history-status").textContent')).toMatch(/^history unavailable/);
      expect(await page.evaluate(PICK(SYMBOL))).toBe(SYMBOL);
      await waitForState('the history failure', `s.symbol === '${SYMBOL}' && s.history.symbol === '${SYMBOL}' && s.history.state === 'error'`, 10_000);
      expect(page.console.slice(before).filter((l) => l.startsWith('exception'))).toEqual([]);

      const storeGroup = `${chain.prefix}store`;
      const proc = (store = tickflow(['store', '--group', storeGroup, '--batch-ms', '200'], chain.env));
      await until('the store to start', () => proc.logs.some((l) => l.includes('"clickhouse writer started"')), 60_000, [proc]);
      // Caught up: its committed offsets (committed only after the insert) reach those high marks.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const committed = new Map<string, number>();
        for (const t of await admin.fetchOffsets({ groupId: storeGroup, topics })) for (const p of t.partitions) committed.set(`${t.topic}/${p.partition}`, Number(p.offset));
        if ([...high].every(([tp, h]) => (committed.get(tp) ?? 0) >= h)) break;
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`tickflow store exited:\n${proc.logs.slice(-10).join('\n')}`);
        if (Date.now() > deadline) throw new Error(`the store did not catch up within 60 s: ${JSON.stringify([...committed])} < ${JSON.stringify([...high])}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await stop(proc)).toBe(0); // SIGTERM: inserts what it buffered, commits, exits 0
      store = null;
      const stopped = proc.logs.map((l) => /"clickhouse writer stopped".*"rowsInserted":(\d+)/.exec(l)).find(Boolean);
      expect(Number(stopped?.[1])).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }

    // The API again, on the same port: the open page's origin, key and reconnect target are unchanged.
    const api = (chain.api = tickflow(['api', '--port', port], chain.env));
    const listening = await until('the API to listen again', () => api.logs.map((l) => /"msg":"api listening".*"url":"([^"]+)"/.exec(l)).find(Boolean), 120_000, [api]);
    expect(listening[1]).toBe(chain.baseUrl);
  }, 150_000);

  it('reconnects by itself once the API is back, and refills the history it missed', async () => {
    const s = await waitForState('live again with history', `s.status === 'live' && s.history.symbol === '${SYMBOL}' && s.history.state === 'loaded' && s.historyCandles > 0`, 30_000);
    expect(s.symbol).toBe(SYMBOL);
    expect(s.candleSymbols).toEqual([SYMBOL]);
  }, 40_000);

  it('on reload, draws the remembered symbol from history at once: candles older than the page itself', async () => {
    const before = page.console.length;
    const loadedAt = Date.now();
    await page.goto(`${chain.baseUrl}/`); // no ?key= nor ?symbol=: both remembered
    const s = await waitForState('history drawn', "s.history.state === 'loaded' && s.drawnCandles > 0", 10_000);
    const elapsedMs = Date.now() - loadedAt;
    expect(s.symbol).toBe(SYMBOL);
    expect(s.candleSymbols).toEqual([SYMBOL]);
    expect(s.historyCandles).toBeGreaterThanOrEqual(20);
    expect(s.drawnCandles).toBeGreaterThanOrEqual(20);
    expect(s.signalCount).toBeGreaterThanOrEqual(20);
    // Live bars alone would need ≥ 20 s for 20 candles, and none of them starts this long before the load.
    expect(elapsedMs).toBeLessThan(OLDER_THAN_LIVE_MS);
    expect(s.firstCandle!.window_start).toBeLessThan(loadedAt - OLDER_THAN_LIVE_MS);
    // The oldest candle is the oldest stored bar of the last 10 minutes, as REST lists it.
    const rest = (await (await fetch(`${chain.baseUrl}/v1/bars/${SYMBOL}?interval=1s&from=${loadedAt - 600_000}&limit=1`, { headers: { 'x-api-key': chain.apiKey } })).json()) as { data: Array<{ window_start: string }> };
    expect(s.firstCandle!.window_start).toBe(Date.parse(rest.data[0]!.window_start));
    expect(await page.evaluate('document.getElementById("history-status").dataset.state')).toBe('loaded');
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'dashboard-history.png'), await page.screenshot());
    expect(page.console.slice(before).filter((l) => l.startsWith('exception') || l.startsWith('error'))).toEqual([]);
  }, 30_000);

  it("switching symbol shows the other symbol's history, and switching back shows the first one's again", async () => {
    for (const sym of ['SYM0002', SYMBOL]) {
      const switchedAt = Date.now();
      expect(await page.evaluate(PICK(sym))).toBe(sym);
      const s = await waitForState(`${sym} history`, `s.symbol === '${sym}' && s.history.symbol === '${sym}' && s.history.state === 'loaded' && s.drawnCandles > 0`, 10_000);
      expect(s.candleSymbols, sym).toEqual([sym]);
      expect(s.historyCandles, sym).toBeGreaterThanOrEqual(20);
      expect(s.drawnCandles, sym).toBeGreaterThanOrEqual(20);
      expect(s.firstCandle!.window_start, sym).toBeLessThan(switchedAt - OLDER_THAN_LIVE_MS);
      expect(await page.evaluate('document.title')).toBe(`${sym} · tickflow`);
    }
  }, 30_000);

  it('drops the history of a symbol the user already left', async () => {
    const before = await state();
    // Two switches in one task: the first symbol's request is superseded before it can answer.
    await page.evaluate(`(${PICK('SYM0003')}, ${PICK('SYM0002')})`);
    const s = await waitForState('SYM0002 history', "s.symbol === 'SYM0002' && s.history.symbol === 'SYM0002' && s.history.state === 'loaded' && s.drawnCandles > 0", 10_000);
    expect(s.historyLoads - before.historyLoads).toBe(2);
    expect(s.supersededHistoryLoads - before.supersededHistoryLoads).toBe(1);
    expect(s.candleSymbols).toEqual(['SYM0002']);
    await new Promise((r) => setTimeout(r, 500)); // nothing of SYM0003 turns up later either
    expect((await state()).candleSymbols).toEqual(['SYM0002']);
  }, 20_000);
});
