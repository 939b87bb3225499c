/** Limits and timings of the WS /v1/stream feed. Every field is optional; see each default. */
export interface LiveFeedOptions {
  /**
   * A connection that has not sent a valid `auth` message this long after connecting is closed
   * with `AuthTimeout` (4408), ms.
   * @defaultValue 5000
   */
  authTimeoutMs?: number;
  /**
   * Live messages for a client are batched and written at most this long after the first of them
   * was queued, ms.
   * @defaultValue 50
   */
  flushIntervalMs?: number;
  /**
   * A batch is written at once when it holds this many messages.
   * @defaultValue 500
   */
  maxBatchMessages?: number;
  /**
   * Every this often each authenticated client gets a `heartbeat` message and a WS ping; a client
   * that has not answered the previous ping with a pong is dropped, ms.
   * @defaultValue 15000
   */
  heartbeatIntervalMs?: number;
  /**
   * Channels (exact or wildcard) one connection may hold; a subscribe past it is refused with
   * TOO_MANY_CHANNELS.
   * @defaultValue 100
   */
  maxChannelsPerConnection?: number;
  /**
   * The slow-consumer limit: when the bytes queued in the server for a client (the socket's
   * `bufferedAmount`) exceed this at a write, the server stops queueing and closes with
   * `SlowConsumer` (4509). The memory a client can hold is about this plus one batch.
   * @defaultValue 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Largest client frame, bytes; larger ones close the connection with `MessageTooBig` (1009).
   * @defaultValue 16384
   */
  maxMessageBytes?: number;
  /**
   * Client messages per connection per second; more closes it with `TooManyRequests` (4429).
   * @defaultValue 50
   */
  maxClientMessagesPerSecond?: number;
  /**
   * Open connections per API instance (authenticated or not); more are closed at once with
   * `TryAgainLater` (1013).
   * @defaultValue 10000
   */
  maxConnections?: number;
  /**
   * An open connection's key is checked again this often, so a revoked key is cut off; 0 = only at
   * `auth`. Checked at heartbeats, so the effective period is rounded up to `heartbeatIntervalMs`, ms.
   * @defaultValue 60000
   */
  revalidateKeyIntervalMs?: number;
}

export type ResolvedLiveFeedOptions = Readonly<Required<LiveFeedOptions>>;

const DEFAULTS: ResolvedLiveFeedOptions = {
  authTimeoutMs: 5000,
  flushIntervalMs: 50,
  maxBatchMessages: 500,
  heartbeatIntervalMs: 15_000,
  maxChannelsPerConnection: 100,
  maxBufferedBytes: 1024 * 1024,
  maxMessageBytes: 16 * 1024,
  maxClientMessagesPerSecond: 50,
  maxConnections: 10_000,
  revalidateKeyIntervalMs: 60_000,
};

/** Smallest accepted value of each option (all are integers). */
const MINIMA: Readonly<Record<keyof LiveFeedOptions, number>> = {
  authTimeoutMs: 1,
  flushIntervalMs: 1,
  maxBatchMessages: 1,
  heartbeatIntervalMs: 10,
  maxChannelsPerConnection: 1,
  maxBufferedBytes: 1024,
  maxMessageBytes: 256,
  maxClientMessagesPerSecond: 1,
  maxConnections: 1,
  revalidateKeyIntervalMs: 0,
};

/** The options with defaults filled in, frozen. @throws RangeError naming the first invalid option */
export function resolveLiveFeedOptions(options: LiveFeedOptions = {}): ResolvedLiveFeedOptions {
  const out: Record<string, number> = { ...DEFAULTS };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(name in DEFAULTS)) throw new RangeError(`unknown live feed option ${JSON.stringify(name)}; known: ${Object.keys(DEFAULTS).join(', ')}`);
    const min = MINIMA[name as keyof LiveFeedOptions];
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`live feed option ${name} must be an integer >= ${min}, got ${String(value)}`);
    out[name] = value;
  }
  return Object.freeze(out as unknown as Required<LiveFeedOptions>);
}
