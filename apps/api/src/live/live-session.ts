import { hasScope, verifyApiKey, type ApiKeyStore, type Principal } from '../auth/api-keys';
import type { LiveHub, LiveListener, LiveMessage } from './live-hub';
import type { LiveLog } from './live-log';
import type { LiveMetrics } from './live-metrics';
import type { ResolvedLiveFeedOptions } from './live-feed-options';
import {
  ClientAction,
  CloseCode,
  LiveErrorCode,
  LiveProtocolError,
  ServerMessageType,
  parseClientMessage,
  type ClientMessage,
  type MessageId,
  type ServerMessage,
} from './live-protocol';

/** What a session needs of its transport (a `ws` WebSocket in production, a fake in unit tests). */
export interface LiveSocket {
  /** Bytes queued for the client and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** True while frames can be sent. */
  readonly isOpen: boolean;
  send(text: string): void;
  /** `reason` is at most 123 UTF-8 bytes (the session clips it). */
  close(code: CloseCode, reason: string): void;
  ping(): void;
  /** Drops the connection without a close handshake. */
  terminate(): void;
}

/** What a session needs of the feed that owns it. */
export interface LiveSessionHost {
  readonly hub: LiveHub;
  readonly keys: ApiKeyStore;
  readonly options: ResolvedLiveFeedOptions;
  readonly metrics: LiveMetrics;
  readonly log: LiveLog;
  /** The `{"channel","data"}` JSON of a message, serialized once however many clients get it. */
  frameOf(message: LiveMessage): string;
  /** The session has queued messages: flush it within `flushIntervalMs`. */
  markDirty(session: LiveSession): void;
  /** The session is closed: drop it. */
  forget(session: LiveSession): void;
}

export enum SessionPhase {
  /** Connected; waiting for the `auth` message. */
  AwaitingAuth = 'awaiting-auth',
  /** `auth` received; the key is being checked (later messages wait, in order). */
  Authenticating = 'authenticating',
  Open = 'open',
  Closed = 'closed',
}

/** Messages a client may send while its key is being checked (pipelined subscribes). */
const MAX_PENDING_WHILE_AUTHENTICATING = 16;
/** RFC 6455: a close reason is at most 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;
const AUTH_FIRST = 'the first message must be {"action":"auth","key":"tf_…"}';

/**
 * One WS /v1/stream connection, transport-agnostic: authentication by first message,
 * subscriptions on the hub, batching, heartbeats and the slow-consumer policy. Driven by its
 * transport (`onText`, `onBinary`, `onPong`, `onSocketClosed`) and by its feed (`flush`, `tick`).
 *
 * Ordering: messages are written in the order the hub published them; an ack is written after
 * every message queued before the request, and after an `unsubscribed` ack no message of the
 * removed channels follows. A message reaching a client through both a channel and a wildcard
 * (`alerts.AAPL` and `alerts.*`) is written once.
 */
export class LiveSession {
  private phase = SessionPhase.AwaitingAuth;
  private principal: Principal | null = null;
  /** The verified key, kept to re-check it for revocation. */
  private key = '';
  private readonly subscriptions = new Map<string, () => void>();
  /** Created once per session: the hub calls it for every message on a subscribed channel. */
  private readonly listener: LiveListener = (message) => this.deliver(message);
  /** Queued frames and, at the same index, their latency origin (ms). Reused between batches. */
  private readonly frames: string[] = [];
  private readonly originsMs: number[] = [];
  private lastMessage: LiveMessage | null = null;
  private readonly pendingWhileAuthenticating: string[] = [];
  private authTimer: NodeJS.Timeout | null;
  private awaitingPong = false;
  private lastVerifiedMs = 0;
  private revalidating = false;
  private rateWindowStartMs = 0;
  private rateWindowCount = 0;

  constructor(
    private readonly socket: LiveSocket,
    private readonly host: LiveSessionHost,
  ) {
    this.authTimer = setTimeout(() => {
      this.authTimer = null;
      if (this.phase === SessionPhase.AwaitingAuth || this.phase === SessionPhase.Authenticating) {
        this.close(CloseCode.AuthTimeout, `no valid auth message within ${host.options.authTimeoutMs} ms`);
      }
    }, host.options.authTimeoutMs);
  }

  get state(): SessionPhase {
    return this.phase;
  }

  /** The authenticated key's identity; null before `auth` succeeds. */
  get identity(): Principal | null {
    return this.principal;
  }

  get channels(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** A text frame from the client. */
  onText(text: string): void {
    if (this.phase === SessionPhase.Closed) return;
    if (!this.withinRate()) {
      this.close(CloseCode.TooManyRequests, `more than ${this.host.options.maxClientMessagesPerSecond} messages per second`);
      return;
    }
    switch (this.phase) {
      case SessionPhase.AwaitingAuth:
        this.authenticate(text);
        return;
      case SessionPhase.Authenticating:
        if (this.pendingWhileAuthenticating.length >= MAX_PENDING_WHILE_AUTHENTICATING) {
          this.close(CloseCode.PolicyViolation, `more than ${MAX_PENDING_WHILE_AUTHENTICATING} messages before the authenticated reply`);
        } else {
          this.pendingWhileAuthenticating.push(text);
        }
        return;
      default:
        this.handle(text);
    }
  }

  /** A binary frame: the protocol is JSON text only. */
  onBinary(): void {
    if (this.phase === SessionPhase.Closed) return;
    if (this.phase !== SessionPhase.Open) {
      this.close(CloseCode.Unauthorized, AUTH_FIRST);
      return;
    }
    this.sendError(LiveErrorCode.BadJson, 'binary frames are not accepted: send JSON as text frames');
  }

  /** The client answered a ping. */
  onPong(): void {
    this.awaitingPong = false;
  }

  /** The transport closed (by either side): release the subscriptions. */
  onSocketClosed(): void {
    if (this.phase === SessionPhase.Closed) return;
    this.phase = SessionPhase.Closed;
    this.release();
  }

  /** Hub listener body: queue the message, write the batch when full. */
  private deliver(message: LiveMessage): void {
    if (message === this.lastMessage) return; // same message through a channel and a wildcard
    this.lastMessage = message;
    if (this.phase !== SessionPhase.Open) return;
    const n = this.frames.push(this.host.frameOf(message));
    this.originsMs.push(message.ingestTsMs || message.eventTsMs);
    if (n >= this.host.options.maxBatchMessages) this.flush();
    else if (n === 1) this.host.markDirty(this);
  }

  /**
   * Writes the queued messages as one batch. If the client has not read what was written before
   * (`bufferedAmount` over `maxBufferedBytes`), writes nothing more and closes with SlowConsumer.
   */
  flush(): void {
    const n = this.frames.length;
    if (n === 0) return;
    if (this.phase !== SessionPhase.Open || !this.socket.isOpen) {
      this.clearQueue();
      return;
    }
    if (this.socket.bufferedAmount > this.host.options.maxBufferedBytes) {
      this.clearQueue();
      this.close(CloseCode.SlowConsumer, `slow consumer: more than ${this.host.options.maxBufferedBytes} bytes unread`);
      return;
    }
    this.socket.send(`{"type":"${ServerMessageType.Batch}","messages":[${this.frames.join(',')}]}`);
    const nowMs = Date.now();
    const histogram = this.host.metrics.eventToDelivery;
    for (let i = 0; i < n; i++) histogram.observe((nowMs - this.originsMs[i]!) / 1000);
    this.clearQueue();
  }

  /**
   * Heartbeat, called by the feed every `heartbeatIntervalMs`: drops a client that did not answer
   * the previous ping, enforces the slow-consumer limit on an idle feed too, pings, sends a
   * `heartbeat` message, and re-checks the key when due.
   */
  tick(nowMs: number): void {
    if (this.phase !== SessionPhase.Open) return;
    if (this.awaitingPong) {
      this.phase = SessionPhase.Closed;
      this.release();
      this.host.metrics.closes.inc({ reason: 'PingTimeout' });
      this.socket.terminate();
      return;
    }
    if (this.socket.bufferedAmount > this.host.options.maxBufferedBytes) {
      this.clearQueue();
      this.close(CloseCode.SlowConsumer, `slow consumer: more than ${this.host.options.maxBufferedBytes} bytes unread`);
      return;
    }
    this.awaitingPong = true;
    this.socket.ping();
    this.send({ type: ServerMessageType.Heartbeat, ts: nowMs });
    const every = this.host.options.revalidateKeyIntervalMs;
    if (every > 0 && !this.revalidating && nowMs - this.lastVerifiedMs >= every) this.revalidate(nowMs);
  }

  /** Closes with `code` (idempotent): unsubscribes everything, drops queued messages. */
  close(code: CloseCode, reason: string): void {
    if (this.phase === SessionPhase.Closed) return;
    this.phase = SessionPhase.Closed;
    this.release();
    this.host.metrics.closed(code);
    this.socket.close(code, clipReason(reason));
  }

  private authenticate(text: string): void {
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (err) {
      if (!(err instanceof LiveProtocolError)) throw err;
      this.close(CloseCode.Unauthorized, `${AUTH_FIRST} (${err.message})`);
      return;
    }
    if (message.action !== ClientAction.Auth) {
      this.close(CloseCode.Unauthorized, `${AUTH_FIRST}, got ${message.action}`);
      return;
    }
    this.phase = SessionPhase.Authenticating;
    const { key, id } = message;
    verifyApiKey(this.host.keys, key).then(
      (principal) => this.authenticated(principal, key, id),
      (err: unknown) => {
        this.host.log('error', 'live feed could not verify an API key', { error: err instanceof Error ? err.message : String(err) });
        this.close(CloseCode.InternalError, 'could not verify the API key; retry');
      },
    );
  }

  private authenticated(principal: Principal | null, key: string, id: MessageId | undefined): void {
    if (this.phase !== SessionPhase.Authenticating) return; // closed meanwhile
    if (principal === null) {
      this.close(CloseCode.Unauthorized, 'the API key is unknown, revoked or malformed');
      return;
    }
    if (!hasScope(principal, 'read')) {
      this.close(CloseCode.Forbidden, "the live feed needs the 'read' scope");
      return;
    }
    this.clearAuthTimer();
    this.phase = SessionPhase.Open;
    this.principal = principal;
    this.key = key;
    this.lastVerifiedMs = Date.now();
    this.send(id === undefined ? { type: ServerMessageType.Authenticated, keyId: principal.keyId } : { type: ServerMessageType.Authenticated, keyId: principal.keyId, id });
    const pending = this.pendingWhileAuthenticating.splice(0);
    for (const text of pending) {
      if (this.phase !== SessionPhase.Open) break;
      this.handle(text);
    }
  }

  private revalidate(nowMs: number): void {
    this.revalidating = true;
    verifyApiKey(this.host.keys, this.key).then(
      (principal) => {
        this.revalidating = false;
        this.lastVerifiedMs = nowMs;
        if (principal === null) this.close(CloseCode.Unauthorized, 'the API key was revoked');
      },
      (err: unknown) => {
        // The store is unreachable: keep serving; the next heartbeat tries again.
        this.revalidating = false;
        this.host.log('warn', 'live feed could not re-check an API key', { keyId: this.principal?.keyId, error: err instanceof Error ? err.message : String(err) });
      },
    );
  }

  private handle(text: string): void {
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (err) {
      if (!(err instanceof LiveProtocolError)) throw err;
      this.sendError(err.code, err.message, err.id);
      return;
    }
    switch (message.action) {
      case ClientAction.Auth:
        this.sendError(LiveErrorCode.AlreadyAuthenticated, 'this connection is already authenticated', message.id);
        return;
      case ClientAction.Subscribe:
        this.subscribe(message.channels, message.id);
        return;
      case ClientAction.Unsubscribe:
        this.unsubscribe(message.channels, message.id);
        return;
    }
  }

  private subscribe(channels: string[], id: MessageId | undefined): void {
    let added = 0;
    for (const c of channels) if (!this.subscriptions.has(c)) added++;
    const max = this.host.options.maxChannelsPerConnection;
    if (this.subscriptions.size + added > max) {
      this.sendError(
        LiveErrorCode.TooManyChannels,
        `subscribing ${added} more channel${added === 1 ? '' : 's'} would make ${this.subscriptions.size + added}; a connection may hold ${max} (use a wildcard such as alerts.* or a second connection)`,
        id,
      );
      return;
    }
    this.flush();
    for (const c of channels) if (!this.subscriptions.has(c)) this.subscriptions.set(c, this.host.hub.subscribe(c, this.listener));
    this.send(id === undefined ? { type: ServerMessageType.Subscribed, channels } : { type: ServerMessageType.Subscribed, channels, id });
  }

  private unsubscribe(channels: string[], id: MessageId | undefined): void {
    this.flush();
    for (const c of channels) {
      const off = this.subscriptions.get(c);
      if (off === undefined) continue;
      off();
      this.subscriptions.delete(c);
    }
    this.send(id === undefined ? { type: ServerMessageType.Unsubscribed, channels } : { type: ServerMessageType.Unsubscribed, channels, id });
  }

  private sendError(code: LiveErrorCode, message: string, id?: MessageId): void {
    this.send(id === undefined ? { type: ServerMessageType.Error, code, message } : { type: ServerMessageType.Error, code, message, id });
  }

  private send(message: ServerMessage): void {
    if (this.socket.isOpen) this.socket.send(JSON.stringify(message));
  }

  private withinRate(): boolean {
    const nowMs = Date.now();
    if (nowMs - this.rateWindowStartMs >= 1000) {
      this.rateWindowStartMs = nowMs;
      this.rateWindowCount = 0;
    }
    return ++this.rateWindowCount <= this.host.options.maxClientMessagesPerSecond;
  }

  private release(): void {
    this.clearAuthTimer();
    for (const off of this.subscriptions.values()) off();
    this.subscriptions.clear();
    this.clearQueue();
    this.pendingWhileAuthenticating.length = 0;
    this.lastMessage = null;
    this.host.forget(this);
  }

  private clearQueue(): void {
    this.frames.length = 0;
    this.originsMs.length = 0;
  }

  private clearAuthTimer(): void {
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.authTimer = null;
  }
}

function clipReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = reason.slice(0, MAX_CLOSE_REASON_BYTES - 1);
  while (Buffer.byteLength(out) > MAX_CLOSE_REASON_BYTES - 3) out = out.slice(0, -1);
  return `${out}…`;
}
