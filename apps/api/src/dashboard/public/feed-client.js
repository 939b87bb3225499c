// The WS /v1/stream client: auth as the first message, subscriptions kept across reconnects,
// reconnect with capped exponential backoff and jitter (reconnect-backoff.js), a watchdog on
// heartbeats. Protocol: apps/api/src/live/README.md.
//
// Reconnecting: every close that is not an auth failure schedules attempt N after
// backoffDelayMs(N); N counts failed attempts and goes back to 0 once a connection is authenticated
// (not merely open: a server that accepts the socket and then refuses or drops it keeps backing
// off). A 4401/4403 close stops reconnecting until connect() is called with a key again.
import { backoffDelayMs, isAuthFailure } from './reconnect-backoff.js';

/** The server sends a heartbeat every 15 s: two missed ones mean the connection is dead. */
const SILENCE_LIMIT_MS = 35_000;

/**
 * @typedef {{ state: 'idle' | 'connecting' | 'live' | 'reconnecting' | 'auth-failed', detail: string, retryInMs?: number, attempt?: number }} FeedStatus
 * @typedef {{ onStatus: (s: FeedStatus) => void, onMessages: (messages: Array<{ channel: string, data: any }>) => void, url?: string, backoff?: (attempt: number) => number }} FeedClientOptions
 */
export class FeedClient {
  /** @param {FeedClientOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.url = opts.url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`;
    /** @type {(attempt: number) => number} */
    this.backoff = opts.backoff ?? ((attempt) => backoffDelayMs(attempt));
    /** @type {Set<string>} channels wanted; re-sent after each reconnect */
    this.channels = new Set();
    this.key = '';
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = 0;
    this.watchdog = 0;
    this.nextId = 1;
  }

  /** Connects (or reconnects at once) with `key`. */
  connect(key) {
    this.key = key;
    this.attempt = 0;
    this.open();
  }

  disconnect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    clearTimeout(this.watchdog);
    if (this.ws) {
      // Detached first: nothing of a replaced socket (a late message, its close) reaches the client.
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      this.ws.close(1000);
      this.ws = null;
    }
  }

  /** @param {string[]} channels */
  subscribe(channels) {
    const added = channels.filter((c) => !this.channels.has(c));
    for (const c of added) this.channels.add(c);
    if (added.length > 0) this.send({ action: 'subscribe', channels: added, id: this.nextId++ });
  }

  /** @param {string[]} channels */
  unsubscribe(channels) {
    const removed = channels.filter((c) => this.channels.delete(c));
    if (removed.length > 0) this.send({ action: 'unsubscribe', channels: removed, id: this.nextId++ });
  }

  open() {
    this.disconnect();
    this.status({ state: this.attempt === 0 ? 'connecting' : 'reconnecting', detail: 'connecting…', attempt: this.attempt });
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      // Messages sent before the `authenticated` reply are queued by the server and handled after it.
      ws.send(JSON.stringify({ action: 'auth', key: this.key }));
      if (this.channels.size > 0) ws.send(JSON.stringify({ action: 'subscribe', channels: [...this.channels], id: this.nextId++ }));
      this.armWatchdog();
    };
    ws.onmessage = (e) => {
      this.armWatchdog();
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.type === 'batch') this.opts.onMessages(msg.messages);
      else if (msg.type === 'authenticated') {
        this.attempt = 0;
        this.status({ state: 'live', detail: `key ${msg.keyId}` });
      } else if (msg.type === 'error') console.warn(`[tickflow] feed error ${msg.code}: ${msg.message}`);
    };
    ws.onclose = (e) => {
      clearTimeout(this.watchdog);
      this.ws = null;
      if (isAuthFailure(e.code)) {
        clearTimeout(this.retryTimer);
        this.status({ state: 'auth-failed', detail: `${e.code === 4403 ? 'key not allowed' : 'key rejected'}${e.reason ? `: ${e.reason}` : ''}` });
        return; // until the user gives another key
      }
      this.scheduleReconnect(`closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`);
    };
  }

  scheduleReconnect(why) {
    const delay = this.backoff(this.attempt);
    this.attempt += 1;
    this.status({ state: 'reconnecting', detail: `${why}; retrying in ${(delay / 1000).toFixed(1)} s`, retryInMs: delay, attempt: this.attempt });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.ws?.close(4000, 'no heartbeat'), SILENCE_LIMIT_MS);
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  status(s) {
    this.opts.onStatus(s);
  }
}
