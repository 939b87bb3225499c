import type { DlqErrorType } from '@tickflow/schemas';

/**
 * Stable codes of the operators' rejections, each with the DLQ `error_type` it maps to.
 * Apps map these in one place (DLQ records, metrics); never match on messages.
 */
export const OPERATOR_ERRORS = {
  PRICE_NOT_POSITIVE: 'BUSINESS_RULE_VIOLATION',
  PRICE_ABSURD: 'BUSINESS_RULE_VIOLATION',
  QUANTITY_NOT_POSITIVE: 'BUSINESS_RULE_VIOLATION',
  QUANTITY_ABSURD: 'BUSINESS_RULE_VIOLATION',
  NOT_FINITE: 'SCHEMA_VIOLATION',
  SIDE_UNKNOWN: 'SCHEMA_VIOLATION',
  REQUIRED_FIELD_EMPTY: 'SCHEMA_VIOLATION',
  FIELD_TOO_LONG: 'BUSINESS_RULE_VIOLATION',
  SYMBOL_FORMAT: 'BUSINESS_RULE_VIOLATION',
  TIMESTAMP_TOO_OLD: 'BUSINESS_RULE_VIOLATION',
  TIMESTAMP_IN_FUTURE: 'BUSINESS_RULE_VIOLATION',
  QUOTE_CROSSED: 'BUSINESS_RULE_VIOLATION',
  SIZE_NEGATIVE: 'BUSINESS_RULE_VIOLATION',
  BOOK_LEVELS_UNORDERED: 'BUSINESS_RULE_VIOLATION',
  BOOK_TOO_DEEP: 'BUSINESS_RULE_VIOLATION',
  STATUS_UNROUTABLE: 'UNROUTABLE',
  DUPLICATE_TRADE_ID: 'DUPLICATE',
  LATE_EVENT: 'LATE_EVENT',
  PROCESSING_FAILED: 'PROCESSING_ERROR',
} as const satisfies Record<string, DlqErrorType>;

export type OperatorErrorCode = keyof typeof OPERATOR_ERRORS;

/** A rule broken by an input record: what the DLQ record and the metrics need. */
export interface Rejection {
  code: OperatorErrorCode;
  errorType: DlqErrorType;
  message: string;
}

export function reject(code: OperatorErrorCode, message: string): Rejection {
  return { code, errorType: OPERATOR_ERRORS[code], message };
}
