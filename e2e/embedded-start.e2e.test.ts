// `npm start` as a newcomer runs it: the embedded profile in one process (simulator → in-process bus
// → processor → chDB, the lake and the API), with no Kafka, Redis or ClickHouse of its own. Proves
// the dashboard shows live data from it in a real headless Chromium, that final bars reach the REST
// history, and that Ctrl-C drains (tickflow logs `stopped` after the pipeline is stored) and a restart
// on the same data directory keeps the history and resumes. Screenshot: e2e/artifacts/embedded-dashboard.png (the README's picture comes from it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../apps/processor/test/shared-data';
import { TestBrowser, type TestPage } from './support/browser';
import { ensureChromium } from './support/chromium';

const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');
/** A seed whose simulated prices jump past the 2 % alert threshold within seconds (checked offline). */
const SEED = '31';

interface Started {
  child: ChildProcess;
  logs: string[];
  base: string;
  key: string;
}

/** `npm start -- …` in its own process group (npm → sh → node), resolved once the banner is out. */
async function npmStart(dataDir: string): Promise<Started> {
  const child = spawn('npm', ['start', '--', '--port', '0', '--data-dir', dataDir, '--seed', SEED, '--symbols', '4', '--checkpoint-ms', '1000'], {
    cwd: REPO_ROOT,
    env: { ...process.env, TICKFLOW_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: string[] = [];
  const keep = (d: Buffer): void => void logs.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 240_000;
  for (;;) {
    const m = logs.map((l) => /Dashboard\s+(http:\/\/\S+)\/\?key=(tf_\S+)/.exec(l)).find(Boolean);
    if (m) return { child, logs, base: m[1]!, key: m[2]! };
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}) before its banner:\n${logs.slice(-20).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no banner within 240 s:\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Ctrl-C to the whole process group, as a terminal sends it. npm itself dies of the SIGINT while
 * tickflow drains, so this waits for the pipes to close (tickflow holds them until it exits) and
 * returns tickflow's last log line.
 */
async function interrupt(s: Started | null): Promise<string | null> {
  if (!s) return null;
  const running = s.child.exitCode === null && s.child.signalCode === null;
  const closed = new Promise<void>((resolve) => (s.child.stdout!.readableEnded ? resolve() : s.child.once('close', () => resolve())));
  if (running) {
    try {
      process.kill(-s.child.pid!, 'SIGINT');
    } catch {
      // the group is gone already
    }
  }
  await closed;
  return s.logs.at(-1) ?? null;
}

interface RestBar {
  window_start: string;
  close: number;
  trade_count: number;
}

async function storedBars(s: Started, symbol: string): Promise<RestBar[]> {
  const bars: RestBar[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL(`${s.base}/v1/bars/${symbol}`);
    url.searchParams.set('interval', '1s');
    url.searchParams.set('limit', '1000');
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await fetch(url, { headers: { 'x-api-key': s.key } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: RestBar[]; next_cursor: string | null };
    bars.push(...body.data);
    cursor = body.next_cursor;
  } while (cursor);
  return bars;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface DashboardState {
  status: string;
  symbol: string;
  symbols: string[];
  candleCount: number;
  drawnCandles: number;
  lastCandle: { window_start: number; close: number; is_final: boolean } | null;
  alertCount: number;
  macdPoints: number;
  rsiPoints: number;
}
const STATE = 'window.__tickflow && window.__tickflow.state()';

describe('npm start: the embedded profile', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tickflow-embedded-'));
  let run: Started | null = null;
  let browser: TestBrowser | null = null;
  let page: TestPage;
  const waitForState = (what: string, predicate: string, timeoutMs: number): Promise<DashboardState> =>
    page.waitFor<DashboardState>(what, `(() => { const s = ${STATE}; return s && (${predicate}) ? s : null; })()`, timeoutMs);

  beforeAll(async () => {
    const chromium = await ensureChromium();
    run = await npmStart(dataDir);
    browser = await TestBrowser.launch({ executablePath: chromium, viewport: { width: 1400, height: 900 } });
    page = await browser.newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await interrupt(run);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('is ready with its embedded dependencies: the bus and chDB', async () => {
    const res = await fetch(`${run!.base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { bus: { ok: true }, clickhouse: { ok: true } } });
    expect(run!.logs.some((l) => / (ERROR|WARN) /.test(l))).toBe(false);
  });

  it('the dashboard at / shows live candles that keep updating, indicators and a simulated alert', async () => {
    await page.goto(`${run!.base}/?key=${encodeURIComponent(run!.key)}`);
    const first = await waitForState('live candles', "s.status === 'live' && s.candleCount >= 3 && s.drawnCandles >= 3", 90_000);
    expect(['AAPL', 'MSFT', 'NVDA', 'GOOGL']).toContain(first.symbol);
    const later = await waitForState('a newer candle', `s.lastCandle && s.lastCandle.window_start > ${first.lastCandle!.window_start}`, 30_000);
    expect(later.candleCount).toBeGreaterThan(first.candleCount - 1);
    // MACD needs 26 + 9 bars; RSI 15: both panes fill within a minute of 1 s bars.
    await waitForState('MACD and RSI points', 's.macdPoints > 0 && s.rsiPoints > 0', 90_000);
    const withAlert = await waitForState('a price alert in the feed', 's.alertCount > 0', 90_000);
    expect(withAlert.alertCount).toBeGreaterThan(0);
    expect(await page.evaluate('document.querySelectorAll("#alert-list li").length')).toBeGreaterThan(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'embedded-dashboard.png'), await page.screenshot());
  });

  it('stores final bars in chDB: the REST history holds the bars the dashboard drew', async () => {
    const shown = await page.evaluate<DashboardState>(STATE);
    const live = await page.evaluate<Array<{ window_start: number; close: number; is_final: boolean }>>('window.__tickflow.candles().filter((c) => c.is_final && !c.from_history)');
    expect(live.length).toBeGreaterThan(3);
    const probe = live[live.length - 3]!;
    const stored = await until(
      'the drawn bar in the REST history',
      async () => (await storedBars(run!, shown.symbol)).find((b) => Date.parse(b.window_start) === probe.window_start),
      30_000,
    );
    expect(stored.close).toBe(probe.close);
  });

  it('Ctrl-C drains and stops cleanly; a restart on the same data keeps the history, the key and resumes', async () => {
    const symbol = (await page.evaluate<DashboardState>(STATE)).symbol;
    const alertIds = await page.evaluate<string[]>('[...document.querySelectorAll("#alert-list li")].map((li) => li.dataset.alertId)');
    expect(alertIds.length).toBeGreaterThan(0);
    expect(await interrupt(run)).toMatch(/ INFO {2}tickflow +stopped$/);
    expect(run!.logs.filter((l) => / ERROR /.test(l))).toEqual([]);
    const before = await (async () => {
      const again = await npmStart(dataDir);
      const previousKey = run!.key;
      run = again;
      expect(again.key).toBe(previousKey);
      return storedBars(again, symbol);
    })();
    expect(before.length).toBeGreaterThan(10);
    // New bars arrive after the restart, and every window is stored once.
    const after = await until('bars stored after the restart', async () => {
      const bars = await storedBars(run!, symbol);
      return bars.length > before.length + 3 ? bars : null;
    }, 60_000);
    const windows = after.map((b) => b.window_start);
    expect(new Set(windows).size).toBe(windows.length);
    for (const b of before) expect(windows).toContain(b.window_start);
    expect(run!.logs.some((l) => l.includes('task started') && l.includes('restored=true'))).toBe(true);
    // A reloaded dashboard starts its alert feed with the alerts stored before the restart.
    await page.goto(`${run!.base}/?key=${encodeURIComponent(run!.key)}`);
    await page.waitFor('the stored alerts in the feed', `(() => { const ids = [...document.querySelectorAll('#alert-list li')].map((li) => li.dataset.alertId); return ${JSON.stringify(alertIds)}.every((id) => ids.includes(id)); })()`, 30_000);
  });
});
