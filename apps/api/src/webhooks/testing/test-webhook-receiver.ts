/**
 * A real HTTP webhook receiver for the integration tests: answers each path with a scripted
 * responder and checks every signature on its own (`verifyStandardWebhook`: node:crypto, following
 * the Standard Webhooks text, not tickflow's signer). Test support only; not exported from the package.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyStandardWebhook } from './standard-webhooks';

export interface ReceivedRequest {
  path: string;
  method: string;
  webhookId: string | undefined;
  webhookTimestamp: string | undefined;
  webhookSignature: string | undefined;
  contentType: string | undefined;
  body: string;
  /** The signature matched the path's secret and the timestamp is within 5 minutes. */
  signatureValid: boolean;
  /** The status this receiver answered. */
  status: number;
  atMs: number;
}

/** What to answer; `nth` counts this path's requests carrying the same webhook-id, from 1. */
export type Responder = (req: ReceivedRequest, nth: number) => { status: number; headers?: Record<string, string> };

export class TestWebhookReceiver {
  private readonly routes = new Map<string, Responder>();
  private readonly secrets = new Map<string, string>();
  readonly received: ReceivedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(host = '127.0.0.1'): Promise<TestWebhookReceiver> {
    let receiver: TestWebhookReceiver | null = null;
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const { status, headers } = receiver!.handle(req, body);
        res.writeHead(status, headers).end(status >= 300 && status < 400 ? '' : `{"status":${status}}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new TestWebhookReceiver(server, `http://${host}:${port}`);
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return this.origin + path;
  }

  /** Serve `path` with `responder`; deliveries there are verified with `secret` once it is set. */
  route(path: string, responder: Responder): void {
    this.routes.set(path, responder);
  }

  setSecret(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  /** The secret set for `path`. @throws Error when none was. */
  secretOf(path: string): string {
    const secret = this.secrets.get(path);
    if (secret === undefined) throw new Error(`no secret set for ${path}`);
    return secret;
  }

  requests(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, body: string): { status: number; headers?: Record<string, string> } {
    const path = (req.url ?? '/').split('?')[0]!;
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const r: ReceivedRequest = {
      path,
      method: req.method ?? '',
      webhookId: header('webhook-id'),
      webhookTimestamp: header('webhook-timestamp'),
      webhookSignature: header('webhook-signature'),
      contentType: header('content-type'),
      body,
      signatureValid: false,
      status: 404,
      atMs: Date.now(),
    };
    const secret = this.secrets.get(path);
    r.signatureValid = secret !== undefined && verifyStandardWebhook(secret, r);
    const nth = this.received.filter((x) => x.path === path && x.webhookId === r.webhookId).length + 1;
    const answer = this.routes.get(path)?.(r, nth) ?? { status: 404 };
    r.status = answer.status;
    this.received.push(r);
    return answer;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Polls `check` until it returns something other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
