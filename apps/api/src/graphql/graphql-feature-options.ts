/** How `graphqlFeature` limits and serves GraphQL. Every field is optional; defaults below. */
export interface GraphqlFeatureOptions {
  /**
   * Where GraphQL is served: POST/GET for queries, the WebSocket upgrade (graphql-transport-ws)
   * for subscriptions.
   * @defaultValue '/graphql'
   */
  path?: string;
  /**
   * Deepest nesting of selections an operation may have (fields and inline fragments each add a
   * level, as mercurius' `queryDepth` counts). tickflow's own types are at most 4 deep; 15 is the
   * depth of graphql-js' standard introspection query, so GraphiQL and code generators work.
   * @defaultValue 15
   */
  maxDepth?: number;
  /**
   * Largest estimated cost an operation may have: every field costs 1, and a list field multiplies
   * its own cost and its selection's by its `limit` argument (`assumedListSize` when it has none;
   * introspection lists by their mean length in the schema). The default admits the standard
   * introspection query (about 13,000 for this schema) and two `symbols(limit: 1000)` pages with
   * every field (9,000 each), not three; nor introspection nested five lists deep.
   * @defaultValue 25000
   */
  maxCost?: number;
  /**
   * Rows a list without a `limit` argument is assumed to hold when estimating the cost
   * (positions of a portfolio, sectors, introspection lists).
   * @defaultValue 10
   */
  assumedListSize?: number;
  /**
   * Longest query accepted, in GraphQL tokens; parsing stops beyond it. The standard
   * introspection query is about 300 tokens.
   * @defaultValue 5000
   */
  maxTokens?: number;
  /**
   * Most symbols one `signals` / `alerts` subscription may name.
   * @defaultValue 100
   */
  maxSymbolsPerSubscription?: number;
  /**
   * Most subscriptions one WebSocket connection may hold at once.
   * @defaultValue 50
   */
  maxSubscriptionsPerConnection?: number;
  /**
   * Events one subscription may hold while its client reads slower than they arrive. Past this
   * the subscription ends with an `UNAVAILABLE` error instead of buffering without bound; the
   * client can subscribe again.
   * @defaultValue 1000
   */
  subscriptionBufferSize?: number;
  /**
   * Interval of the server's `ping` on each WebSocket connection, ms (the client answers `pong`);
   * 0 disables it.
   * @defaultValue 15000
   */
  keepAliveMs?: number;
}

export type ResolvedGraphqlFeatureOptions = Readonly<Required<GraphqlFeatureOptions>>;

export const DEFAULT_GRAPHQL_FEATURE_OPTIONS: ResolvedGraphqlFeatureOptions = Object.freeze({
  path: '/graphql',
  maxDepth: 15,
  maxCost: 25_000,
  assumedListSize: 10,
  maxTokens: 5000,
  maxSymbolsPerSubscription: 100,
  maxSubscriptionsPerConnection: 50,
  subscriptionBufferSize: 1000,
  keepAliveMs: 15_000,
});

/** The options with their defaults, checked once; a bad value throws a RangeError naming it. */
export function resolveGraphqlFeatureOptions(options: GraphqlFeatureOptions = {}): ResolvedGraphqlFeatureOptions {
  const resolved = { ...DEFAULT_GRAPHQL_FEATURE_OPTIONS };
  for (const [name, value] of Object.entries(options) as Array<[keyof GraphqlFeatureOptions, unknown]>) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_GRAPHQL_FEATURE_OPTIONS)) throw new RangeError(`graphql option ${name} is unknown; known: ${Object.keys(DEFAULT_GRAPHQL_FEATURE_OPTIONS).join(', ')}`);
    if (name === 'path') {
      if (typeof value !== 'string' || !/^\/[A-Za-z0-9/_-]*$/.test(value)) throw new RangeError(`graphql option path must be a URL path such as /graphql, got ${JSON.stringify(value)}`);
      resolved.path = value;
      continue;
    }
    const min = name === 'keepAliveMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new RangeError(`graphql option ${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
    resolved[name] = value;
  }
  return Object.freeze(resolved);
}
