import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { Registry } from 'prom-client';
import type { ApiKeyStore } from '../auth/api-keys';
import { ApiError } from '../errors';
import type { LiveHub } from './live-hub';
import type { LiveLog } from './live-log';
import { LiveFeed } from './live-feed';
import type { LiveFeedOptions } from './live-feed-options';
import { WsLiveSocket } from './ws-live-socket';

/** The WebSocket path of the live feed. */
export const LIVE_STREAM_PATH = '/v1/stream';

export interface LiveFeatureDeps {
  /** The process's hub, fed by `KafkaLiveSource` (cluster) or the embedded bus. */
  hub: LiveHub;
  keys: ApiKeyStore;
  /** The app's registry (`BuildAppOptions.metrics`). */
  metrics: Registry;
  options?: LiveFeedOptions;
  /** @defaultValue the app's logger */
  log?: LiveLog;
}

/**
 * WS /v1/stream (protocol in `live/README.md`) as a feature for `buildApp({ features })`.
 *
 * The route is `access: 'public'` because browsers cannot send headers on a WebSocket upgrade: the
 * key comes in the first message instead, and a connection without a valid one within
 * `authTimeoutMs` is closed. `app.close()` closes every connection with GoingAway (1001).
 *
 * Registers `@fastify/websocket` at the root unless it already is (fastify-plugin, so the GraphQL
 * feature's mercurius sees it and does not register a second upgrade listener): register this
 * feature before GraphQL, or register `@fastify/websocket` once in `buildApp`.
 */
export function liveFeature(deps: LiveFeatureDeps): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    const log: LiveLog = deps.log ?? ((level, msg, fields = {}) => app.log[level](fields, msg));
    const feed = new LiveFeed({ hub: deps.hub, keys: deps.keys, metrics: deps.metrics, options: deps.options, log });
    // Added before @fastify/websocket's own preClose (which closes clients without a code).
    app.addHook('preClose', async () => feed.close());
    if (!app.hasDecorator('websocketServer')) {
      await app.register(websocket, { options: { maxPayload: feed.options.maxMessageBytes } });
    }
    app.route({
      method: 'GET',
      url: LIVE_STREAM_PATH,
      config: { access: 'public' },
      handler: async () => {
        throw new ApiError('VALIDATION_FAILED', `${LIVE_STREAM_PATH} is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket), then send {"action":"auth","key":"tf_…"}`);
      },
      wsHandler: (ws) => {
        const socket = new WsLiveSocket(ws, feed.options.maxMessageBytes);
        const session = feed.accept(socket);
        if (session) socket.attach(session);
      },
    });
  };
  return fp(plugin, { name: 'tickflow-live-feed', fastify: '5.x' });
}
