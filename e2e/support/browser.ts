// Headless Chromium for the e2e tests, driven by playwright-core (the machine's /usr/bin/chromium;
// no browser download). A thin layer over Playwright's Page: string expressions evaluated in the
// page (the tests read the dashboard's `window.__tickflow` hook), polling with a helpful timeout
// message, and the page's console kept for failure reports.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export interface TestBrowserOptions {
  /** @defaultValue '/usr/bin/chromium' */
  executablePath?: string;
  /** Viewport of new pages, CSS px. @defaultValue { width: 1400, height: 900 } */
  viewport?: { width: number; height: number };
  /** @defaultValue 30 000 */
  launchTimeoutMs?: number;
}

/** Flags for a root user on a machine with a closed network (see the machine notes in the README). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** One browser with one profile: its pages are tabs that share cookies and localStorage, as a user's do. */
export class TestBrowser {
  private constructor(
    private readonly browser: Browser,
    private readonly context: BrowserContext,
  ) {}

  static async launch(opts: TestBrowserOptions = {}): Promise<TestBrowser> {
    const browser = await chromium.launch({ executablePath: opts.executablePath ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: opts.launchTimeoutMs ?? 30_000 });
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    return new TestBrowser(browser, context);
  }

  async newPage(): Promise<TestPage> {
    return new TestPage(await this.context.newPage());
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** One tab. Console messages and uncaught page errors are collected in `console`. */
export class TestPage {
  /** `level: text` of console calls and uncaught exceptions, in order. */
  readonly console: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => this.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.console.push(`exception: ${e.message}`));
  }

  /** Navigates and waits for the load event. Throws on a network-level failure (not on HTTP errors). */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    await this.page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  }

  /** Evaluates `expression` in the page (awaiting a returned promise) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    return (await this.page.evaluate(expression)) as T;
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
    return this.page.screenshot({ fullPage: opts.fullPage ?? false });
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
