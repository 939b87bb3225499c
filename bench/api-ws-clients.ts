/**
 * The WS benchmark's clients, in their own process: N connections to /v1/stream, each authenticated
 * and subscribed to one symbol's `bars.1s.<symbol>` channel. Every bar delivered is timed against
 * its `ingest_ts` (when the benchmark produced it to Kafka; same machine clock). After the run,
 * prints one JSON line: connections that subscribed, deliveries, their latency quantiles, closes.
 * Benchmark-only.
 *
 * Usage: node bin/run-ts.mjs bench/api-ws-clients.ts '<json config>'; SIGUSR2 starts the measured
 * window (deliveries before it are warm-up), SIGTERM ends it and prints.
 */
import WebSocket from 'ws';

export interface WsClientsConfig {
  url: string;
  apiKey: string;
  clients: number;
  symbols: string[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as WsClientsConfig;
const latencies: number[] = [];
let measuring = false;
let windowStartMs = 0;
let subscribed = 0;
let deliveries = 0;
const closes = new Map<number, number>();
const sockets: WebSocket[] = [];

for (let c = 0; c < config.clients; c++) {
  const ws = new WebSocket(config.url);
  sockets.push(ws);
  const channel = `bars.1s.${config.symbols[c % config.symbols.length]}`;
  ws.on('open', () => ws.send(JSON.stringify({ action: 'auth', key: config.apiKey })));
  ws.on('message', (raw: Buffer) => {
    const now = Date.now();
    const msg = JSON.parse(raw.toString()) as { type: string; messages?: Array<{ data: { ingest_ts?: number } }> };
    if (msg.type === 'authenticated') ws.send(JSON.stringify({ action: 'subscribe', channels: [channel], id: c }));
    else if (msg.type === 'subscribed') subscribed++;
    else if (msg.type === 'batch' && measuring) {
      for (const m of msg.messages ?? []) {
        deliveries++;
        if (typeof m.data.ingest_ts === 'number') latencies.push(now - m.data.ingest_ts);
      }
    }
  });
  ws.on('close', (code: number) => closes.set(code, (closes.get(code) ?? 0) + 1));
  ws.on('error', () => undefined);
  // Stagger connects: 1,000 handshakes at once would measure the accept queue, not the feed.
  if (c % 50 === 49) await new Promise((r) => setTimeout(r, 20));
}

process.on('SIGUSR2', () => {
  measuring = true;
  windowStartMs = Date.now();
});
process.on('SIGTERM', () => {
  const windowS = (Date.now() - windowStartMs) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number | null => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]! : null);
  process.stdout.write(
    JSON.stringify({ clients: config.clients, subscribed, deliveries, window_s: windowS, msgs_per_sec: Math.round(deliveries / windowS), p50_ms: q(0.5), p99_ms: q(0.99), max_ms: latencies.at(-1) ?? null, closes: Object.fromEntries(closes) }) + '\n',
  );
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
// Tell the parent how many are subscribed, so it starts producing when all are.
setInterval(() => process.stderr.write(`subscribed ${subscribed}\n`), 500).unref();
