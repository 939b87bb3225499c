import { isAnalyticsError } from '@tickflow/analytics';
import { isClickHouseError } from '@tickflow/clickhouse';
import { ApiError } from '../errors';
import type { OperationHandlers } from './openapi-routes';

/**
 * The one place the REST feature maps library errors to API codes. A caller's out-of-domain
 * argument caught by the analytics library is the caller's error (400); an unreachable ClickHouse
 * server is temporary (503); everything else stays an unexpected error (500, logged by the app's
 * error handler, never echoed).
 */
export function toApiError(err: unknown): unknown {
  if (isAnalyticsError(err) && err.code === 'ANALYTICS_INVALID_ARGUMENT') {
    return new ApiError('VALIDATION_FAILED', `invalid request: ${err.message}`, { errors: [{ location: 'request', message: err.message }] });
  }
  if (isClickHouseError(err) && err.code === 'CH_UNAVAILABLE') {
    return new ApiError('UNAVAILABLE', 'the history store (ClickHouse) cannot be reached; retry shortly', { headers: { 'retry-after': '5' } });
  }
  return err;
}

/** `handlers` with their failures passed through {@link toApiError}. */
export function withErrorMapping(handlers: OperationHandlers): OperationHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([id, handler]) => [
      id,
      async (req, reply) => {
        try {
          return await handler(req, reply);
        } catch (err) {
          throw toApiError(err);
        }
      },
    ]),
  );
}
