/**
 * The API's error catalogue: one stable code per failure, with its HTTP status and RFC 9457 title.
 * Every REST error is an `application/problem+json` body built from it; GraphQL errors and WS close
 * codes map from the same codes.
 */
export const API_ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  BAD_CURSOR: { status: 400, title: 'Invalid pagination cursor' },
  UNAUTHENTICATED: { status: 401, title: 'Missing or invalid API key' },
  FORBIDDEN: { status: 403, title: "The API key's scope does not allow this" },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  UNSAFE_URL: { status: 422, title: 'URL refused' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Base URI of the problem `type`s; each code has its own, documented in the OpenAPI spec. */
export const PROBLEM_TYPE_BASE = 'https://tickflow.dev/problems/';

/** An RFC 9457 problem details object as tickflow sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ApiErrorCode;
  /** For VALIDATION_FAILED: what was wrong where. */
  errors?: Array<{ location: string; message: string }>;
}

/** Thrown by routes and hooks; the app's error handler turns it into problem+json. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    readonly detail: string,
    readonly extra: { errors?: Problem['errors']; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = API_ERRORS[code].status;
  }
}

export function problem(code: ApiErrorCode, detail: string, instance?: string, errors?: Problem['errors']): Problem {
  const { status, title } = API_ERRORS[code];
  return { type: PROBLEM_TYPE_BASE + code.toLowerCase().replaceAll('_', '-'), title, status, detail, code, ...(instance ? { instance } : {}), ...(errors ? { errors } : {}) };
}
