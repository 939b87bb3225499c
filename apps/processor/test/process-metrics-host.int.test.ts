/**
 * `tickflow process --metrics-host`: where /metrics and /healthz listen. The processor is pointed at
 * a broker that does not answer, so it stays in start-up (retrying) while the metrics server, bound
 * before Kafka is contacted, is probed from outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, TICKFLOW_BIN } from './shared-data';

/** An IPv4 address of this machine other than loopback, if it has one. */
const external = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function startProcess(args: string[]): { stderr: () => string } {
  const child = spawn(process.execPath, [TICKFLOW_BIN, 'process', '--brokers', '127.0.0.1:1', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { stderr: () => err };
}

/** GET /healthz: the body, or the connection error's code. */
async function healthz(host: string, port: number): Promise<string> {
  try {
    const res = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return `${res.status} ${await res.text()}`;
  } catch (err) {
    return String((err as { cause?: { code?: string } }).cause?.code ?? err);
  }
}

/** Polls until loopback answers (the server is up), for up to 20 s. */
async function waitUntilServing(port: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await healthz('127.0.0.1', port)) !== '200 ok') {
    if (Date.now() > deadline) throw new Error(`/healthz never answered on 127.0.0.1:${port}; stderr:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!external)('tickflow process --metrics-host', () => {
  it('by default serves /healthz on loopback only', async () => {
    const port = await freePort();
    const p = startProcess(['--metrics-port', String(port)]);
    await waitUntilServing(port, p.stderr);
    expect(await healthz(external!, port)).toBe('ECONNREFUSED');
  });

  it('--metrics-host 0.0.0.0 serves it on the machine’s other addresses too', async () => {
    const port = await freePort();
    const p = startProcess(['--metrics-port', String(port), '--metrics-host', '0.0.0.0']);
    await waitUntilServing(port, p.stderr);
    expect(await healthz(external!, port)).toBe('200 ok');
  });

  it('TICKFLOW_METRICS_HOST=<that address> binds to it alone', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [TICKFLOW_BIN, 'process', '--brokers', '127.0.0.1:1', '--metrics-port', String(port)], {
      cwd: REPO_ROOT,
      env: { ...process.env, TICKFLOW_METRICS_HOST: external! },
      stdio: 'ignore',
    });
    children.push(child);
    const deadline = Date.now() + 20_000;
    while ((await healthz(external!, port)) !== '200 ok') {
      if (Date.now() > deadline) throw new Error(`/healthz never answered on ${external}:${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await healthz('127.0.0.1', port)).toBe('ECONNREFUSED');
  });
});
