/**
 * Stable error codes of `@tickflow/stream`, in one place. Apps map them (metrics, logs, restart policy);
 * never match on messages.
 */
export const SNAPSHOT_ERROR_CODES = {
  /** The bytes do not start with the `TFS` magic: not a tickflow snapshot (foreign or misplaced data). */
  CKPT_BAD_MAGIC: 'CKPT_BAD_MAGIC',
  /** A tickflow snapshot of a format version this build cannot read (written by a newer build). */
  CKPT_UNSUPPORTED_VERSION: 'CKPT_UNSUPPORTED_VERSION',
  /** Magic and version are fine but the body is truncated, altered (checksum mismatch) or unreadable. */
  CKPT_CORRUPT: 'CKPT_CORRUPT',
  /** The state handed to `encodeSnapshot` holds something that is not plain data (a function, a symbol…). */
  CKPT_UNSERIALIZABLE: 'CKPT_UNSERIALIZABLE',
  /** A decoded state does not fit the component restoring it (other window size, wrong shape). */
  CKPT_RESTORE_MISMATCH: 'CKPT_RESTORE_MISMATCH',
} as const;

export type SnapshotErrorCode = (typeof SNAPSHOT_ERROR_CODES)[keyof typeof SNAPSHOT_ERROR_CODES];

/** A snapshot could not be encoded, decoded or restored. `code` is stable; the message is for humans. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  readonly code: SnapshotErrorCode;

  constructor(code: SnapshotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
