import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from './graphql-js';
import type { FastifyBaseLogger } from 'fastify';
import { isClickHouseError } from '@tickflow/clickhouse';
import { API_ERRORS, ApiError, type ApiErrorCode } from '../errors';

/**
 * A GraphQL error carrying one of the API's stable codes (`errors.ts`) in `extensions.code`, so a
 * client handles `UNAUTHENTICATED` or `VALIDATION_FAILED` the same way over REST and GraphQL.
 */
export class GraphqlApiError extends GraphQLError {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'GraphqlApiError';
    this.code = code;
  }
}

/**
 * An `ApiError` of the code shared with REST (a refused history cursor: `BAD_CURSOR`) as a GraphQL
 * error with the same code, naming the argument (`extensions.argument`); REST's wording for the
 * cursor field, `next_cursor`, becomes GraphQL's `nextCursor`.
 */
export function graphqlErrorFromApiError(err: ApiError, argument: string): GraphqlApiError {
  return new GraphqlApiError(err.code, `${argument}: ${err.detail.replaceAll('next_cursor', 'nextCursor')}`, { argument });
}

/** What mercurius' `errorFormatter` returns. */
export interface FormattedGraphqlErrors {
  statusCode: number;
  response: { data: Record<string, unknown> | null; errors: GraphQLFormattedError[] };
}

const INTERNAL_MESSAGE = 'an unexpected error occurred; it has been logged';

/** mercurius and Fastify errors that say what was wrong with the request, by their `code`. */
const REQUEST_ERROR_CODES: Readonly<Record<string, ApiErrorCode>> = {
  MER_ERR_GQL_VALIDATION: 'VALIDATION_FAILED',
  MER_ERR_GQL_QUERY_DEPTH: 'VALIDATION_FAILED',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: 'VALIDATION_FAILED',
  MER_ERR_GQL_CSRF_PREVENTION: 'VALIDATION_FAILED',
  MER_ERR_GQL_SUBSCRIPTION_INVALID_OPERATION: 'VALIDATION_FAILED',
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * The one place GraphQL errors get their API code (mercurius `errorFormatter`, for HTTP results,
 * errors thrown before execution, and subscription events). Every error leaves with
 * `extensions.code`; an unexpected one is logged and its message replaced, so internals (SQL,
 * stack traces) never reach a client. The HTTP status is that of the first error's code when no
 * data came back (a refused request: 400, 401, 405, 500…), else 200 with partial data.
 */
export function formatGraphqlErrors(execution: ExecutionResult, log: FastifyBaseLogger): FormattedGraphqlErrors {
  const errors: GraphQLFormattedError[] = [];
  let firstCode: ApiErrorCode | undefined;
  for (const error of execution.errors ?? []) {
    for (const [code, formatted] of classify(error, log)) {
      firstCode ??= code;
      errors.push(formatted);
    }
  }
  const data = (execution.data as Record<string, unknown> | null | undefined) ?? null;
  const statusCode = data === null && firstCode !== undefined ? API_ERRORS[firstCode].status : 200;
  return { statusCode, response: { data, errors } };
}

type Classified = [ApiErrorCode, GraphQLFormattedError];

function classify(error: GraphQLError, log: FastifyBaseLogger): Classified[] {
  const original = error.originalError as (Error & { code?: unknown; statusCode?: unknown; errors?: unknown }) | undefined;

  // mercurius wraps validation (and depth) failures: one error whose `errors` are the real ones.
  if (original && Array.isArray(original.errors) && original.errors.length > 0) {
    const code = requestCode(original) ?? 'VALIDATION_FAILED';
    return (original.errors as Error[]).map((inner) => [code, withCode(inner instanceof GraphQLError ? inner : new GraphQLError(inner.message), code)]);
  }
  const own = error.extensions?.['code'];
  if (typeof own === 'string' && own in API_ERRORS) return [[own as ApiErrorCode, error.toJSON()]];
  if (original instanceof ApiError) return [[original.code, withCode(new GraphQLError(original.detail, { nodes: error.nodes, path: error.path }), original.code)]];
  // Errors without a path arise before execution: syntax, validation, coercion of arguments and
  // variables (graphql-js' own, or a scalar's parse error as their original). With a path, an
  // error that is not ours (a null in a non-null field, an unserializable value) is a server bug.
  if (error.path === undefined && (!original || original instanceof GraphQLError)) return [['VALIDATION_FAILED', withCode(error, 'VALIDATION_FAILED')]];
  const mapped = original ? requestCode(original) : undefined;
  if (mapped) return [[mapped, withCode(error, mapped)]];
  if (original?.statusCode === 429) return [['RATE_LIMITED', withCode(error, 'RATE_LIMITED')]];
  if (isClickHouseError(original) && (original.code === 'CH_UNAVAILABLE' || original.code === 'CH_CLOSED')) {
    log.warn({ err: original }, 'graphql: ClickHouse unavailable');
    return [['UNAVAILABLE', withCode(new GraphQLError('the history store is unavailable; retry shortly', { nodes: error.nodes, path: error.path }), 'UNAVAILABLE')]];
  }
  log.error({ err: original ?? error, path: error.path }, 'graphql: unexpected error');
  return [['INTERNAL', withCode(new GraphQLError(INTERNAL_MESSAGE, { nodes: error.nodes, path: error.path }), 'INTERNAL')]];
}

function requestCode(err: { code?: unknown }): ApiErrorCode | undefined {
  return typeof err.code === 'string' ? REQUEST_ERROR_CODES[err.code] : undefined;
}

function withCode(error: GraphQLError, code: ApiErrorCode): GraphQLFormattedError {
  const json = error.toJSON();
  return { ...json, extensions: { ...json.extensions, code } };
}
