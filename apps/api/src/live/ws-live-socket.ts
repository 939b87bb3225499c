import WebSocket from 'ws';
import { CloseCode } from './live-protocol';
import type { LiveSession, LiveSocket } from './live-session';

/**
 * The `ws` adapter of a live session: forwards the socket's frames, pongs and close to the session
 * (`attach`), and exposes the socket through the `LiveSocket` port.
 */
export class WsLiveSocket implements LiveSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly maxMessageBytes: number,
  ) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  close(code: CloseCode, reason: string): void {
    this.ws.close(code, reason);
  }

  ping(): void {
    this.ws.ping();
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Routes the socket's events to `session`; the session is released when the socket closes. */
  attach(session: LiveSession): void {
    const ws = this.ws;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data.length : Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
      // ws enforces maxPayload itself when this feature registered it; another registration may allow more.
      if (bytes > this.maxMessageBytes) {
        session.close(CloseCode.MessageTooBig, `message larger than ${this.maxMessageBytes} bytes`);
        return;
      }
      if (isBinary) session.onBinary();
      else session.onText(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8'));
    });
    ws.on('pong', () => session.onPong());
    ws.on('close', () => session.onSocketClosed());
  }
}
