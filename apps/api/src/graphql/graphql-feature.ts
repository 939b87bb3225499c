import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import { parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from './graphql-js';
import type { ClickHouse } from '@tickflow/clickhouse';
import { hasScope, verifyApiKey, type ApiKeyStore, type Principal } from '../auth/api-keys';
import type { RouteAccess } from '../build-app';
import { HistoryQueries } from '../history/history-queries';
import type { LiveHub } from '../live/live-hub';
import { formatGraphqlErrors, GraphqlApiError } from './graphql-errors';
import { resolveGraphqlFeatureOptions, type GraphqlFeatureOptions } from './graphql-feature-options';
import { queryLimitsRule } from './query-limits-rule';
import { subscriptionsOverWebSocketRule } from './subscriptions-over-websocket-rule';
import { createResolvers, type GraphqlContext } from './resolvers';
import { MAX_LIMIT, SCHEMA_SDL } from './schema';
import { TradeAnalyticsQueries } from './trade-analytics-queries';

export interface GraphqlFeatureDeps {
  /**
   * History reads: portfolio, sector performance, symbols, and the REST /v1 history (bars,
   * aggregates, signals, order book, alerts) through the same `HistoryQueries`, built here. Give
   * the API its own connection.
   */
  ch: ClickHouse;
  /** Feeds the subscriptions. */
  hub: LiveHub;
  /** The API-key store `buildApp` authenticates with. */
  keys: ApiKeyStore;
  options?: GraphqlFeatureOptions;
}

/** graphql-transport-ws close code for a refused `connection_init` (as graphql-ws' own server uses). */
export const WS_CLOSE_FORBIDDEN = 4403;

const PUBLIC: { access: RouteAccess } = { access: 'public' };

/**
 * GraphQL at `/graphql` (design §5) as a `buildApp` feature: queries over HTTP (POST, or GET for
 * queries) and subscriptions over WebSocket with the graphql-transport-ws protocol (graphql-ws
 * clients), by mercurius, encapsulated in this plugin.
 *
 * Auth. The routes are `access: 'public'` to buildApp (whose hook would demand a header on the
 * WS upgrade too) and authenticated here instead, with the same keys:
 * - HTTP: `Authorization: Bearer <key>` or `X-API-Key`, in this plugin's onRequest hook, so
 *   buildApp's per-key rate limit applies to GraphQL as well. A refusal is a GraphQL response
 *   with `extensions.code` UNAUTHENTICATED / FORBIDDEN and status 401 / 403.
 * - WebSocket: `connectionParams: { apiKey }` in `connection_init`, checked by mercurius'
 *   `onConnect`; an unknown, revoked or missing key closes the socket with 4403 and a reason.
 *   Each new subscription re-checks that the key was not revoked since.
 *
 * Limits, for queries and subscriptions alike: depth (mercurius `queryDepth`, and the same bound
 * in `queryLimitsRule` so that refusals say what to change), estimated cost, query length in
 * tokens, symbols per subscription, subscriptions per connection, events buffered per
 * subscription. Introspection stays on and obeys them. Every error carries an API error code.
 */
export function graphqlFeature(deps: GraphqlFeatureDeps): FastifyPluginAsync {
  const options = resolveGraphqlFeatureOptions(deps.options);
  const limitsRule = queryLimitsRule({ maxDepth: options.maxDepth, maxCost: options.maxCost, assumedListSize: options.assumedListSize, maxLimit: MAX_LIMIT });
  const resolvers = createResolvers({ queries: new TradeAnalyticsQueries(deps.ch), history: new HistoryQueries(deps.ch), hub: deps.hub, options });
  const { keys } = deps;

  return async function graphql(app) {
    app.addHook('onRequest', async (req, reply) => {
      if (isWebSocketUpgrade(req)) return; // authenticated by connection_init
      const result = await authenticateRequest(keys, req);
      if (result instanceof GraphqlApiError) {
        if (result.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
        throw result;
      }
      req.principal = result;
    });

    await app.register(mercurius, {
      schema: SCHEMA_SDL,
      resolvers,
      path: options.path,
      graphiql: false,
      queryDepth: options.maxDepth,
      validationRules: [limitsRule, subscriptionsOverWebSocketRule(options.path)],
      graphql: { parseOptions: { maxTokens: options.maxTokens } },
      additionalRouteOptions: { config: PUBLIC },
      context: (req): GraphqlContext => ({ principal: req.principal }),
      errorFormatter: (execution, context) => {
        const ctx = context as { reply?: { log: FastifyRequest['log'] }; app: { log: FastifyRequest['log'] } };
        return formatGraphqlErrors(execution, ctx.reply?.log ?? ctx.app.log);
      },
      subscription: {
        keepAlive: options.keepAliveMs > 0 ? options.keepAliveMs : undefined,
        // mercurius calls this as a method of its connection object, which holds the socket: a
        // refusal closes it with 4403 and a reason. Without that, mercurius would answer with
        // `connection_error`, which graphql-transport-ws does not define: graphql-ws clients then
        // close with 4004 "Bad response" and the reason is lost. (If a mercurius upgrade drops the
        // `this`, refusals still happen, mercurius' way; the subscription tests would notice.)
        onConnect: async function (this: unknown, data: { payload?: unknown }): Promise<Partial<GraphqlContext> | false> {
          const key = apiKeyOf(data.payload);
          const principal = key === null ? null : await verifyApiKey(keys, key);
          if (principal && hasScope(principal, 'read')) return { principal, connection: { activeSubscriptions: 0 } };
          refuse(this, key === null ? 'Forbidden: send connectionParams { apiKey }' : 'Forbidden: the API key is unknown, revoked or malformed');
          return false;
        },
      },
    });

    // mercurius does not validate subscription documents: it only checks their depth, and the
    // reason is lost on the way to the client ("Graphql validation error"). So validate the query
    // text here, before that check, with graphql-js' rules and the limits; a refusal reaches the
    // client as an `error` message with the reason and a code. (A query sent as an AST, which the
    // protocol does not allow but mercurius accepts, skips this hook: the next one validates it.)
    const validated = Symbol('validated');
    const validateSubscription = (schema: GraphQLSchema, document: DocumentNode): void => {
      const errors = validate(schema, document, [...specifiedRules, limitsRule]);
      if (errors.length > 0) throw new GraphqlApiError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '));
    };
    app.graphql.addHook('preSubscriptionParsing', async (schema, source, context) => {
      let document: DocumentNode;
      try {
        document = parse(source, { maxTokens: options.maxTokens });
      } catch (err) {
        throw new GraphqlApiError('VALIDATION_FAILED', err instanceof Error ? err.message : String(err));
      }
      validateSubscription(schema, document);
      (context as unknown as Record<symbol, boolean>)[validated] = true;
    });
    // Then re-check the connection's key: a key revoked since connection_init starts nothing new.
    app.graphql.addHook('preSubscriptionExecution', async (schema, document, context) => {
      const { principal } = context as unknown as GraphqlContext;
      if (!principal) throw new GraphqlApiError('UNAUTHENTICATED', 'subscriptions need connectionParams { apiKey }');
      const record = await keys.get(principal.keyId);
      if (!record || record.revokedAtMs !== null) throw new GraphqlApiError('UNAUTHENTICATED', 'the API key of this connection has been revoked');
      if (!(context as unknown as Record<symbol, boolean>)[validated]) validateSubscription(schema, document);
    });
  };
}

function isWebSocketUpgrade(req: FastifyRequest): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket';
}

/** The request's principal, or the error to answer with (same headers as buildApp accepts). */
async function authenticateRequest(keys: ApiKeyStore, req: FastifyRequest): Promise<Principal | GraphqlApiError> {
  const header = req.headers.authorization;
  const xApiKey = req.headers['x-api-key'];
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : typeof xApiKey === 'string' ? xApiKey : undefined;
  if (!key) return new GraphqlApiError('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"');
  const principal = await verifyApiKey(keys, key);
  if (!principal) return new GraphqlApiError('UNAUTHENTICATED', 'the API key is unknown, revoked or malformed');
  if (!hasScope(principal, 'read')) return new GraphqlApiError('FORBIDDEN', "GraphQL needs the 'read' scope");
  return principal;
}

function apiKeyOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const key = (payload as { apiKey?: unknown }).apiKey;
  return typeof key === 'string' && key.length > 0 ? key : null;
}

function refuse(connection: unknown, reason: string): void {
  const socket = (connection as { socket?: { close?: (code: number, reason: string) => void } } | undefined)?.socket;
  socket?.close?.(WS_CLOSE_FORBIDDEN, reason);
}
