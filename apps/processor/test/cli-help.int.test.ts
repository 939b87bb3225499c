/**
 * Every command of `tickflow --help` has its own `--help` (exit 0, "Usage: tickflow <cmd>" first),
 * refuses an unknown flag, and names a bad flag or environment variable (exit 2). The command list
 * is read from the top-level usage, so a new command without help fails here.
 *
 * Each case spawns `node bin/tickflow.mjs` (tsx, ~1 s); they run a few at a time.
 */
import { execFile, execFileSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, TICKFLOW_BIN } from './shared-data';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** At most this many tickflow processes at once. */
const slots = { free: Math.max(2, Math.min(4, os.availableParallelism() + 1)), waiting: [] as Array<() => void> };

async function tickflow(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  if (slots.free > 0) slots.free--;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await new Promise<Run>((resolve) => {
      // A command that ignored a bad flag and started working would hang here: the timeout kills it.
      execFile(process.execPath, [TICKFLOW_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
      });
    });
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

/** Commands listed under "Commands:" in the top-level usage (read once, at collection time). */
const TOP = execFileSync(process.execPath, [TICKFLOW_BIN, '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
const COMMANDS = (/^Commands:\n((?: {2}\S.*\n?)+)/m.exec(TOP)?.[1] ?? '')
  .split('\n')
  .map((l) => /^ {2}([a-z][\w-]*) {2,}\S/.exec(l)?.[1])
  .filter((c): c is string => c !== undefined);


describe('tickflow --help lists the commands', () => {
  it('names every command the issue asks for, each once, with a description', () => {
    expect(new Set(COMMANDS).size).toBe(COMMANDS.length);
    expect(COMMANDS).toEqual(expect.arrayContaining(['start', 'ingest', 'process', 'api', 'replay', 'topics', 'migrate', 'sql', 'keys', 'bench']));
  });
});

describe.concurrent('tickflow <command> --help', () => {
  it.each(COMMANDS)('%s --help prints its usage and exits 0', async (cmd) => {
    const r = await tickflow([cmd, '--help']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout.startsWith(`Usage: tickflow ${cmd}`), r.stdout.slice(0, 200)).toBe(true);
  });

  it.each(COMMANDS)('%s --no-such-flag exits 2 and names the flag', async (cmd) => {
    const r = await tickflow([cmd, '--no-such-flag']);
    expect(r, r.stdout).toMatchObject({ code: 2 });
    expect(r.stderr).toContain('--no-such-flag');
  });
});

describe.concurrent('bad settings exit 2 and name the flag or the environment variable', () => {
  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['process --checkpoint-ms abc', ['process', '--checkpoint-ms', 'abc'], {}, /--checkpoint-ms \/ TICKFLOW_CHECKPOINT_MS: expected an integer from 50 to 600000, got "abc"/],
    ['process with TICKFLOW_CHECKPOINT_MS=10s', ['process'], { TICKFLOW_CHECKPOINT_MS: '10s' }, /TICKFLOW_CHECKPOINT_MS: expected an integer/],
    ['process with TICKFLOW_METRICS_HOST=0.0.0.0:9464', ['process'], { TICKFLOW_METRICS_HOST: '0.0.0.0:9464' }, /TICKFLOW_METRICS_HOST: expected a host name or IP address/],
    // A well-formed address this machine does not have (TEST-NET-3): refused when binding, before Kafka.
    ['process --metrics-host 203.0.113.7', ['process', '--metrics-host', '203.0.113.7', '--metrics-port', '39464', '--brokers', '127.0.0.1:1'], {}, /--metrics-host \/ TICKFLOW_METRICS_HOST: expected an address of this machine/],
    ['api --port 99999', ['api', '--port', '99999'], {}, /--port \/ PORT: expected an integer from 0 to 65535, got "99999"/],
    ['start --port 99999', ['start', '--port', '99999'], {}, /--port \/ PORT: expected an integer from 0 to 65535, got "99999"/],
    ['start with TICKFLOW_SYMBOLS=50', ['start'], { TICKFLOW_SYMBOLS: '50' }, /--symbols \/ TICKFLOW_SYMBOLS: expected an integer from 1 to 20, got "50"/],
    ['start --data-dir "d*"', ['start', '--data-dir', 'd*'], {}, /--data-dir \/ TICKFLOW_DATA_DIR: expected a directory path without glob characters/],
    ['api with PORT=http', ['api'], { PORT: 'http' }, /PORT: expected an integer/],
    ['ingest simulate --rate -1', ['ingest', 'simulate', '--rate', '-1'], {}, /'--rate'/],
    ['ingest simulate --rate=-1', ['ingest', 'simulate', '--rate=-1'], {}, /--rate.*expected an integer from 1/],
    ['bench frobnicate', ['bench', 'frobnicate'], {}, /bench name: expected one of operators, pipeline, storage, api, all, got "frobnicate"/],
  ])('%s', async (_name, args, env, message) => {
    const r = await tickflow(args, env);
    expect(r, r.stdout).toMatchObject({ code: 2 });
    expect(r.stderr).toMatch(message);
  });
});
