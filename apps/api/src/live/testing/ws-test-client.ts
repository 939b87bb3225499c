// Test support (not exported from the package): used by apps/api/test/ws*.int.test.ts and live*.int.test.ts.
import WebSocket from 'ws';

/** A `ws` test client that keeps every message it receives and lets a test wait for one. */
export class WsTestClient {
  readonly received: Array<Record<string, unknown>> = [];
  /** Resolves with the close code and reason when the connection closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  pings = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.wake();
    });
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    void this.closed.then(() => this.wake());
  }

  static async open(url: string): Promise<WsTestClient> {
    const ws = new WebSocket(url);
    const client = new WsTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Opens and authenticates; resolves after the `authenticated` reply. */
  static async authenticated(url: string, key: string): Promise<WsTestClient> {
    const client = await WsTestClient.open(url);
    client.send({ action: 'auth', key });
    await client.next((m) => m.type === 'authenticated');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Removes and returns the first received message matching `match`, waiting for it if needed. */
  async next(match: (m: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex(match);
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting; received ${JSON.stringify(this.received).slice(0, 500)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends and waits for the reply carrying the same `id`. */
  async request(message: Record<string, unknown> & { id: string | number }): Promise<Record<string, unknown>> {
    this.send(message);
    return this.next((m) => m.id === message.id);
  }

  /** Every `{channel, data}` of the batches received so far (removes those batches). */
  takeChannelMessages(): Array<{ channel: string; data: Record<string, unknown> }> {
    const out: Array<{ channel: string; data: Record<string, unknown> }> = [];
    for (let i = 0; i < this.received.length; ) {
      const m = this.received[i]!;
      if (m.type === 'batch') {
        out.push(...(m.messages as Array<{ channel: string; data: Record<string, unknown> }>));
        this.received.splice(i, 1);
      } else i++;
    }
    return out;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
