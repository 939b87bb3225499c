import type { Registry } from 'prom-client';
import type { ApiKeyStore } from '../auth/api-keys';
import type { LiveHub, LiveMessage } from './live-hub';
import { stderrLiveLog, type LiveLog } from './live-log';
import { LiveMetrics } from './live-metrics';
import { resolveLiveFeedOptions, type LiveFeedOptions, type ResolvedLiveFeedOptions } from './live-feed-options';
import { CloseCode } from './live-protocol';
import { LiveSession, type LiveSessionHost, type LiveSocket } from './live-session';

export interface LiveFeedDeps {
  hub: LiveHub;
  keys: ApiKeyStore;
  /** Where the live metrics are registered (shared with the Kafka fan-out). */
  metrics: Registry;
  options?: LiveFeedOptions;
  /** @defaultValue JSON lines on stderr */
  log?: LiveLog;
}

/**
 * The WS feed's sessions, transport-agnostic: accepts connections, runs one flush timer for all
 * sessions with queued messages (armed only while some have) and one heartbeat timer, and closes
 * everything with GoingAway on shutdown. Each message is serialized to JSON once, however many
 * sessions receive it.
 */
export class LiveFeed implements LiveSessionHost {
  readonly hub: LiveHub;
  readonly keys: ApiKeyStore;
  readonly options: ResolvedLiveFeedOptions;
  readonly metrics: LiveMetrics;
  readonly log: LiveLog;
  private readonly sessions = new Set<LiveSession>();
  private readonly dirty = new Set<LiveSession>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly flushAll = (): void => this.flushDirty();
  /** The last message serialized and its frame: the hub hands one message to every listener in a row. */
  private frameMessage: LiveMessage | null = null;
  private frame = '';
  private closed = false;

  constructor(deps: LiveFeedDeps) {
    this.hub = deps.hub;
    this.keys = deps.keys;
    this.options = resolveLiveFeedOptions(deps.options);
    this.metrics = LiveMetrics.of(deps.metrics);
    this.log = deps.log ?? stderrLiveLog;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  /** Open sessions (any phase). */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Starts a session on a new connection, or closes it at once (TryAgainLater) when the feed is at
   * `maxConnections`, or GoingAway when shutting down. The transport forwards the socket's events
   * to the returned session.
   */
  accept(socket: LiveSocket): LiveSession | null {
    if (this.closed) {
      socket.close(CloseCode.GoingAway, 'the server is shutting down');
      this.metrics.closed(CloseCode.GoingAway);
      return null;
    }
    if (this.sessions.size >= this.options.maxConnections) {
      socket.close(CloseCode.TryAgainLater, 'the server is at its connection limit; retry later');
      this.metrics.closed(CloseCode.TryAgainLater);
      return null;
    }
    const session = new LiveSession(socket, this);
    this.sessions.add(session);
    this.metrics.connections.inc();
    return session;
  }

  frameOf(message: LiveMessage): string {
    if (message !== this.frameMessage) {
      this.frame = `{"channel":${JSON.stringify(message.channel)},"data":${JSON.stringify(message.data)}}`;
      this.frameMessage = message;
    }
    return this.frame;
  }

  markDirty(session: LiveSession): void {
    this.dirty.add(session);
    if (this.flushTimer === null && !this.closed) this.flushTimer = setTimeout(this.flushAll, this.options.flushIntervalMs);
  }

  forget(session: LiveSession): void {
    if (this.sessions.delete(session)) this.metrics.connections.dec();
    this.dirty.delete(session);
  }

  /** Closes every session with GoingAway and stops the timers. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const s of [...this.sessions]) {
      s.flush();
      s.close(CloseCode.GoingAway, 'the server is shutting down; reconnect');
    }
    this.frameMessage = null;
  }

  private flushDirty(): void {
    this.flushTimer = null;
    for (const s of this.dirty) {
      this.dirty.delete(s);
      s.flush();
    }
  }

  private heartbeat(): void {
    const nowMs = Date.now();
    for (const s of [...this.sessions]) s.tick(nowMs);
  }
}
