/**
 * What operators need from their task when they build an output record: the position of the input
 * record being processed (becomes the output's `seq`, so outputs are a deterministic function of the
 * input) and a wall clock for fields that are explicitly wall-clock (`computed_at`).
 */
export interface EmitContext {
  /** Offset / position of the input record that caused the emission. */
  seq: number;
  /** Processing time, ms. Only for wall-clock fields; never for decisions. */
  nowMs(): number;
}
