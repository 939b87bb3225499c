import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newApiKey, type ApiKeyRecord, type ApiKeyStore } from '../auth/api-keys';
import { LiveFeed } from './live-feed';
import { resolveLiveFeedOptions, type LiveFeedOptions } from './live-feed-options';
import { LiveHub, type LiveMessage } from './live-hub';
import { CloseCode, LiveErrorCode } from './live-protocol';
import { SessionPhase, type LiveSession, type LiveSocket } from './live-session';

class MemoryKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  failing = false;
  async put(r: ApiKeyRecord): Promise<void> {
    this.records.set(r.id, r);
  }
  async get(id: string): Promise<ApiKeyRecord | null> {
    if (this.failing) throw new Error('store down');
    return this.records.get(id) ?? null;
  }
  async list(): Promise<ApiKeyRecord[]> {
    return [...this.records.values()];
  }
  async close(): Promise<void> {}
}

class FakeSocket implements LiveSocket {
  bufferedAmount = 0;
  isOpen = true;
  readonly sent: Array<Record<string, unknown>> = [];
  closed: { code: number; reason: string } | null = null;
  pings = 0;
  terminated = false;
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.isOpen = false;
  }
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.isOpen = false;
  }
  /** Messages sent since the last call. */
  take(): Array<Record<string, unknown>> {
    return this.sent.splice(0);
  }
}

let seq = 0;
const msg = (channel: string, extra: Partial<LiveMessage> = {}): LiveMessage => ({ channel, kind: 'alert', data: { n: ++seq }, eventTsMs: 1_000, receivedAtMs: 2_000, ...extra });
/** Lets the key store's promises resolve (no timers involved). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('LiveSession over LiveFeed', () => {
  let hub: LiveHub;
  let keys: MemoryKeyStore;
  let registry: Registry;
  let key: string;
  let keyRecord: ApiKeyRecord;
  let feeds: LiveFeed[];

  beforeEach(async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    hub = new LiveHub();
    keys = new MemoryKeyStore();
    registry = new Registry();
    const k = newApiKey('alice', ['read']);
    key = k.key;
    keyRecord = k.record;
    await keys.put(k.record);
    feeds = [];
  });

  afterEach(() => {
    for (const f of feeds) f.close();
    vi.useRealTimers();
  });

  function feedWith(options: LiveFeedOptions = {}): LiveFeed {
    const feed = new LiveFeed({ hub, keys, metrics: registry, options: { revalidateKeyIntervalMs: 0, ...options }, log: () => undefined });
    feeds.push(feed);
    return feed;
  }

  async function connect(feed: LiveFeed, channels: string[] = []): Promise<{ socket: FakeSocket; session: LiveSession }> {
    const socket = new FakeSocket();
    const session = feed.accept(socket)!;
    session.onText(JSON.stringify({ action: 'auth', key }));
    await settle();
    expect(socket.take()).toEqual([{ type: 'authenticated', keyId: keyRecord.id }]);
    if (channels.length > 0) {
      session.onText(JSON.stringify({ action: 'subscribe', channels }));
      expect(socket.take()).toEqual([{ type: 'subscribed', channels }]);
    }
    return { socket, session };
  }

  const batchChannels = (m: Record<string, unknown>): string[] => (m.messages as Array<{ channel: string }>).map((x) => x.channel);

  it('authenticates with the first message and acks subscriptions with their id', async () => {
    const feed = feedWith();
    const socket = new FakeSocket();
    const session = feed.accept(socket)!;
    expect(session.state).toBe(SessionPhase.AwaitingAuth);
    session.onText(JSON.stringify({ action: 'auth', key, id: 'a' }));
    expect(session.state).toBe(SessionPhase.Authenticating);
    await settle();
    expect(session.state).toBe(SessionPhase.Open);
    expect(session.identity).toMatchObject({ owner: 'alice', keyId: keyRecord.id });
    session.onText(JSON.stringify({ action: 'subscribe', channels: ['alerts.*', 'bars.1s.AAPL'], id: 1 }));
    session.onText(JSON.stringify({ action: 'unsubscribe', channels: ['alerts.*'], id: 2 }));
    expect(socket.take()).toEqual([
      { type: 'authenticated', keyId: keyRecord.id, id: 'a' },
      { type: 'subscribed', channels: ['alerts.*', 'bars.1s.AAPL'], id: 1 },
      { type: 'unsubscribed', channels: ['alerts.*'], id: 2 },
    ]);
    expect(session.channels).toEqual(['bars.1s.AAPL']);
    expect(hub.listenerCount).toBe(1);
  });

  it('handles messages pipelined behind auth in order, once the key is verified', async () => {
    const feed = feedWith();
    const socket = new FakeSocket();
    const session = feed.accept(socket)!;
    session.onText(JSON.stringify({ action: 'auth', key }));
    session.onText(JSON.stringify({ action: 'subscribe', channels: ['signals.AAPL'], id: 's' }));
    expect(socket.sent).toEqual([]);
    await settle();
    expect(socket.take().map((m) => m.type)).toEqual(['authenticated', 'subscribed']);
  });

  it('batches messages: written after flushIntervalMs, in publish order', async () => {
    const feed = feedWith({ flushIntervalMs: 50 });
    const { socket } = await connect(feed, ['bars.1s.AAPL', 'signals.*']);
    hub.publish(msg('bars.1s.AAPL'));
    hub.publish(msg('signals.MSFT'));
    hub.publish(msg('bars.1s.MSFT')); // not subscribed
    await vi.advanceTimersByTimeAsync(49);
    expect(socket.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const [batch] = socket.take();
    expect(batch!.type).toBe('batch');
    expect(batchChannels(batch!)).toEqual(['bars.1s.AAPL', 'signals.MSFT']);
    expect((batch!.messages as Array<{ data: unknown }>)[0]!.data).toEqual({ n: seq - 2 });
  });

  it('writes a batch at once when it reaches maxBatchMessages', async () => {
    const feed = feedWith({ maxBatchMessages: 3, flushIntervalMs: 1000 });
    const { socket } = await connect(feed, ['alerts.*']);
    for (let i = 0; i < 4; i++) hub.publish(msg(`alerts.S${i}`));
    const sent = socket.take();
    expect(sent.map(batchChannels)).toEqual([['alerts.S0', 'alerts.S1', 'alerts.S2']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.take().map(batchChannels)).toEqual([['alerts.S3']]);
  });

  it('delivers a message once to a client subscribed to its channel and its wildcard', async () => {
    const feed = feedWith();
    const { socket } = await connect(feed, ['alerts.AAPL', 'alerts.*']);
    hub.publish(msg('alerts.AAPL'));
    hub.publish(msg('alerts.MSFT'));
    await vi.advanceTimersByTimeAsync(50);
    expect(socket.take().map(batchChannels)).toEqual([['alerts.AAPL', 'alerts.MSFT']]);
  });

  it('serializes a message once for every client', async () => {
    const feed = feedWith();
    const a = await connect(feed, ['alerts.*']);
    const b = await connect(feed, ['alerts.X']);
    const stringify = vi.spyOn(JSON, 'stringify');
    hub.publish(msg('alerts.X', { data: { marker: 1 } }));
    expect(stringify.mock.calls.filter(([v]) => (v as { marker?: number })?.marker === 1)).toHaveLength(1);
    stringify.mockRestore();
    await vi.advanceTimersByTimeAsync(50);
    expect(a.socket.take()).toEqual(b.socket.take());
  });

  it('writes what was queued before an unsubscribe ack, and nothing of the channel after it', async () => {
    const feed = feedWith();
    const { socket, session } = await connect(feed, ['bars.1s.AAPL']);
    hub.publish(msg('bars.1s.AAPL')); // queued, not yet written
    session.onText(JSON.stringify({ action: 'unsubscribe', channels: ['bars.1s.AAPL', 'signals.NOPE'] }));
    hub.publish(msg('bars.1s.AAPL'));
    await vi.advanceTimersByTimeAsync(100);
    const sent = socket.take();
    expect(sent.map((m) => m.type)).toEqual(['batch', 'unsubscribed']);
    expect(sent[1]).toEqual({ type: 'unsubscribed', channels: ['bars.1s.AAPL', 'signals.NOPE'] });
    expect(hub.listenerCount).toBe(0);
  });

  it('refuses a subscription past the channel cap, atomically; re-subscribing costs nothing', async () => {
    const feed = feedWith({ maxChannelsPerConnection: 3 });
    const { socket, session } = await connect(feed, ['alerts.A', 'alerts.B']);
    session.onText(JSON.stringify({ action: 'subscribe', channels: ['alerts.A', 'alerts.B', 'alerts.C'], id: 'ok' }));
    session.onText(JSON.stringify({ action: 'subscribe', channels: ['alerts.D', 'alerts.E'], id: 'cap' }));
    const [ok, cap] = socket.take();
    expect(ok).toEqual({ type: 'subscribed', channels: ['alerts.A', 'alerts.B', 'alerts.C'], id: 'ok' });
    expect(cap).toMatchObject({ type: 'error', code: LiveErrorCode.TooManyChannels, id: 'cap', message: expect.stringMatching(/2 more channels would make 5; a connection may hold 3/) });
    expect(session.channels).toEqual(['alerts.A', 'alerts.B', 'alerts.C']);
  });

  it.each<[string, string, LiveErrorCode]>([
    ['bad JSON', '{"action":', LiveErrorCode.BadJson],
    ['an unknown action', '{"action":"publish"}', LiveErrorCode.UnknownAction],
    ['an unknown channel', '{"action":"subscribe","channels":["trades.AAPL"]}', LiveErrorCode.UnknownChannel],
    ['a second auth', `{"action":"auth","key":"tf_x"}`, LiveErrorCode.AlreadyAuthenticated],
    ['a bad message', '{"action":"subscribe","channels":"alerts.*"}', LiveErrorCode.BadMessage],
  ])('answers %s with an error and stays open', async (_what, text, code) => {
    const feed = feedWith();
    const { socket, session } = await connect(feed);
    session.onText(text);
    expect(socket.take()).toEqual([{ type: 'error', code, message: expect.any(String) }]);
    expect(session.state).toBe(SessionPhase.Open);
    session.onBinary();
    expect(socket.take()).toEqual([{ type: 'error', code: LiveErrorCode.BadJson, message: expect.stringMatching(/binary/) }]);
  });

  it('closes with AuthTimeout when no auth arrives in time', async () => {
    const feed = feedWith({ authTimeoutMs: 5000 });
    const socket = new FakeSocket();
    feed.accept(socket);
    await vi.advanceTimersByTimeAsync(4999);
    expect(socket.closed).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closed).toEqual({ code: CloseCode.AuthTimeout, reason: 'no valid auth message within 5000 ms' });
    expect(feed.size).toBe(0);
  });

  it.each<[string, () => string, CloseCode, RegExp]>([
    ['an unknown key', () => JSON.stringify({ action: 'auth', key: `tf_000000000000_${'A'.repeat(43)}` }), CloseCode.Unauthorized, /unknown, revoked or malformed/],
    ['a malformed key', () => JSON.stringify({ action: 'auth', key: 'hello' }), CloseCode.Unauthorized, /unknown, revoked or malformed/],
    ['a subscribe first', () => JSON.stringify({ action: 'subscribe', channels: ['alerts.*'] }), CloseCode.Unauthorized, /first message must be .*auth.*, got subscribe/],
    ['bad JSON first', () => 'nope', CloseCode.Unauthorized, /first message must be/],
  ])('closes on %s', async (_what, text, code, reason) => {
    const feed = feedWith();
    const socket = new FakeSocket();
    feed.accept(socket)!.onText(text());
    await settle();
    expect(socket.closed?.code).toBe(code);
    expect(socket.closed?.reason).toMatch(reason);
    expect(Buffer.byteLength(socket.closed!.reason)).toBeLessThanOrEqual(123);
    expect(socket.sent).toEqual([]);
  });

  it('closes with InternalError when the key store fails', async () => {
    keys.failing = true;
    const feed = feedWith();
    const socket = new FakeSocket();
    feed.accept(socket)!.onText(JSON.stringify({ action: 'auth', key }));
    await settle();
    expect(socket.closed?.code).toBe(CloseCode.InternalError);
  });

  it('closes a slow consumer instead of queueing past maxBufferedBytes', async () => {
    const feed = feedWith({ maxBufferedBytes: 4096 });
    const { socket, session } = await connect(feed, ['alerts.*']);
    hub.publish(msg('alerts.A'));
    socket.bufferedAmount = 4097; // the client stopped reading
    hub.publish(msg('alerts.B'));
    await vi.advanceTimersByTimeAsync(50);
    expect(socket.take()).toEqual([]);
    expect(socket.closed).toEqual({ code: CloseCode.SlowConsumer, reason: 'slow consumer: more than 4096 bytes unread' });
    expect(session.state).toBe(SessionPhase.Closed);
    expect(hub.listenerCount).toBe(0);
    expect(await registry.getSingleMetricAsString('live_ws_closes_total')).toMatch(/reason="SlowConsumer"} 1/);
  });

  it('sends heartbeats and pings; drops a client that does not answer pings', async () => {
    const feed = feedWith({ heartbeatIntervalMs: 15_000 });
    const { socket, session } = await connect(feed);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(socket.take()).toEqual([{ type: 'heartbeat', ts: Date.now() }]);
    expect(socket.pings).toBe(1);
    session.onPong();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(socket.take().map((m) => m.type)).toEqual(['heartbeat']);
    await vi.advanceTimersByTimeAsync(15_000); // no pong to the second ping
    expect(socket.terminated).toBe(true);
    expect(session.state).toBe(SessionPhase.Closed);
  });

  it('closes a client that sends more than maxClientMessagesPerSecond', async () => {
    const feed = feedWith({ maxClientMessagesPerSecond: 5 });
    const { socket, session } = await connect(feed);
    for (let i = 0; i < 4; i++) session.onText(JSON.stringify({ action: 'subscribe', channels: ['alerts.*'] }));
    expect(socket.closed).toBeNull();
    await vi.advanceTimersByTimeAsync(1000); // a new second
    for (let i = 0; i < 6; i++) session.onText(JSON.stringify({ action: 'subscribe', channels: ['alerts.*'] }));
    expect(socket.closed?.code).toBe(CloseCode.TooManyRequests);
  });

  it('cuts off a connection whose key is revoked, at the next check', async () => {
    const feed = feedWith({ heartbeatIntervalMs: 1000, revalidateKeyIntervalMs: 1000 });
    const { socket, session } = await connect(feed);
    await vi.advanceTimersByTimeAsync(1000);
    session.onPong();
    expect(socket.closed).toBeNull();
    await keys.put({ ...keyRecord, revokedAtMs: Date.now() });
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(socket.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'the API key was revoked' });
  });

  it('refuses connections past maxConnections, and all with GoingAway once closed', async () => {
    const feed = feedWith({ maxConnections: 1 });
    const { socket } = await connect(feed, ['alerts.*']);
    const second = new FakeSocket();
    expect(feed.accept(second)).toBeNull();
    expect(second.closed?.code).toBe(CloseCode.TryAgainLater);
    hub.publish(msg('alerts.A'));
    feed.close();
    expect(socket.take().map((m) => m.type)).toEqual(['batch']); // queued messages go out first
    expect(socket.closed?.code).toBe(CloseCode.GoingAway);
    const late = new FakeSocket();
    expect(feed.accept(late)).toBeNull();
    expect(late.closed?.code).toBe(CloseCode.GoingAway);
    expect(feed.size).toBe(0);
  });

  it('observes event-to-delivery latency from ingest_ts, else event time, when written', async () => {
    const feed = feedWith();
    await connect(feed, ['alerts.*']);
    hub.publish(msg('alerts.A', { ingestTsMs: Date.now() - 200, eventTsMs: 1 }));
    hub.publish(msg('alerts.B', { ingestTsMs: 0, eventTsMs: Date.now() - 2000 }));
    await vi.advanceTimersByTimeAsync(50);
    const text = await registry.getSingleMetricAsString('live_event_to_delivery_seconds');
    expect(text).toMatch(/live_event_to_delivery_seconds_count 2/);
    expect(text).toMatch(/live_event_to_delivery_seconds_bucket\{le="0.25"\} 1/);
    expect(text).toMatch(/live_event_to_delivery_seconds_bucket\{le="2.5"\} 2/);
  });

  it('releases everything when the transport closes', async () => {
    const feed = feedWith();
    const { session } = await connect(feed, ['alerts.*', 'signals.X']);
    session.onSocketClosed();
    expect(hub.listenerCount).toBe(0);
    expect(feed.size).toBe(0);
    expect(await registry.getSingleMetricAsString('live_ws_connections')).toMatch(/live_ws_connections 0/);
  });
});

describe('resolveLiveFeedOptions', () => {
  it('fills defaults and freezes', () => {
    const o = resolveLiveFeedOptions({ flushIntervalMs: 10 });
    expect(o).toMatchObject({ flushIntervalMs: 10, authTimeoutMs: 5000, heartbeatIntervalMs: 15_000, maxChannelsPerConnection: 100, maxBufferedBytes: 1_048_576 });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it.each<[LiveFeedOptions, RegExp]>([
    [{ flushIntervalMs: 0 }, /flushIntervalMs must be an integer >= 1, got 0/],
    [{ maxBufferedBytes: 1.5 }, /maxBufferedBytes must be an integer/],
    [{ nope: 1 } as LiveFeedOptions, /unknown live feed option "nope"/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveLiveFeedOptions(options)).toThrow(message);
  });
});
