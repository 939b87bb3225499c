import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@tickflow/config';
import { ingestCommand } from './cli';
import { parseIngestArgs } from './ingest-args';
import { ingestProgressLine } from './ingest-progress-line';

const dir = mkdtempSync(join(tmpdir(), 'tickflow-ingest-args-'));
const trades = join(dir, 'trades.ndjson');
writeFileSync(trades, '{}\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseIngestArgs: simulate', () => {
  it('defaults: paced Avro at 100 trades/s on the 8 default symbols, random seed, test broker', () => {
    const plan = parseIngestArgs(['simulate'], {});
    expect(plan).toEqual({
      kind: 'run',
      brokers: ['127.0.0.1:19092'],
      quiet: false,
      options: { mode: 'simulate', format: 'avro', topicPrefix: '', simulator: { tradesPerSecond: 100, badShare: 0, lateShare: 0, duplicateShare: 0 } },
    });
  });

  it('reads every flag', () => {
    const plan = parseIngestArgs(
      ['simulate', '--rate', '5000', '--symbols', '50', '--seed', '0', '--count', '1000', '--duration', '30', '--bad-share', '0.01', '--late-share', '1', '--duplicate-share', '.5', '--json', '--brokers', 'a:1,b.example:9092', '--topic-prefix', 'x.', '--quiet'],
      {},
    );
    expect(plan).toEqual({
      kind: 'run',
      brokers: ['a:1', 'b.example:9092'],
      quiet: true,
      options: {
        mode: 'simulate',
        format: 'json',
        topicPrefix: 'x.',
        count: 1000,
        durationMs: 30_000,
        simulator: { tradesPerSecond: 5000, symbols: 50, seed: 0, badShare: 0.01, lateShare: 1, duplicateShare: 0.5 },
      },
    });
  });

  it('brokers and topic prefix come from the environment unless flagged', () => {
    const env = { KAFKA_BROKERS: 'k1:9092,k2:9093', TICKFLOW_TOPIC_PREFIX: 'env.' };
    expect(parseIngestArgs(['simulate'], env)).toMatchObject({ brokers: ['k1:9092', 'k2:9093'], options: { topicPrefix: 'env.' } });
    expect(parseIngestArgs(['simulate', '--brokers', 'f:1'], env)).toMatchObject({ brokers: ['f:1'] });
  });

  it.each([
    [['--rate', '0'], '--rate: expected an integer from 1 to 10000000, got "0"'],
    [['--rate', '1.5'], '--rate: expected an integer'],
    [['--symbols', '10000'], '--symbols: expected an integer from 1 to 9999'],
    [['--symbols', 'many'], '--symbols: expected an integer'],
    [['--seed=-1'], '--seed: expected an integer from 0'],
    [['--count', '0'], '--count: expected an integer from 1'],
    [['--duration', '1.5'], '--duration: expected an integer'],
    [['--bad-share', '1'], '--bad-share: expected a share in [0, 1), got "1"'],
    [['--bad-share=-0.1'], '--bad-share: expected a share in [0, 1)'],
    [['--late-share', '1.01'], '--late-share: expected a share in [0, 1], got "1.01"'],
    [['--duplicate-share', 'NaN'], '--duplicate-share: expected a share in [0, 1)'],
    [['--duplicate-share', '1e-3'], '--duplicate-share: expected a share in [0, 1)'],
    [['--brokers', 'localhost'], '--brokers / KAFKA_BROKERS: expected host:port[,host:port…], got "localhost"'],
    [['--topic-prefix', 'a b'], '--topic-prefix / TICKFLOW_TOPIC_PREFIX: expected up to 80 letters, digits, . _ -'],
  ])('rejects %j naming the flag', (flags, message) => {
    const run = () => parseIngestArgs(['simulate', ...flags], {});
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('a bad environment value names the variable', () => {
    expect(() => parseIngestArgs(['simulate'], { KAFKA_BROKERS: 'nope' })).toThrow('--brokers / KAFKA_BROKERS: expected host:port');
  });

  it('unknown flags, flags of the other mode and missing values are usage errors naming the flag', () => {
    expect(() => parseIngestArgs(['simulate', '--speed', '2'], {})).toThrow(/--speed/);
    expect(() => parseIngestArgs(['simulate', '--rate'], {})).toThrow(/--rate/);
    expect(() => parseIngestArgs(['replay', '--trades', trades, '--count', '5'], {})).toThrow(/--count/);
    expect(() => parseIngestArgs(['simulate', 'extra'], {})).toThrow(/extra/);
  });
});

describe('parseIngestArgs: replay', () => {
  it('reads files, speed and format', () => {
    expect(parseIngestArgs(['replay', '--trades', trades, '--speed', '2.5', '--json'], {})).toEqual({
      kind: 'run',
      brokers: ['127.0.0.1:19092'],
      quiet: false,
      options: { mode: 'replay', files: { trades, quotes: undefined, books: undefined }, speed: 2.5, format: 'json', topicPrefix: '' },
    });
    expect(parseIngestArgs(['replay', '--books', trades], {})).toMatchObject({ options: { files: { books: trades }, speed: 0, format: 'avro' } });
  });

  it.each([
    [[], '--trades / --quotes / --books: expected at least one recorded NDJSON file'],
    [['--trades', join(dir, 'missing.ndjson')], '--trades: expected an existing NDJSON file'],
    [['--quotes', dir], '--quotes: expected an existing NDJSON file'],
    [['--trades', trades, '--speed=-1'], '--speed: expected a speed factor >= 0'],
    [['--trades', trades, '--speed', 'fast'], '--speed: expected a speed factor >= 0'],
  ])('rejects %j naming the flag', (flags, message) => {
    const run = () => parseIngestArgs(['replay', ...flags], {});
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('rejects an unknown mode', () => {
    expect(() => parseIngestArgs(['replicate'], {})).toThrow("ingest mode: expected 'simulate' or 'replay', got \"replicate\"");
  });

  it('help for the command and each mode', () => {
    expect(parseIngestArgs([], {})).toEqual({ kind: 'help', topic: 'ingest' });
    expect(parseIngestArgs(['--help'], {})).toEqual({ kind: 'help', topic: 'ingest' });
    expect(parseIngestArgs(['simulate', '-h'], {})).toEqual({ kind: 'help', topic: 'simulate' });
    expect(parseIngestArgs(['replay', '--help'], {})).toEqual({ kind: 'help', topic: 'replay' });
  });
});

describe('ingestCommand (no broker needed)', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env: {}, progress: false } };
  }

  it('prints usage for --help and exits 0', async () => {
    const s = io();
    expect(await ingestCommand(['simulate', '--help'], s.io)).toBe(0);
    expect(s.out.join('')).toMatch(/^Usage: tickflow ingest simulate/);
    expect(s.out.join('')).toMatch(/--bad-share F/);
    const r = io();
    expect(await ingestCommand(['replay', '--help'], r.io)).toBe(0);
    expect(r.out.join('')).toMatch(/--speed X/);
    const t = io();
    expect(await ingestCommand([], t.io)).toBe(2);
    expect(t.out.join('')).toMatch(/simulate\s+the built-in market simulator/);
  });

  it('exits 2 with the flag named on stderr for a bad value', async () => {
    const s = io();
    expect(await ingestCommand(['simulate', '--late-share', '2'], s.io)).toBe(2);
    expect(s.err.join('')).toContain('tickflow ingest: --late-share: expected a share in [0, 1], got "2"');
    expect(s.out).toEqual([]);
    const u = io();
    expect(await ingestCommand(['replay', '--nope'], u.io)).toBe(2);
    expect(u.err.join('')).toMatch(/--nope/);
    expect(u.err.join('')).toMatch(/tickflow ingest replay --help/);
  });
});

describe('ingestProgressLine', () => {
  it('rewrites one line while running and ends it when done', () => {
    const running = ingestProgressLine({ sent: 123456, rate: 98500.4, elapsedMs: 1250, done: false });
    expect(running).toMatch(/^\r {2}ingesting: 123,456 records, 98,500\/s, 1\.3 s\s*$/);
    expect(running.endsWith('\n')).toBe(false);
    const done = ingestProgressLine({ sent: 10, rate: 5, elapsedMs: 2000, done: true });
    expect(done).toMatch(/^\r {2}done: 10 records, 5\/s, 2\.0 s\s*\n$/);
  });
});
