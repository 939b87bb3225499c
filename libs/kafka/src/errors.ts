/**
 * Stable error codes of `@tickflow/kafka`, in one place. Apps map them (exit codes, logs); never
 * match on messages. Errors the in-process bus raises *as Kafka would* are kafkajs's own classes
 * (`KafkaJSProtocolError` with its `type`), so callers handle them exactly as on a real broker.
 */
export const BUS_ERROR_CODES = {
  /** A state file of the in-process bus (`stateDir`) is not what the bus wrote: unreadable JSON, wrong version or shape. */
  BUS_STATE_CORRUPT: 'BUS_STATE_CORRUPT',
  /** Another live process holds the in-process bus's `stateDir`: two buses on one state would reuse offsets. */
  BUS_STATE_LOCKED: 'BUS_STATE_LOCKED',
} as const;

export type BusErrorCode = (typeof BUS_ERROR_CODES)[keyof typeof BUS_ERROR_CODES];

/** The in-process bus's persisted state cannot be used. `code` is stable; the message names the file. */
export class BusStateError extends Error {
  override readonly name = 'BusStateError';
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
