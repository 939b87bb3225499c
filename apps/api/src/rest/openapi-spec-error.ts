/** Stable codes of start-up failures caused by the OpenAPI document or its handlers. */
export const OPENAPI_SPEC_ERROR_CODES = [
  /** The document cannot be read or parsed, or breaks an assumption of the loader (an external or recursive `$ref`, a header parameter…). */
  'OPENAPI_SPEC_INVALID',
  /** An operation routed by the feature registering them (REST, webhooks) has no handler, or a handler matches no operation. */
  'OPENAPI_HANDLERS_MISMATCH',
] as const;
export type OpenApiSpecErrorCode = (typeof OPENAPI_SPEC_ERROR_CODES)[number];

/** Thrown while a feature routing the contract (REST, webhooks) starts: the API refuses to serve a contract it does not implement. */
export class OpenApiSpecError extends Error {
  override readonly name = 'OpenApiSpecError';

  constructor(
    readonly code: OpenApiSpecErrorCode,
    message: string,
  ) {
    super(message);
  }
}
