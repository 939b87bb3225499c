import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { topicCatalogue } from '@tickflow/kafka';
import { ensureServices } from './kafka-harness';
import { TICKFLOW_BIN } from './shared-data';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tickflow-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function tickflow(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TICKFLOW_BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const goodTrade = (id: number, ts: number, price: number) =>
  JSON.stringify({ trade_id: `T${id}`, order_id: `O${id}`, symbol: 'BTCUSDT', side: 'BUY', quantity: 0.5, price, status: 'FILLED', exchange: 'BINANCE', trader_id: '', account_id: '', timestamp_ms: ts, event_type: 'TRADE' });

describe('tickflow CLI', () => {
  it('prints help for the program and each command', async () => {
    const top = await tickflow(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/replay/);
    expect(top.stdout).toMatch(/start/);
    const replay = await tickflow(['replay', '--help']);
    expect(replay.stdout).toMatch(/--trades FILE/);
    expect((await tickflow(['start', '--help'])).stdout).toMatch(/TICKFLOW_RATE/);
  });

  it('rejects unknown commands, unknown flags and missing settings with exit code 2', async () => {
    expect((await tickflow(['frobnicate'])).stderr).toMatch(/unknown command "frobnicate"/);
    const noOut = await tickflow(['replay', '--trades', 'x.ndjson']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out: expected an output directory/);
    const badFlag = await tickflow(['replay', '--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/bogus/);
  });

  it('names a bad environment variable', async () => {
    const r = await tickflow(['start', '--duration', '1'], { TICKFLOW_RATE: 'fast' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rate / TICKFLOW_RATE: expected an integer');
  });

  it('start refuses a second platform on the same data directory, naming the holder, and the first stops cleanly', async () => {
    const dataDir = join(work, 'embedded');
    const first = tickflow(['start', '--port', '0', '--data-dir', dataDir, '--duration', '20', '--symbols', '2']);
    const lock = join(dataDir, 'bus', 'bus.lock');
    const deadline = Date.now() + 60_000;
    while (!existsSync(lock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(lock)).toBe(true);
    const second = await tickflow(['start', '--port', '0', '--data-dir', dataDir, '--duration', '5']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/process \d+ holds the in-process bus state in .*embedded/);
    const done = await first;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/Dashboard\s+http:\/\/127\.0\.0\.1:\d+\/\?key=tf_/);
    expect(done.stdout).toMatch(/Simulating {2}AAPL, MSFT · 200 trades\/s · seed \d+\n/); // the random seed in use, shown at start
    expect(done.stderr).toMatch(/INFO {2}tickflow +stopped/);
  }, 120_000);

  it('topics lists the catalogue and --create is idempotent on the real broker', async () => {
    const list = await tickflow(['topics']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/reference\.symbols\s+1\s+forever\s+compact/);
    expect(list.stdout).toMatch(/raw\.trades\s+8\s/);
    const { brokers } = ensureServices();
    const prefix = `clitest${process.pid}x${Date.now()}.`;
    const env = { KAFKA_BROKERS: brokers.join(',') };
    const first = await tickflow(['topics', '--create', '--topic-prefix', prefix, '--raw-partitions', '2'], env);
    const topics = topicCatalogue().length;
    expect(first.stdout).toContain(`created ${topics}, already present 0`);
    const second = await tickflow(['topics', '--create', '--topic-prefix', prefix, '--raw-partitions', '2'], env);
    expect(second.stdout).toContain(`created 0, already present ${topics}`);
    const mismatch = await tickflow(['topics', '--create', '--topic-prefix', prefix, '--raw-partitions', '3'], env);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toMatch(/MISMATCH .*raw\.trades: partitions is 2, the catalogue says 3/);
  }, 120_000);

  it('reports a missing input file clearly', async () => {
    const r = await tickflow(['replay', '--trades', join(work, 'nope.ndjson'), '--out', join(work, 'o')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input file not found: .*nope\.ndjson/);
  });

  it('replays a file with garbage lines: valid trades produce output, each bad line lands in a DLQ file', async () => {
    const t0 = Date.UTC(2024, 7, 8, 23, 59, 0);
    const lines = [
      goodTrade(1, t0, 61000),
      'not json at all',
      '{"trade_id": "T2", "price": "NaN"}',
      goodTrade(3, t0 + 100, -1),
      JSON.stringify({ ...JSON.parse(goodTrade(4, t0 + 200, 61000)), status: 'MYSTERY' }),
      JSON.stringify({ ...JSON.parse(goodTrade(5, t0 + 300, 61000)), symbol: 'x'.repeat(100_000) }),
      goodTrade(1, t0 + 400, 61000),
      '\u0000\u0001\u0002',
      goodTrade(6, t0 + 1500, 61010),
    ];
    const input = join(work, 'mixed.ndjson');
    writeFileSync(input, lines.join('\n') + '\n');
    const out = join(work, 'mixed-out');
    const r = await tickflow(['replay', '--trades', input, '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replayed 9 records/);
    const read = (topic: string) => readFileSync(join(out, `${topic}.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(read('processed.trades.filled').map((t) => t['trade_id'])).toEqual(['T1', 'T6']);
    expect(read('ta.bars.1s.v1')).toHaveLength(2);
    const dlq = [...read('dlq.deserialization'), ...read('dlq.validation'), ...read('dlq.trades.unroutable')];
    expect(dlq.map((d) => Number(d['source_offset'])).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(dlq.map((d) => d['error_type']))).toEqual(new Set(['DESERIALIZATION_ERROR', 'SCHEMA_VIOLATION', 'BUSINESS_RULE_VIOLATION', 'UNROUTABLE', 'DUPLICATE']));
    const notJson = dlq.find((d) => d['source_offset'] === '1')!;
    expect(Buffer.from(String(notJson['original']), 'base64').toString()).toBe('not json at all');
    expect(existsSync(join(out, 'dlq.processing-errors.ndjson'))).toBe(false);
  });
});
