/** Stable codes of the oracle's errors. */
export const ORACLE_ERROR_CODES = ['ORACLE_PATH_INVALID', 'ORACLE_LINE_INVALID', 'ORACLE_DUPLICATE_TRADE_ID', 'ORACLE_RESULT_TYPE'] as const;
export type OracleErrorCode = (typeof ORACLE_ERROR_CODES)[number];

/**
 * The oracle refuses input it cannot vouch for: it is a reference for clean recorded tapes, so a
 * malformed line or a repeated trade id (which the processor would send to a DLQ or drop) means the
 * comparison would not be like for like.
 */
export class OracleError extends Error {
  override readonly name = 'OracleError';

  constructor(
    readonly code: OracleErrorCode,
    message: string,
    /** 1-based line of the input file at fault, when there is one. */
    readonly line: number | null = null,
  ) {
    super(message);
  }
}
