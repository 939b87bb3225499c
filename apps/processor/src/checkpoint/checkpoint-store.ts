/**
 * Where task snapshots live between runs (design §3): Redis in the cluster profile, a local file in
 * the embedded one. A snapshot is stored under the input offsets it corresponds to (the next offset
 * to read per input), so a restore takes exactly the snapshot matching the offsets Kafka committed —
 * whether or not the process died between saving it and committing the transaction.
 */
export interface CheckpointStore {
  /**
   * Become the owner of a task's checkpoints. Returns an epoch; saves with an older epoch are refused
   * from then on, so an instance that lost the task (rebalance, long pause) cannot overwrite them.
   */
  claim(taskId: string): Promise<number>;
  /** Store `bytes` for `offsets`; keeps the few most recent snapshots. Throws CheckpointError CKPT_FENCED. */
  save(taskId: string, epoch: number, offsets: readonly number[], bytes: Uint8Array): Promise<void>;
  /** Offsets of the most recently saved snapshot (committed or not), or null when there is none. */
  latestOffsets(taskId: string): Promise<number[] | null>;
  /** The snapshot stored for exactly these offsets, or null. */
  load(taskId: string, offsets: readonly number[]): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

export const CHECKPOINT_ERROR_CODES = {
  CKPT_FENCED: 'CKPT_FENCED',
  CKPT_RESTORE_MISMATCH: 'CKPT_RESTORE_MISMATCH',
  CKPT_STORE_UNAVAILABLE: 'CKPT_STORE_UNAVAILABLE',
  /** A stored checkpoint fails its integrity check (truncated, altered, misplaced); it is never used. */
  CKPT_CORRUPT: 'CKPT_CORRUPT',
} as const;
export type CheckpointErrorCode = keyof typeof CHECKPOINT_ERROR_CODES;

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The tag a snapshot is stored under: its offsets, e.g. `120-7-0`. */
export function offsetsTag(offsets: readonly number[]): string {
  return offsets.join('-');
}
