import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { hostOf, isIpLiteral, type UrlGuard } from './url-guard';

/** What one POST to a receiver came to. */
export interface WebhookHttpResult {
  /** Null when no response arrived. */
  statusCode: number | null;
  headers: IncomingHttpHeaders;
  /** Why no response arrived (refused by the SSRF guard, timed out, connection error); null otherwise. */
  error: string | null;
  durationMs: number;
}

export interface SendWebhookRequestOptions {
  guard: UrlGuard;
  /** The whole attempt — DNS, connect, TLS, headers, reading the response — must end within this, ms. */
  timeoutMs: number;
  /** Read at most this much of the response body before hanging up. @defaultValue 65536 */
  maxResponseBytes?: number;
  /** @defaultValue 'tickflow-webhooks/1' */
  userAgent?: string;
}

/**
 * POSTs `body` to `url` once. Redirects are not followed (a 3xx is just a status). The SSRF guard
 * runs at dial time: an IP-literal host is checked here, a host name in the socket's `lookup`, on
 * the very address the connection uses. A fresh connection per attempt (no agent), so no socket
 * opened under an older DNS answer is reused. Never throws: failures come back as `error`.
 */
export function sendWebhookRequest(url: string, headers: Record<string, string>, body: string, opts: SendWebhookRequestOptions): Promise<WebhookHttpResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const parsed = opts.guard.parse(url);
  if (!parsed.ok) return Promise.resolve({ statusCode: null, headers: {}, error: `refused: ${parsed.reason}`, durationMs: elapsed() });
  const host = hostOf(parsed.url);
  if (isIpLiteral(host)) {
    const reason = opts.guard.checkLiteral(host);
    if (reason !== null) return Promise.resolve({ statusCode: null, headers: {}, error: `refused to connect: ${reason}`, durationMs: elapsed() });
  }
  const maxBytes = opts.maxResponseBytes ?? 65_536;
  const client = parsed.url.protocol === 'https:' ? https : http;

  return new Promise((resolve) => {
    let settled = false;
    let statusCode: number | null = null;
    let responseHeaders: IncomingHttpHeaders = {};
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, headers: responseHeaders, error: statusCode === null ? (error ?? 'no response') : null, durationMs: elapsed() });
    };
    const req = client.request(
      parsed.url,
      {
        method: 'POST',
        agent: false,
        lookup: opts.guard.lookup,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': opts.userAgent ?? 'tickflow-webhooks/1' },
      },
      (res) => {
        statusCode = res.statusCode ?? null;
        responseHeaders = res.headers;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > maxBytes) {
            res.destroy();
            finish(null);
          }
        });
        res.on('end', () => finish(null));
        res.on('close', () => finish(null));
        res.on('error', () => finish(null));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      // System errors (ECONNREFUSED…) get their code in front; the guard's refusal reads on its own.
      const text = err.code && /^E[A-Z]+$/.test(err.code) && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
      finish(text);
    });
    req.end(body);
  });
}
