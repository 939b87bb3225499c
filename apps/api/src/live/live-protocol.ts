/**
 * The WS /v1/stream protocol as types (modelled on graphql-ws): the client's actions and the
 * server's message types as enums, one interface per message, close codes as a named enum, and one
 * `decodeClientMessage` at the edge. Every frame is a JSON text frame. README.md beside this file is
 * the protocol's documentation for client authors.
 */
import { isChannelPattern } from './live-hub';

/** What a client may send. */
export enum ClientAction {
  Auth = 'auth',
  Subscribe = 'subscribe',
  Unsubscribe = 'unsubscribe',
}

/** What the server sends (the `type` field). */
export enum ServerMessageType {
  Authenticated = 'authenticated',
  Subscribed = 'subscribed',
  Unsubscribed = 'unsubscribed',
  Batch = 'batch',
  Heartbeat = 'heartbeat',
  Error = 'error',
}

/**
 * Why the server closed the connection. 1xxx are the RFC 6455 codes; 44xx mirror the HTTP status
 * a REST call would get (401, 403, 408, 429), so `UNAUTHENTICATED`, `FORBIDDEN` and `RATE_LIMITED`
 * of the API error catalogue map to 4401, 4403 and 4429.
 */
export enum CloseCode {
  /** The server is shutting down: reconnect (another instance will serve). */
  GoingAway = 1001,
  /** The client broke the protocol's rules: a binary frame, too many frames while its key was being checked. */
  PolicyViolation = 1008,
  /** A client frame larger than `maxMessageBytes`. */
  MessageTooBig = 1009,
  /** The server failed unexpectedly (e.g. the key store did not answer): reconnect with backoff. */
  InternalError = 1011,
  /** The server is at `maxConnections`: reconnect with backoff. */
  TryAgainLater = 1013,
  /** The key is missing, malformed, unknown or revoked, or the first message was not `auth`. */
  Unauthorized = 4401,
  /** The key is valid but its scopes do not include the live feed. */
  Forbidden = 4403,
  /** No `auth` message within `authTimeoutMs` of connecting. */
  AuthTimeout = 4408,
  /** More than `maxClientMessagesPerSecond` client messages in a second. */
  TooManyRequests = 4429,
  /**
   * The client did not read fast enough: the bytes the server had queued for it passed
   * `maxBufferedBytes`. (509 is HTTP's unofficial "bandwidth limit exceeded".)
   */
  SlowConsumer = 4509,
}

/** Stable codes of the non-fatal `error` messages; the connection stays open after each. */
export enum LiveErrorCode {
  /** The frame is not JSON (or not text). */
  BadJson = 'BAD_JSON',
  /** JSON, but not a valid message: missing or mistyped field. */
  BadMessage = 'BAD_MESSAGE',
  /** `action` is not one of auth, subscribe, unsubscribe. */
  UnknownAction = 'UNKNOWN_ACTION',
  /** A channel that does not exist; nothing was subscribed. */
  UnknownChannel = 'UNKNOWN_CHANNEL',
  /** The subscription would pass `maxChannelsPerConnection`; nothing was subscribed. */
  TooManyChannels = 'TOO_MANY_CHANNELS',
  /** A second `auth` on an authenticated connection. */
  AlreadyAuthenticated = 'ALREADY_AUTHENTICATED',
}

/** A client's correlation id, echoed in the reply: a string (≤ 128 chars) or a safe integer. */
export type MessageId = string | number;

export interface AuthMessage {
  action: ClientAction.Auth;
  /** An API key, `tf_<id>_<secret>`. */
  key: string;
  id?: MessageId;
}

export interface SubscribeMessage {
  action: ClientAction.Subscribe;
  /** Channels or `<kind>.*` wildcards, deduplicated, at least one. */
  channels: string[];
  id?: MessageId;
}

export interface UnsubscribeMessage {
  action: ClientAction.Unsubscribe;
  channels: string[];
  id?: MessageId;
}

export type ClientMessage = AuthMessage | SubscribeMessage | UnsubscribeMessage;

export interface AuthenticatedMessage {
  type: ServerMessageType.Authenticated;
  /** The key's public id. */
  keyId: string;
  id?: MessageId;
}

export interface SubscribedMessage {
  type: ServerMessageType.Subscribed;
  channels: string[];
  id?: MessageId;
}

export interface UnsubscribedMessage {
  type: ServerMessageType.Unsubscribed;
  channels: string[];
  id?: MessageId;
}

/** One live record: `data` is the record as decoded from its topic (Avro field names, epoch-ms times). */
export interface ChannelMessage {
  channel: string;
  data: Record<string, unknown>;
}

export interface BatchMessage {
  type: ServerMessageType.Batch;
  /** In the order the server received them; at most `maxBatchMessages`. */
  messages: ChannelMessage[];
}

export interface HeartbeatMessage {
  type: ServerMessageType.Heartbeat;
  /** Server wall clock, epoch ms. */
  ts: number;
}

export interface ErrorMessage {
  type: ServerMessageType.Error;
  code: LiveErrorCode;
  message: string;
  id?: MessageId;
}

export type ServerMessage = AuthenticatedMessage | SubscribedMessage | UnsubscribedMessage | BatchMessage | HeartbeatMessage | ErrorMessage;

/** A client message that could not be decoded; `id` is set when the message carried a valid one. */
export class LiveProtocolError extends Error {
  constructor(
    readonly code: LiveErrorCode,
    message: string,
    readonly id?: MessageId,
  ) {
    super(message);
    this.name = 'LiveProtocolError';
  }
}

/** Longest channel list one message may carry (the per-connection cap applies on top). */
export const MAX_CHANNELS_PER_MESSAGE = 1000;
const MAX_ID_LENGTH = 128;
const MAX_KEY_LENGTH = 256;

/** Parses a text frame and decodes it (`decodeClientMessage`). @throws LiveProtocolError */
export function parseClientMessage(text: string): ClientMessage {
  let val: unknown;
  try {
    val = JSON.parse(text);
  } catch (err) {
    throw new LiveProtocolError(LiveErrorCode.BadJson, `the message is not valid JSON: ${(err as Error).message}`);
  }
  return decodeClientMessage(val);
}

/**
 * The typed client message in `val` (parsed JSON). Unknown extra fields are ignored, so clients can
 * add their own. Channel names are checked for shape here; whether one exists is the hub's
 * `isChannelPattern`, reported as UNKNOWN_CHANNEL.
 * @throws LiveProtocolError with BAD_MESSAGE, UNKNOWN_ACTION or UNKNOWN_CHANNEL
 */
export function decodeClientMessage(val: unknown): ClientMessage {
  if (val === null || typeof val !== 'object' || Array.isArray(val)) {
    throw new LiveProtocolError(LiveErrorCode.BadMessage, `a message must be a JSON object, got ${describe(val)}`);
  }
  const obj = val as Record<string, unknown>;
  const id = decodeId(obj.id);
  const action = obj.action;
  if (typeof action !== 'string') {
    throw new LiveProtocolError(LiveErrorCode.BadMessage, `"action" must be a string (${actionList()}), got ${describe(action)}`, id);
  }
  switch (action) {
    case ClientAction.Auth: {
      const key = obj.key;
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
        // Never echo (part of) a key: it may be a real secret sent to the wrong field or truncated.
        const got = typeof key === 'string' ? `a string of ${key.length} characters` : describe(key);
        throw new LiveProtocolError(LiveErrorCode.BadMessage, `"key" must be an API key string (tf_…) of at most ${MAX_KEY_LENGTH} characters, got ${got}`, id);
      }
      return id === undefined ? { action, key } : { action, key, id };
    }
    case ClientAction.Subscribe:
    case ClientAction.Unsubscribe: {
      const channels = decodeChannels(obj.channels, id);
      return id === undefined ? { action, channels } : { action, channels, id };
    }
    default:
      throw new LiveProtocolError(LiveErrorCode.UnknownAction, `unknown action ${JSON.stringify(clip(action, 40))}; expected ${actionList()}`, id);
  }
}

function decodeId(raw: unknown): MessageId | undefined {
  if (raw === undefined) return undefined;
  if ((typeof raw === 'string' && raw.length <= MAX_ID_LENGTH) || Number.isSafeInteger(raw)) return raw as MessageId;
  throw new LiveProtocolError(LiveErrorCode.BadMessage, `"id" must be a string of at most ${MAX_ID_LENGTH} characters or an integer, got ${describe(raw)}`);
}

function decodeChannels(raw: unknown, id: MessageId | undefined): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new LiveProtocolError(LiveErrorCode.BadMessage, `"channels" must be a non-empty array of channel names, got ${describe(raw)}`, id);
  }
  if (raw.length > MAX_CHANNELS_PER_MESSAGE) {
    throw new LiveProtocolError(LiveErrorCode.BadMessage, `"channels" may list at most ${MAX_CHANNELS_PER_MESSAGE} channels, got ${raw.length}`, id);
  }
  const unknown: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c: unknown = raw[i];
    if (typeof c !== 'string') throw new LiveProtocolError(LiveErrorCode.BadMessage, `"channels[${i}]" must be a string, got ${describe(c)}`, id);
    if (!isChannelPattern(c)) unknown.push(c);
  }
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((c) => JSON.stringify(clip(c, 60))).join(', ');
    throw new LiveProtocolError(
      LiveErrorCode.UnknownChannel,
      `unknown channel${unknown.length > 1 ? 's' : ''} ${shown}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}; channels are bars.<1s|1m|5m|15m>.<SYMBOL>, signals.<SYMBOL>, alerts.<SYMBOL>, orderbook.<SYMBOL>, or <kind>.* (e.g. alerts.*, bars.1s.*)`,
      id,
    );
  }
  return [...new Set(raw as string[])];
}

function actionList(): string {
  return Object.values(ClientAction).join(', ');
}

function describe(val: unknown): string {
  if (val === undefined) return 'nothing';
  if (val === null) return 'null';
  if (Array.isArray(val)) return `an array of ${val.length}`;
  if (typeof val === 'string') return `string ${JSON.stringify(clip(val, 40))}`;
  if (typeof val === 'object') return 'an object';
  return `${typeof val} ${String(val)}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
