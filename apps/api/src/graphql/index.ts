/** GraphQL at /graphql (design §5): `graphqlFeature` is the one export `buildApp` needs. */
export { graphqlFeature, WS_CLOSE_FORBIDDEN, type GraphqlFeatureDeps } from './graphql-feature';
export { DEFAULT_GRAPHQL_FEATURE_OPTIONS, resolveGraphqlFeatureOptions, type GraphqlFeatureOptions, type ResolvedGraphqlFeatureOptions } from './graphql-feature-options';
export { GraphqlApiError } from './graphql-errors';
