import kafkajs, { type KafkaJSNonRetriableError, type KafkaJSProtocolError } from 'kafkajs';

/**
 * The broker errors the in-process bus raises, with kafkajs 2.2.4's code, retriability and message
 * (`src/protocol/error.js`), so callers that look at `type` (fencing, missing topics, rebalances)
 * behave as they do on a real broker.
 */
const PROTOCOL_ERRORS = {
  OFFSET_OUT_OF_RANGE: { code: 1, retriable: false, message: 'The requested offset is not within the range of offsets maintained by the server' },
  UNKNOWN_TOPIC_OR_PARTITION: { code: 3, retriable: true, message: 'This server does not host this topic-partition' },
  INVALID_TOPIC_EXCEPTION: { code: 17, retriable: false, message: 'The request attempted to perform an operation on an invalid topic' },
  ILLEGAL_GENERATION: { code: 22, retriable: false, message: 'Specified group generation id is not valid' },
  INCONSISTENT_GROUP_PROTOCOL: { code: 23, retriable: false, message: "The group member's supported protocols are incompatible with those of existing members" },
  UNKNOWN_MEMBER_ID: { code: 25, retriable: false, message: 'The coordinator is not aware of this member' },
  REBALANCE_IN_PROGRESS: { code: 27, retriable: false, message: 'The group is rebalancing, so a rejoin is needed' },
  TOPIC_ALREADY_EXISTS: { code: 36, retriable: false, message: 'Topic with this name already exists' },
  INVALID_PARTITIONS: { code: 37, retriable: false, message: 'Number of partitions is invalid' },
  INVALID_REPLICATION_FACTOR: { code: 38, retriable: false, message: 'Replication-factor is invalid' },
  INVALID_CONFIG: { code: 40, retriable: false, message: 'Configuration is invalid' },
  INVALID_PRODUCER_EPOCH: {
    code: 47,
    retriable: false,
    message: "Producer attempted an operation with an old epoch. Either there is a newer producer with the same transactionalId, or the producer's transaction has been expired by the broker",
  },
  INVALID_RECORD: { code: 87, retriable: false, message: 'Some record has failed the validation on the broker and hence be rejected' },
} as const;

export type ProtocolErrorType = keyof typeof PROTOCOL_ERRORS;

/** A `KafkaJSProtocolError` as kafkajs builds it from a broker error code; `detail` is appended to the message. */
export function protocolError(type: ProtocolErrorType, detail?: string): KafkaJSProtocolError {
  const e = PROTOCOL_ERRORS[type];
  return new kafkajs.KafkaJSProtocolError({ type, code: e.code, retriable: e.retriable, message: detail ? `${e.message} (${detail})` : e.message } as unknown as Error);
}

/** kafkajs's `KafkaJSNonRetriableError`: misuse of the client API (bad arguments, wrong state). */
export function nonRetriable(message: string): KafkaJSNonRetriableError {
  return new kafkajs.KafkaJSNonRetriableError(message);
}

/** kafkajs's `isRebalancing`: the member must rejoin its group before going on. */
export function isRebalancing(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}
