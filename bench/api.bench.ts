/**
 * `npm run bench:api` — the API under load (issue 5 item 8). Writes bench/results/api.json and
 * prints a summary; progress goes to stderr. Takes ~2–3 minutes.
 *
 * Phases:
 * - rest: the API (buildApp + the REST feature) runs in this process over a temp chDB loaded with
 *   the storage benchmark's history fixture (bench/history-fixture.ts); autocannon, in a child
 *   process so it does not share the API's event loop, sends a fixed BENCH_API_RATE requests/s for
 *   BENCH_API_DURATION_S seconds, each a random one of: a page of one symbol's 1 s bars over an
 *   hour, alerts at or above a severity over a day, the latest signals of 50 symbols. Latency is
 *   autocannon's (request written → response read).
 * - ws: the live feed (KafkaLiveSource → LiveHub → WS /v1/stream) in this process against the
 *   test broker; BENCH_WS_CLIENTS clients in a child process, each subscribed to one symbol's
 *   `bars.1s.<symbol>`; this process produces provisional bars to `ta.live.v1` (a run prefix) at
 *   BENCH_WS_RATE bars/s spread over the symbols, each with `ingest_ts` = its produce time; a
 *   client times every delivered bar against it (same clock): event (produce) → client latency.
 *
 * Environment overrides: BENCH_API_BARS [2000000], BENCH_API_SYMBOLS [200], BENCH_API_RATE [500],
 * BENCH_API_DURATION_S [20], BENCH_API_CONNECTIONS [20], BENCH_WS_CLIENTS [1000], BENCH_WS_SYMBOLS [50],
 * BENCH_WS_RATE [200], BENCH_WS_DURATION_S [20], BENCH_ONLY (rest,ws), KAFKA_BROKERS [127.0.0.1:19092].
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { createClickHouse, loadClickHouseSettings, runMigrations } from '@tickflow/clickhouse';
import { TOPICS } from '@tickflow/operators';
import { encode, type MicroBar } from '@tickflow/schemas';
import { buildApp } from '../apps/api/src/build-app';
import { newApiKey } from '../apps/api/src/auth/api-keys';
import { RedisApiKeyStore } from '../apps/api/src/auth/redis-api-key-store';
import { restFeature } from '../apps/api/src/rest/rest-feature';
import { KafkaLiveSource, LIVE_TOPICS, LiveHub, liveFeature } from '../apps/api/src/live';
import { REPO_ROOT, benchMain, deleteTopicsWithPrefixes, envInt, fmt, loadavg, machineInfo, progressLogger, resultHead, round, sleep, summaryFormat } from './bench-kit';
import { loadHistoryFixture, symbolName, alertsFromMs, type HistoryFixtureOptions } from './history-fixture';

const BENCH_STARTED = Date.now();
const progress = progressLogger('api', BENCH_STARTED);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BARS = envInt('BENCH_API_BARS', 2_000_000, 10_000);
const SYMBOLS = envInt('BENCH_API_SYMBOLS', 200, 50);
const RATE = envInt('BENCH_API_RATE', 500, 1);
const DURATION_S = envInt('BENCH_API_DURATION_S', 20, 1);
const CONNECTIONS = envInt('BENCH_API_CONNECTIONS', 20, 1);
const WS_CLIENTS = envInt('BENCH_WS_CLIENTS', 1000, 1);
const WS_SYMBOLS = envInt('BENCH_WS_SYMBOLS', 50, 1);
const WS_RATE = envInt('BENCH_WS_RATE', 200, 1);
const WS_DURATION_S = envInt('BENCH_WS_DURATION_S', 20, 1);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'rest,ws').split(',').map((s) => s.trim()));
const TARGETS = { rest_p99_ms: 25, ws_p99_ms: 100 } as const;
const RUN = `benchapi${process.pid}x${Date.now()}`;
const PREFIX = `${RUN}.`;
const DAY_MS = 86_400_000;
const T0 = Date.UTC(2024, 7, 8, 13, 30);
const tempDirs: string[] = [];

function runChild(script: string, config: object, onStderr?: (line: string) => void): { done: Promise<string>; signal: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run-ts.mjs'), join(REPO_ROOT, 'bench', script), JSON.stringify(config)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => onStderr?.(l)));
  const done = new Promise<string>((resolve, reject) =>
    child.once('exit', (code, signal) => (code === 0 ? resolve(out.trim().split('\n').at(-1) ?? '') : reject(new Error(`${script} exited with ${signal ?? `code ${code}`}`)))),
  );
  done.catch(() => undefined); // a child killed on the way out of a failed phase must not mask its error
  return { done, signal: (s) => child.kill(s) };
}

async function benchRest(redis: Redis, keys: RedisApiKeyStore, apiKey: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-bench-api-'));
  tempDirs.push(dir);
  const ch = await createClickHouse(loadClickHouseSettings({}, { TICKFLOW_CLICKHOUSE_PATH: dir, CLICKHOUSE_DATABASE: 'bench' }));
  await runMigrations(ch);
  const fixture: HistoryFixtureOptions = { bars: BARS, signals: BARS, alerts: 50_000, symbols: SYMBOLS, t0Ms: T0, alertDays: 7 };
  const load = await loadHistoryFixture(ch, fixture, progress);
  progress('rest: OPTIMIZE … FINAL (what background merges converge to)');
  for (const t of ['micro_bars', 'signals', 'price_alerts']) await ch.command(`OPTIMIZE TABLE ${t} FINAL`);
  const app = await buildApp({ keys, metrics: new Registry(), readiness: {}, rateLimit: { max: 10_000_000, timeWindowMs: 60_000, redis }, corsOrigins: [], features: [restFeature({ ch })] });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    // Fixed random paths (a seeded walk), so runs are comparable.
    const seconds = BARS / SYMBOLS;
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const iso = (ms: number): string => new Date(ms).toISOString();
    const alertsFrom = alertsFromMs(fixture);
    const severities = ['MEDIUM', 'HIGH', 'CRITICAL'];
    const latestOf = Array.from({ length: 50 }, (_, i) => symbolName(i % SYMBOLS)).join(',');
    const paths: string[] = [];
    for (let i = 0; i < 300; i++) {
      const shape = i % 3;
      if (shape === 0) {
        const from = T0 + Math.floor(rand() * Math.max(1, seconds - 3600)) * 1000;
        paths.push(`/v1/bars/${symbolName(Math.floor(rand() * SYMBOLS))}?interval=1s&from=${iso(from)}&to=${iso(from + 3_600_000)}&limit=500`);
      } else if (shape === 1) {
        const from = alertsFrom + Math.floor(rand() * 6) * DAY_MS;
        paths.push(`/v1/alerts?min_severity=${severities[Math.floor(rand() * 3)]}&from=${iso(from)}&to=${iso(from + DAY_MS)}&limit=500`);
      } else paths.push(`/v1/signals/latest?symbols=${latestOf}`);
    }
    // Every shape answers 200 before the clock starts. The bulk load and OPTIMIZE held the event
    // loop for seconds, which load shedding reads as overload (503) until its next sample.
    for (const p of paths.slice(0, 3)) {
      for (let attempt = 1; ; attempt++) {
        const res = await app.inject({ method: 'GET', url: p, headers: { 'x-api-key': apiKey } });
        if (res.statusCode === 200) break;
        if (res.statusCode !== 503 || attempt >= 20) throw new Error(`warm-up ${p} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
        await sleep(500);
      }
    }
    progress(`rest: autocannon at ${RATE} requests/s for ${DURATION_S} s over ${CONNECTIONS} connections…`);
    const raw = await runChild('api-rest-load.ts', { baseUrl: address, apiKey, rate: RATE, connections: CONNECTIONS, durationS: DURATION_S, paths }).done;
    const r = JSON.parse(raw) as { latency: Record<string, number>; requests: Record<string, number>; non2xx: number; errors: number; timeouts: number; '2xx': number; duration: number };
    return {
      rest_p50_ms: r.latency['p50'],
      rest_p99_ms: r.latency['p99'],
      rest_rps: round(r.requests['total']! / r.duration, 1),
      rest_requests: r.requests['total'],
      rest_non2xx: r.non2xx,
      rest_errors: r.errors + r.timeouts,
      details: { latency_ms: r.latency, requests: r.requests, duration_s: r.duration, fixture: { ...fixture, load }, shapes: ['1 s bars of one symbol over an hour, limit 500', 'alerts ≥ a severity over a day, limit 500', 'latest signals of 50 symbols'] },
    };
  } finally {
    await app.close();
    await ch.close();
  }
}

async function benchWs(redis: Redis, keys: RedisApiKeyStore, apiKey: string, admin: Admin, kafka: Kafka): Promise<Record<string, unknown>> {
  await admin.createTopics({ waitForLeaders: true, topics: LIVE_TOPICS.map((t) => ({ topic: PREFIX + t, numPartitions: 2, replicationFactor: 1 })) });
  const hub = new LiveHub();
  const metrics = new Registry();
  const source = new KafkaLiveSource({ brokers: BROKERS, hub, metrics, topicPrefix: PREFIX, log: () => undefined });
  const app = await buildApp({ keys, metrics, readiness: {}, rateLimit: { max: 10_000_000, timeWindowMs: 60_000, redis }, corsOrigins: [], features: [liveFeature({ hub, keys, metrics, options: { maxConnections: WS_CLIENTS + 100 } })] });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  await source.start();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const symbols = Array.from({ length: WS_SYMBOLS }, (_, i) => symbolName(i));
  let subscribed = 0;
  const clients = runChild('api-ws-clients.ts', { url: `${address.replace('http', 'ws')}/v1/stream`, apiKey, clients: WS_CLIENTS, symbols }, (line) => {
    const m = /^subscribed (\d+)/.exec(line);
    if (m) subscribed = Number(m[1]);
    else progress(`ws clients: ${line}`);
  });
  try {
    const deadline = Date.now() + 120_000;
    while (subscribed < WS_CLIENTS) {
      if (Date.now() > deadline) throw new Error(`only ${subscribed} of ${WS_CLIENTS} clients subscribed within 120 s`);
      await sleep(250);
    }
    progress(`ws: ${WS_CLIENTS} clients subscribed; producing ${WS_RATE} provisional bars/s over ${WS_SYMBOLS} symbols for ${WS_DURATION_S} s (+2 s warm-up)…`);
    let seq = 0;
    let produced = 0;
    const tickMs = 50;
    const perTick = WS_RATE * (tickMs / 1000);
    let carry = 0;
    const until = Date.now() + (WS_DURATION_S + 2) * 1000;
    const measureFrom = Date.now() + 2000;
    let measuring = false;
    while (Date.now() < until) {
      const started = Date.now();
      if (!measuring && started >= measureFrom) {
        clients.signal('SIGUSR2');
        measuring = true;
      }
      carry += perTick;
      const n = Math.floor(carry);
      carry -= n;
      const messages = [];
      for (let i = 0; i < n; i++) {
        const symbol = symbols[seq % symbols.length]!;
        const now = Date.now();
        const bar: MicroBar = { symbol, window_start: now - (now % 1000), window_end: now - (now % 1000) + 1000, open: 100, high: 101, low: 99, close: 100.5, volume: 10, vwap: 100.2, count: 3, is_final: false, event_ts: now, ingest_ts: now, seq: seq++, source: 'bench', correlation_id: `bench:${seq}`, version: 1 };
        messages.push({ key: symbol, value: encode('MicroBar', bar) });
      }
      if (messages.length > 0) await producer.send({ topic: PREFIX + TOPICS.liveBars, acks: 1, messages });
      produced += messages.length;
      await sleep(Math.max(0, tickMs - (Date.now() - started)));
    }
    await sleep(1000); // the last bars reach the clients
    clients.signal('SIGTERM');
    const r = JSON.parse(await clients.done) as { subscribed: number; deliveries: number; msgs_per_sec: number; p50_ms: number | null; p99_ms: number | null; max_ms: number | null; closes: Record<string, number> };
    return { ws_clients: r.subscribed, ws_msgs_per_sec: r.msgs_per_sec, ws_p50_ms: r.p50_ms, ws_p99_ms: r.p99_ms, details: { ws: { ...r, produced, produce_rate: WS_RATE, symbols: WS_SYMBOLS } } };
  } finally {
    clients.signal('SIGKILL');
    await producer.disconnect();
    await source.stop();
    await app.close();
  }
}

async function benchApi(): Promise<Record<string, unknown>> {
  const loadStart = loadavg();
  const redis = new Redis(REDIS_URL);
  const keys = new RedisApiKeyStore(redis, `tickflow-bench:${RUN}:`);
  const { key, record } = newApiKey('bench', ['read']);
  await keys.put(record);
  const kafka = new Kafka({ clientId: 'tickflow-bench-api', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const out: Record<string, unknown> = {};
  const details: Record<string, unknown> = {};
  try {
    if (ONLY.has('rest')) {
      const { details: d, ...r } = await benchRest(redis, keys, key);
      Object.assign(out, r);
      details['rest'] = d;
    }
    if (ONLY.has('ws')) {
      const { details: d, ...r } = await benchWs(redis, keys, key, admin, kafka);
      Object.assign(out, r);
      details['ws'] = d;
    }
  } finally {
    await deleteTopicsWithPrefixes(admin, [PREFIX]).catch(() => 0);
    await admin.disconnect();
    const left = await redis.keys(`tickflow-bench:${RUN}:*`);
    if (left.length > 0) await redis.del(...left);
    redis.disconnect();
  }
  return {
    ...resultHead(out, TARGETS, []),
    machine: machineInfo(loadStart, BROKERS, { clickhouse: 'embedded chDB in this process (temp directory)' }),
    notes: [
      'rest_*: autocannon (child process) at a fixed overall rate; p50/p99 of request → response over every request of the run.',
      'ws_*: produce time (ingest_ts) → client receive, measured by the clients on the same machine clock; the path is Kafka (ta.live.v1) → KafkaLiveSource → LiveHub → batched WS frames (50 ms flush).',
      'Shared 2-core machine: the broker, the API, the load generator and the clients compete for CPU.',
    ],
    details,
    runtime_s: round((Date.now() - BENCH_STARTED) / 1000, 1),
  };
}

function summary(r: Record<string, unknown>): string {
  const { heading, show, mark } = summaryFormat('api', r);
  return [
    '',
    heading,
    `  REST history at ${fmt(RATE)} req/s     p50 ${show(r['rest_p50_ms'], 'ms')}, p99 ${show(r['rest_p99_ms'], 'ms')}, ${show(r['rest_rps'], 'req/s')} achieved, non-2xx ${show(r['rest_non2xx'], '')}  target p99 ≤ ${TARGETS.rest_p99_ms} ms${mark('rest_p99_ms')}`,
    `  WS ${show(r['ws_clients'], 'clients')}          ${show(r['ws_msgs_per_sec'], 'msgs/s')} delivered, p50 ${show(r['ws_p50_ms'], 'ms')}, p99 ${show(r['ws_p99_ms'], 'ms')}  target p99 ≤ ${TARGETS.ws_p99_ms} ms${mark('ws_p99_ms')}`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('api.bench.ts')) {
  await benchMain({
    name: 'api',
    brokers: BROKERS,
    cleanupClientId: 'tickflow-bench-api-cleanup',
    progress,
    run: benchApi,
    summary,
    onSignalMessage: "removing this run's topics and temp dirs…",
    cleanUp: async (admin) => void (await deleteTopicsWithPrefixes(admin, [PREFIX])),
    cleanUpSync: () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })),
  });
}
