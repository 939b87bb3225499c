// WS /v1/stream against real Redis (API keys) and a real `ws` client over TCP: authentication by
// first message, acks, unsubscribe, channel cap, heartbeats, the slow-consumer close with a bounded
// server buffer, and shutdown. Live messages are published on the hub directly; the Kafka fan-out
// into the hub has its own test (live-kafka-source.int.test.ts).
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../src/auth/api-keys';
import { RedisApiKeyStore } from '../src/auth/redis-api-key-store';
import { buildApp } from '../src/build-app';
import { CloseCode, LiveHub, liveFeature, type LiveFeedOptions, type LiveMessage } from '../src/live/index';
import { WsTestClient } from '../src/live/testing/ws-test-client';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let seq = 0;
function message(channel: string, data: Record<string, unknown> = {}): LiveMessage {
  const now = Date.now();
  return { channel, kind: channel.startsWith('bars.') ? 'bar' : channel.startsWith('signals.') ? 'signal' : channel.startsWith('alerts.') ? 'alert' : 'orderbook', data: { seq: ++seq, ...data }, eventTsMs: now, ingestTsMs: now, receivedAtMs: now };
}

describe('WS /v1/stream', () => {
  const prefix = `tickflow-test:ws:${process.pid}:${Date.now()}:`;
  let redis: Redis;
  let store: RedisApiKeyStore;
  let readKey: string;
  const apps: FastifyInstance[] = [];
  const clients: WsTestClient[] = [];

  /** An app with only the live feature (plus `extra` features), listening on a free port. */
  async function start(hub: LiveHub, options: LiveFeedOptions, metrics = new Registry(), extra: FastifyPluginAsync[] = []): Promise<{ app: FastifyInstance; url: string; metrics: Registry }> {
    const app = await buildApp({ keys: store, metrics, readiness: {}, rateLimit: { max: 1000, timeWindowMs: 60_000 }, corsOrigins: [], features: [liveFeature({ hub, keys: store, metrics, options }), ...extra] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    apps.push(app);
    return { app, url: `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/stream`, metrics };
  }

  async function client(url: string, key = readKey): Promise<WsTestClient> {
    const c = await WsTestClient.authenticated(url, key);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new RedisApiKeyStore(redis, prefix);
    const k = newApiKey('desk', ['read'], 'dashboards');
    await store.put(k.record);
    readKey = k.key;
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const app of apps) await app.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  describe('protocol', () => {
    const hub = new LiveHub();
    let url: string;
    let app: FastifyInstance;
    let metrics: Registry;

    beforeAll(async () => {
      ({ app, url, metrics } = await start(hub, { authTimeoutMs: 1000, heartbeatIntervalMs: 1000, maxChannelsPerConnection: 5, flushIntervalMs: 20 }));
    });

    it('a plain GET is told to use a WebSocket', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/stream' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/WebSocket endpoint/) });
    });

    it('closes with AuthTimeout when no auth message comes', async () => {
      const c = await WsTestClient.open(url);
      clients.push(c);
      expect(await c.closed).toEqual({ code: CloseCode.AuthTimeout, reason: 'no valid auth message within 1000 ms' });
    });

    it.each([
      ['an unknown key', { action: 'auth', key: `tf_000000000000_${'A'.repeat(43)}` }, /unknown, revoked or malformed/],
      ['a malformed key', { action: 'auth', key: 'tf_nope' }, /unknown, revoked or malformed/],
      ['a subscribe before auth', { action: 'subscribe', channels: ['alerts.*'] }, /first message must be/],
    ])('closes with Unauthorized on %s', async (_what, first, reason) => {
      const c = await WsTestClient.open(url);
      clients.push(c);
      c.send(first);
      const closed = await c.closed;
      expect(closed.code).toBe(CloseCode.Unauthorized);
      expect(closed.reason).toMatch(reason);
    });

    it('a revoked key is refused', async () => {
      const k = newApiKey('gone', ['read']);
      await store.put({ ...k.record, revokedAtMs: Date.now() });
      const c = await WsTestClient.open(url);
      clients.push(c);
      c.send({ action: 'auth', key: k.key });
      expect((await c.closed).code).toBe(CloseCode.Unauthorized);
    });

    it('acks subscribe and unsubscribe; after the unsubscribe ack nothing of the channel arrives', async () => {
      const c = await client(url);
      expect(await c.request({ action: 'subscribe', channels: ['signals.AAPL', 'alerts.*'], id: 's1' })).toEqual({ type: 'subscribed', channels: ['signals.AAPL', 'alerts.*'], id: 's1' });
      hub.publish(message('signals.AAPL', { rsi14: 55 }));
      hub.publish(message('signals.MSFT')); // not subscribed
      hub.publish(message('alerts.BRK.B', { alert_id: 'a-1' }));
      const batch = await c.next((m) => m.type === 'batch');
      const got = [batch, ...c.received.filter((m) => m.type === 'batch')].flatMap((b) => b.messages as Array<{ channel: string; data: Record<string, unknown> }>);
      expect(got.map((m) => m.channel)).toEqual(['signals.AAPL', 'alerts.BRK.B']);
      expect(got[0]!.data).toMatchObject({ rsi14: 55 });
      c.takeChannelMessages();

      expect(await c.request({ action: 'unsubscribe', channels: ['signals.AAPL'], id: 'u1' })).toEqual({ type: 'unsubscribed', channels: ['signals.AAPL'], id: 'u1' });
      hub.publish(message('signals.AAPL'));
      hub.publish(message('alerts.MSFT', { marker: true })); // still subscribed: proves the feed moved on
      await c.next((m) => m.type === 'batch' && (m.messages as Array<{ data: { marker?: boolean } }>).some((x) => x.data.marker === true));
      expect(c.takeChannelMessages().map((m) => m.channel)).toEqual([]);
    });

    it('answers protocol errors with error messages and keeps the connection', async () => {
      const c = await client(url);
      c.send('{not json');
      expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_JSON' });
      expect(await c.request({ action: 'jump', id: 2 })).toMatchObject({ type: 'error', code: 'UNKNOWN_ACTION', id: 2 });
      expect(await c.request({ action: 'subscribe', channels: ['trades.AAPL'], id: 3 })).toMatchObject({ type: 'error', code: 'UNKNOWN_CHANNEL', id: 3 });
      expect(await c.request({ action: 'subscribe', channels: ['bars.1s.AAPL'], id: 4 })).toMatchObject({ type: 'subscribed' });
    });

    it('refuses more channels than the cap with TOO_MANY_CHANNELS', async () => {
      const c = await client(url);
      const six = ['A', 'B', 'C', 'D', 'E', 'F'].map((s) => `orderbook.${s}`);
      const err = await c.request({ action: 'subscribe', channels: six, id: 'cap' });
      expect(err).toMatchObject({ type: 'error', code: 'TOO_MANY_CHANNELS', id: 'cap', message: expect.stringMatching(/may hold 5/) });
      expect(await c.request({ action: 'subscribe', channels: six.slice(0, 5), id: 'ok' })).toMatchObject({ type: 'subscribed' });
      expect(await c.request({ action: 'subscribe', channels: ['orderbook.G'], id: 'over' })).toMatchObject({ type: 'error', code: 'TOO_MANY_CHANNELS' });
    });

    it('sends heartbeat messages and WS pings', async () => {
      const c = await client(url);
      const hb = await c.next((m) => m.type === 'heartbeat', 10_000);
      expect(hb.ts).toEqual(expect.any(Number));
      await c.next((m) => m.type === 'heartbeat', 10_000);
      expect(c.pings).toBeGreaterThanOrEqual(1);
      expect(c.ws.readyState).toBe(c.ws.OPEN); // the client's pongs keep it alive
    });

    it('exposes the live metrics', async () => {
      const text = await metrics.metrics();
      expect(text).toMatch(/live_ws_closes_total\{reason="AuthTimeout"\} 1/);
      expect(text).toMatch(/live_ws_closes_total\{reason="Unauthorized"\} [4-9]/);
      expect(text).toMatch(/live_event_to_delivery_seconds_count [1-9]/);
      expect(text).toMatch(/live_ws_connections [1-9]/);
    });
  });

  describe('slow consumer', () => {
    const hub = new LiveHub();
    const limit = 64 * 1024;
    const maxBatchMessages = 20;
    let url: string;
    let app: FastifyInstance;

    beforeAll(async () => {
      ({ app, url } = await start(hub, { maxBufferedBytes: limit, maxBatchMessages, flushIntervalMs: 10, heartbeatIntervalMs: 600_000 }));
    });

    it('a client that stops reading is closed with SlowConsumer; the server buffer stays bounded', async () => {
      const c = await client(url);
      await c.request({ action: 'subscribe', channels: ['bars.1s.*'], id: 1 });
      const healthy = await client(url);
      await healthy.request({ action: 'subscribe', channels: ['bars.1s.HEALTHY'], id: 1 });
      c.ws.pause(); // stop reading: the kernel buffers fill, then the server's

      const serverSockets = (): WebSocket[] => [...(app as unknown as { websocketServer: { clients: Set<WebSocket> } }).websocketServer.clients];
      const padding = 'x'.repeat(2000);
      let maxBuffered = 0;
      let published = 0;
      while (hub.listenerCount > 1) {
        for (let i = 0; i < 100; i++) hub.publish(message('bars.1s.SLOW', { padding }));
        published += 100;
        if (published > 200_000) throw new Error('the slow client was never closed');
        for (const s of serverSockets()) maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
        await new Promise((r) => setImmediate(r));
      }
      // At most the limit, plus the batch written when it was last under it, plus the close frame.
      const frameBytes = JSON.stringify({ channel: 'bars.1s.SLOW', data: message('bars.1s.SLOW', { padding }).data }).length;
      expect(maxBuffered).toBeLessThanOrEqual(limit + (maxBatchMessages + 1) * frameBytes + 1024);

      // Other clients are unaffected.
      hub.publish(message('bars.1s.HEALTHY'));
      await healthy.next((m) => m.type === 'batch');

      c.ws.resume(); // reads what was buffered, then the close frame
      const closed = await c.closed;
      expect(closed.code).toBe(CloseCode.SlowConsumer);
      expect(closed.reason).toMatch(/slow consumer: more than 65536 bytes unread/);
    });

    it('shutdown closes every connection with GoingAway', async () => {
      const c = await client(url);
      apps.splice(apps.indexOf(app), 1);
      await app.close();
      expect((await c.closed).code).toBe(CloseCode.GoingAway);
    });
  });

  it('leaves @fastify/websocket registered once, for the features after it too (as mercurius checks)', async () => {
    const hub = new LiveHub();
    const echo: FastifyPluginAsync = async (f) => {
      if ((f as unknown as { websocketServer?: unknown }).websocketServer === undefined) await f.register(websocket);
      f.get('/echo', { websocket: true, config: { access: 'public' } }, (socket) => {
        socket.on('message', (d) => socket.send(d.toString()));
      });
    };
    const { url } = await start(hub, {}, new Registry(), [echo]);
    const live = await client(url);
    expect(await live.request({ action: 'subscribe', channels: ['alerts.*'], id: 1 })).toMatchObject({ type: 'subscribed' });
    const other = await WsTestClient.open(url.replace('/v1/stream', '/echo'));
    clients.push(other);
    other.send({ hello: 1 });
    expect(await other.next((m) => m.hello === 1)).toEqual({ hello: 1 });
  });
});
