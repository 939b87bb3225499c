// A small Chrome DevTools Protocol client over `ws` (playwright-core is not installed): launch a
// headless Chromium, open a page, evaluate JavaScript in it, take screenshots. One browser-level
// WebSocket; each page is a target attached with `flatten: true`, so its commands carry a sessionId.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface CdpBrowserOptions {
  /** @defaultValue '/usr/bin/chromium' */
  executablePath?: string;
  /** Viewport of new pages, CSS px. @defaultValue { width: 1400, height: 900 } */
  viewport?: { width: number; height: number };
  /** How long to wait for the DevTools URL on stderr. @defaultValue 30 000 */
  launchTimeoutMs?: number;
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
}

type EventListener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

/** A headless Chromium driven over CDP. `close()` kills it and removes its profile directory. */
export class CdpBrowser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<EventListener>>();

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ws: WebSocket,
    private readonly profileDir: string,
    readonly viewport: { width: number; height: number },
  ) {
    ws.on('message', (raw: Buffer) => this.onMessage(JSON.parse(raw.toString()) as CdpMessage));
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`CDP connection closed during ${p.method}`));
      this.pending.clear();
    });
  }

  static async launch(opts: CdpBrowserOptions = {}): Promise<CdpBrowser> {
    const viewport = opts.viewport ?? { width: 1400, height: 900 };
    const profileDir = mkdtempSync(join(tmpdir(), 'tickflow-chromium-'));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--window-size=${viewport.width},${viewport.height}`,
      `--user-data-dir=${profileDir}`,
      '--remote-debugging-port=0',
      'about:blank',
    ];
    const proc = spawn(opts.executablePath ?? '/usr/bin/chromium', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools URL within ${opts.launchTimeoutMs ?? 30_000} ms:\n${stderr.slice(-2000)}`)), opts.launchTimeoutMs ?? 30_000);
      proc.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited (${code ?? signal}) before it was ready:\n${stderr.slice(-2000)}`));
      });
    }).catch((err: unknown) => {
      proc.kill('SIGKILL');
      rmSync(profileDir, { recursive: true, force: true });
      throw err;
    });
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new CdpBrowser(proc, ws, profileDir, viewport);
  }

  /** Sends a CDP command (to the browser, or to a page's session) and resolves with its result. */
  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Record<string, unknown>) => void, reject, method });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Calls `listener` for each `method` event (of any session); returns the unsubscribe function. */
  on(method: string, listener: EventListener): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A new tab at about:blank with the browser's viewport. */
  async newPage(): Promise<CdpPage> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new CdpPage(this, targetId, sessionId);
    await page.init();
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => (this.proc.exitCode !== null || this.proc.signalCode !== null ? resolve() : this.proc.once('exit', () => resolve())));
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // already gone
    }
    this.ws.close();
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    rmSync(this.profileDir, { recursive: true, force: true });
  }

  private onMessage(msg: CdpMessage): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
      else p.resolve(msg.result ?? {});
      return;
    }
    if (msg.method) for (const l of this.listeners.get(msg.method) ?? []) l(msg.params ?? {}, msg.sessionId);
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string; data?: string };
  sessionId?: string;
}

interface RemoteObjectResult {
  result: { value?: unknown; type: string; description?: string };
  exceptionDetails?: { text: string; exception?: { description?: string } };
}

/** One tab. Console messages and uncaught page errors are collected in `console`. */
export class CdpPage {
  /** `level: text` of console calls and uncaught exceptions, in order. */
  readonly console: string[] = [];
  private readonly off: Array<() => void> = [];

  constructor(
    private readonly browser: CdpBrowser,
    readonly targetId: string,
    readonly sessionId: string,
  ) {}

  /** @internal */
  async init(): Promise<void> {
    const mine = (fn: EventListener): EventListener => (params, sessionId) => sessionId === this.sessionId && fn(params, sessionId);
    this.off.push(
      this.browser.on(
        'Runtime.consoleAPICalled',
        mine((p) => {
          const args = (p.args as Array<{ value?: unknown; description?: string }>).map((a) => (a.value !== undefined ? String(a.value) : (a.description ?? '')));
          this.console.push(`${String(p.type)}: ${args.join(' ')}`);
        }),
      ),
      this.browser.on(
        'Runtime.exceptionThrown',
        mine((p) => {
          const d = p.exceptionDetails as RemoteObjectResult['exceptionDetails'];
          this.console.push(`exception: ${d?.exception?.description ?? d?.text}`);
        }),
      ),
      this.browser.on(
        'Log.entryAdded',
        mine((p) => {
          const e = p.entry as { level: string; text: string; url?: string };
          this.console.push(`${e.level}: ${e.text}${e.url ? ` (${e.url})` : ''}`);
        }),
      ),
    );
    await Promise.all([this.send('Page.enable'), this.send('Runtime.enable'), this.send('Log.enable')]);
    const { width, height } = this.browser.viewport;
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  /** Navigates and waits for the load event. Throws on a network-level failure (not on HTTP errors). */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    let offLoad: () => void = () => undefined;
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${url} did not load within ${timeoutMs} ms`)), timeoutMs);
      offLoad = this.browser.on('Page.loadEventFired', (_p, sessionId) => {
        if (sessionId !== this.sessionId) return;
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      const nav = await this.send<{ errorText?: string }>('Page.navigate', { url });
      if (nav.errorText) throw new Error(`navigating to ${url} failed: ${nav.errorText}`);
      await loaded;
    } finally {
      offLoad();
    }
  }

  /**
   * Evaluates `expression` in the page (awaiting a returned promise) and returns its JSON value.
   * Throws with the page's exception text when it throws.
   */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<RemoteObjectResult>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`evaluating in the page failed: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Polls `expression` every 250 ms until it is truthy; returns that value. */
  async waitFor<T>(what: string, expression: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        last = await this.evaluate<T>(expression);
        if (last) return last as T;
      } catch (err) {
        last = (err as Error).message; // e.g. the page's module has not defined its hook yet
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(last)}; page console:\n${this.console.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** A PNG of the viewport (or the full page with `fullPage`). */
  async screenshot(opts: { fullPage?: boolean } = {}): Promise<Buffer> {
    const { data } = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: opts.fullPage ?? false });
    return Buffer.from(data, 'base64');
  }

  async close(): Promise<void> {
    for (const off of this.off) off();
    await this.browser.send('Target.closeTarget', { targetId: this.targetId }).catch(() => undefined);
  }
}
