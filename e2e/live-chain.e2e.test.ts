// The live chain as processes: `tickflow ingest simulate` → Kafka → `tickflow process` → Kafka →
// `tickflow api` → clients. A raw WebSocket client on /v1/stream and a standard graphql-ws client
// on /graphql receive provisional and final bars the processor computed from the simulated feed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import type { Admin, Kafka } from 'kafkajs';
import { createTopics, ensureServices, kafkaClient } from '../apps/processor/test/kafka-harness';
import { REPO_ROOT, TICKFLOW_BIN } from '../apps/processor/test/shared-data';

type Proc = ChildProcess & { logs: string[] };

function tickflow(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [TICKFLOW_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) as Proc;
  child.logs = [];
  const keep = (d: Buffer): void => void child.logs.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

async function stop(child: Proc | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs: number, procs: Proc[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) throw new Error(`a process exited (${p.exitCode ?? p.signalCode}) while waiting for ${what}:\n${p.logs.slice(-10).join('\n')}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('live chain: simulator → processor → API → WS and GraphQL clients', () => {
  const prefix = `e2elive${process.pid}x${Date.now()}.`;
  let kafka: Kafka;
  let admin: Admin;
  let chDir: string;
  let env: Record<string, string>;
  let apiKey = '';
  let keyId = '';
  let api: Proc | null = null;
  let processor: Proc | null = null;
  let ingest: Proc | null = null;
  let baseUrl = '';

  beforeAll(async () => {
    const { brokers, redisUrl } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, 2);
    chDir = mkdtempSync(join(tmpdir(), 'tickflow-e2e-live-'));
    env = { KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_CLICKHOUSE_PATH: chDir, TICKFLOW_LAKE_DIR: chDir };
    const created = execFileSync(process.execPath, [TICKFLOW_BIN, 'keys', 'create', '--owner', 'e2e-live', '--name', prefix], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    apiKey = /^(tf_\S+)$/m.exec(created)![1]!;
    keyId = /created key (\w+)/.exec(created)![1]!;

    api = tickflow(['api', '--port', '0'], env);
    const listening = await until('the API to listen', () => api!.logs.map((l) => /"msg":"api listening".*"url":"([^"]+)"/.exec(l)).find(Boolean), 120_000, [api]);
    baseUrl = listening[1]!;
    processor = tickflow(['process', '--metrics-port', '0', '--checkpoint-ms', '1000', '--group', `${prefix}processor`], env);
    await until('the processor to join its group', () => processor!.logs.some((l) => l.includes('"joined consumer group"')), 120_000, [processor]);
    ingest = tickflow(['ingest', 'simulate', '--rate', '200', '--symbols', '3', '--seed', '7', '--duration', '120', '--quiet'], env);
  }, 300_000);

  afterAll(async () => {
    await stop(ingest, 'SIGKILL');
    await stop(processor, 'SIGKILL');
    const apiExit = await stop(api);
    if (keyId) execFileSync(process.execPath, [TICKFLOW_BIN, 'keys', 'revoke', keyId], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    if (admin) {
      const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics: ours }).catch(() => undefined);
      await admin.disconnect();
    }
    if (chDir) rmSync(chDir, { recursive: true, force: true });
    expect(apiExit).toBe(0); // SIGTERM: a clean shutdown
  }, 120_000);

  it('serves /healthz and /readyz (Redis, ClickHouse, Kafka) as a real process', async () => {
    expect(await (await fetch(`${baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(Object.keys(((await ready.json()) as { checks: object }).checks).sort()).toEqual(['clickhouse', 'kafka', 'redis']);
  });

  it('answers REST with the API key, and problem+json without it', async () => {
    const ok = await fetch(`${baseUrl}/v1/symbols`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(ok.status).toBe(200);
    expect(Array.isArray(((await ok.json()) as { data: unknown[] }).data)).toBe(true);
    const denied = await fetch(`${baseUrl}/v1/symbols`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const spec = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(spec.openapi).toMatch(/^3\.1/);
    expect(Object.keys(spec.paths)).toContain('/v1/bars/{symbol}');
  });

  it('a WS client receives provisional and final 1 s bars of a simulated symbol, and signals', async () => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`);
    const bars: Array<{ symbol: string; is_final: boolean; close: number; window_start: number }> = [];
    const signals: Array<{ symbol: string }> = [];
    ws.on('open', () => ws.send(JSON.stringify({ action: 'auth', key: apiKey })));
    ws.on('message', (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as { type: string; messages?: Array<{ channel: string; data: never }> };
      if (msg.type === 'authenticated') ws.send(JSON.stringify({ action: 'subscribe', channels: ['bars.1s.SYM0001', 'signals.*'], id: 1 }));
      for (const m of msg.messages ?? []) (m.channel.startsWith('bars.') ? bars : signals).push(m.data);
    });
    try {
      await until('provisional and final bars and a signal', () => bars.some((b) => !b.is_final) && bars.some((b) => b.is_final) && signals.length > 0, 120_000, [api!, processor!]);
    } finally {
      ws.close();
    }
    expect(bars.every((b) => b.symbol === 'SYM0001')).toBe(true);
    expect(bars.every((b) => Number.isFinite(b.close) && b.close > 0)).toBe(true);
    expect(new Set(signals.map((s) => s.symbol)).size).toBeGreaterThan(0);
  }, 180_000);

  it('a standard graphql-ws client receives bars of the symbol it subscribed to', async () => {
    const client = createClient({ url: `${baseUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { apiKey }, retryAttempts: 0 });
    const bars: Array<{ symbol: string; isFinal: boolean; close: number }> = [];
    const errors: unknown[] = [];
    const dispose = client.subscribe<{ bars: { symbol: string; isFinal: boolean; close: number } }>(
      { query: 'subscription { bars(symbol: "SYM0002", interval: ONE_SECOND) { symbol isFinal close windowStart } }' },
      { next: (r) => (r.errors ? errors.push(r.errors) : r.data && bars.push(r.data.bars)), error: (e) => errors.push(e), complete: () => undefined },
    );
    try {
      await until('bars over GraphQL', () => errors.length > 0 || (bars.some((b) => b.isFinal) && bars.some((b) => !b.isFinal)), 120_000, [api!, processor!]);
    } finally {
      dispose();
      await client.dispose();
    }
    expect(errors).toEqual([]);
    expect(bars.every((b) => b.symbol === 'SYM0002' && b.close > 0)).toBe(true);
  }, 180_000);
});
