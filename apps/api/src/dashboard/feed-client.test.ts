import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FeedClient, type FeedStatus } from './public/feed-client.js';

/** A browser-like WebSocket the test drives by hand. */
class FakeSocket {
  static readonly OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  // Server side:
  accept(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  reply(msg: object): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const last = (): FakeSocket => FakeSocket.all[FakeSocket.all.length - 1]!;

describe('FeedClient reconnecting', () => {
  let statuses: FeedStatus[];
  let delays: number[];
  let client: FeedClient;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    FakeSocket.all = [];
    statuses = [];
    delays = [];
    client = new FeedClient({
      url: 'ws://test/v1/stream',
      onStatus: (s) => statuses.push(s),
      onMessages: () => undefined,
      backoff: (attempt) => {
        const d = 100 * 2 ** attempt; // recorded, deterministic stand-in for backoffDelayMs
        delays.push(d);
        return d;
      },
    });
  });

  afterEach(() => {
    client.disconnect();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('authenticates first, re-subscribes after a reconnect, and goes live on `authenticated`', () => {
    client.subscribe(['signals.*']);
    client.connect('tf_key');
    last().accept();
    expect(last().sent).toEqual([
      { action: 'auth', key: 'tf_key' },
      { action: 'subscribe', channels: ['signals.*'], id: expect.any(Number) },
    ]);
    last().reply({ type: 'authenticated', keyId: 'abc' });
    expect(statuses.at(-1)).toMatchObject({ state: 'live' });
  });

  it('backs off with growing attempts while connections fail, and waits the delay before each', () => {
    client.connect('tf_key');
    for (let i = 0; i < 4; i += 1) {
      const before = FakeSocket.all.length;
      last().drop(1006);
      expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: i + 1, retryInMs: 100 * 2 ** i });
      vi.advanceTimersByTime(100 * 2 ** i - 1);
      expect(FakeSocket.all.length).toBe(before); // not yet
      vi.advanceTimersByTime(1);
      expect(FakeSocket.all.length).toBe(before + 1);
    }
    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it('resets the backoff once a connection authenticates, not merely when it opens', () => {
    client.connect('tf_key');
    last().drop(1006);
    vi.advanceTimersByTime(100);
    last().accept(); // open, but no `authenticated` yet
    last().drop(1011);
    vi.advanceTimersByTime(200);
    expect(delays).toEqual([100, 200]);
    last().accept();
    last().reply({ type: 'authenticated', keyId: 'abc' });
    last().drop(1001); // server restart
    expect(delays).toEqual([100, 200, 100]);
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1 });
  });

  it.each([4401, 4403])('never retries after an auth failure (close %i), even long after', (code) => {
    client.connect('tf_bad');
    last().accept();
    last().drop(code, 'key rejected');
    expect(statuses.at(-1)).toMatchObject({ state: 'auth-failed' });
    vi.advanceTimersByTime(10 * 60_000);
    expect(FakeSocket.all.length).toBe(1);
    expect(delays).toEqual([]);
  });

  it('stops a pending retry when the key is then refused, and starts afresh with a new key', () => {
    client.connect('tf_key');
    last().drop(1006);
    vi.advanceTimersByTime(100);
    last().drop(4401); // the reconnect was refused: the key was revoked meanwhile
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all.length).toBe(2);
    client.connect('tf_other');
    expect(FakeSocket.all.length).toBe(3);
    expect(statuses.at(-1)).toMatchObject({ state: 'connecting', attempt: 0 });
    last().drop(1006);
    expect(delays).toEqual([100, 100]); // attempt 0 again
  });

  it('ignores a replaced socket: its late close schedules nothing', () => {
    client.connect('tf_key');
    const first = last();
    client.connect('tf_key'); // e.g. the form submitted again
    expect(first.closedWith).toBe(1000);
    expect(first.onclose).toBeNull();
    expect(first.onmessage).toBeNull();
    expect(FakeSocket.all.length).toBe(2);
  });

  it('treats a silent connection as dead: the watchdog closes it and the client reconnects', () => {
    client.connect('tf_key');
    last().accept();
    last().reply({ type: 'authenticated', keyId: 'abc' });
    vi.advanceTimersByTime(35_000);
    expect(last().closedWith).toBe(4000);
    last().drop(4000, 'no heartbeat');
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1 });
  });
});

describe('FeedClient default backoff', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('uses backoffDelayMs: the first retry waits 0.25–0.5 s', () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    FakeSocket.all = [];
    const statuses: FeedStatus[] = [];
    const client = new FeedClient({ url: 'ws://test/v1/stream', onStatus: (s) => statuses.push(s), onMessages: () => undefined });
    try {
      client.connect('tf_key');
      last().drop(1006);
      const s = statuses.at(-1)!;
      expect(s.retryInMs).toBeGreaterThanOrEqual(250);
      expect(s.retryInMs).toBeLessThanOrEqual(500);
    } finally {
      client.disconnect();
    }
  });
});
