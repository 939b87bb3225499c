import { GraphQLError, type ValidationRule } from './graphql-js';

/**
 * For GraphQL over HTTP only: refuses subscription operations, which mercurius would otherwise
 * execute once as a query (the subscription's resolver then sees no event and fails as an internal
 * error). Subscriptions run over the WebSocket at the same path.
 */
export function subscriptionsOverWebSocketRule(path: string): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      if (node.operation !== 'subscription') return;
      context.reportError(
        new GraphQLError(`subscriptions run over a WebSocket at ${path} (graphql-transport-ws protocol, e.g. a graphql-ws client), not over HTTP`, {
          nodes: [node],
          extensions: { code: 'VALIDATION_FAILED' },
        }),
      );
    },
  });
}
