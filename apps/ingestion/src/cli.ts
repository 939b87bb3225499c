import { ConfigError } from '@tickflow/config';
import { parseIngestArgs } from './ingest-args';
import { ingestProgressLine } from './ingest-progress-line';
import { createTopicsThenCheck, runIngest, type IngestSummary } from './kafka/ingest';

export const INGEST_USAGE = `Usage: tickflow ingest <simulate|replay> [options]

Publishes market data to Kafka's raw topics (raw.trades, raw.marketdata, raw.orderbook), keyed by
symbol, through an idempotent producer. Values are Avro single-object encoded unless --json.

  simulate   the built-in market simulator (trades, quotes, 20-level order books)
  replay     recorded NDJSON files (the formats 'tickflow replay' reads), merged by timestamp_ms

Run 'tickflow ingest <simulate|replay> --help' for their options. Missing topics of the catalogue
are created first (as 'tickflow topics' does; existing ones are never altered), and the three raw
topics must have the same partition count.`;

const COMMON_FLAGS = `  --json               send JSON text instead of Avro (what outside producers send)
  --brokers LIST       Kafka bootstrap servers host:port[,…] (env KAFKA_BROKERS, default 127.0.0.1:19092)
  --topic-prefix P     prefix of the topic names, as the processor's (env TICKFLOW_TOPIC_PREFIX, default none)
  --quiet              no progress line (it is shown only when stderr is a terminal)
  -h, --help           this text`;

export const SIMULATE_USAGE = `Usage: tickflow ingest simulate [--rate N] [--symbols N] [--seed N] [--count N] [--duration S]
                               [--bad-share F] [--late-share F] [--duplicate-share F] [--json]

Runs the market simulator and publishes its events. Without --count, events are paced to the wall
clock (event time = now, --rate trades per second) until --duration or Ctrl-C; with --count, they
are sent as fast as possible. A summary of what was sent is printed at the end.

  --rate N             trades per second over all symbols, 1–10000000 (default 100); each trade
                       brings about 2 quotes, and each symbol a book snapshot per second
  --symbols N          simulate SYM0001…SYMn, 1–9999 (default: 8 US equities, AAPL … JNJ)
  --seed N             simulator seed, >= 0 (default: random, printed). Trade ids derive from it:
                       two runs with one seed repeat ids, which the processor drops as duplicates
  --count N            stop after N trades (with their quotes), sent unpaced
  --duration S         stop after S seconds (integer)
  --bad-share F        share of malformed records, in [0, 1) (default 0)
  --late-share F       share of trades 1–60 s late, in [0, 1] (default 0)
  --duplicate-share F  share of verbatim duplicate trades, in [0, 1) (default 0)
${COMMON_FLAGS}`;

export const REPLAY_USAGE = `Usage: tickflow ingest replay --trades FILE [--quotes FILE] [--books FILE] [--speed X] [--json]

Publishes recorded NDJSON files (one JSON event per line), merged by timestamp_ms; equal times keep
the order trades, quotes, books. In Avro mode each line is decoded and re-encoded; a line that does
not decode is sent unchanged, so the processor's DLQ sees it as it was. With --json every line is
sent as it is. Keys are the lines' symbols, message timestamps their timestamp_ms.

  --trades FILE        raw trades (trade_id, order_id, symbol, side, quantity, price, status, …)
  --quotes FILE        quotes (symbol, timestamp_ms, bid, bid_size, ask, ask_size, exchange[, last])
  --books FILE         book snapshots (symbol, timestamp_ms, bids/asks [{price, quantity}], exchange)
                       (at least one of the three)
  --speed X            event-time speed: 0 = as fast as possible (default), 1 = real time, 10 = 10×
${COMMON_FLAGS}`;

/** Where `ingestCommand` writes and what it reads; the process's by default. */
export interface IngestCommandIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Show the progress line. @defaultValue whether stderr is a TTY */
  progress: boolean;
}

const PROCESS_IO: IngestCommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  progress: process.stderr.isTTY === true,
};

/**
 * `tickflow ingest …`. Returns the exit code: 0 done, 1 failed (e.g. the broker is unreachable or
 * a topic is missing), 2 bad usage (the message names the flag). Ctrl-C / SIGTERM stop a run
 * cleanly: what was produced is flushed and summarised.
 */
export async function ingestCommand(args: string[], io: Partial<IngestCommandIo> = {}): Promise<number> {
  const { out, err, env, progress } = { ...PROCESS_IO, ...io };
  let plan;
  try {
    plan = parseIngestArgs(args, env);
  } catch (e) {
    if (e instanceof ConfigError || isParseArgsError(e)) {
      err(`tickflow ingest: ${(e as Error).message}\nRun 'tickflow ingest ${args[0] === 'replay' ? 'replay' : 'simulate'} --help' for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (plan.kind === 'help') {
    out(`${plan.topic === 'simulate' ? SIMULATE_USAGE : plan.topic === 'replay' ? REPLAY_USAGE : INGEST_USAGE}\n`);
    return plan.topic === 'ingest' && args.length === 0 ? 2 : 0;
  }

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const showProgress = progress && !plan.quiet;
  try {
    const summary = await runIngest({
      ...plan.options,
      brokers: plan.brokers,
      prepareTopics: createTopicsThenCheck({ topicPrefix: plan.options.topicPrefix }),
      signal: stop.signal,
      onProgress: showProgress ? (p) => err(ingestProgressLine(p)) : undefined,
    });
    out(summaryText(summary, plan.brokers));
    return 0;
  } catch (e) {
    if (showProgress) err('\n');
    err(`tickflow ingest: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function summaryText(s: IngestSummary, brokers: readonly string[]): string {
  const rate = s.elapsedMs > 0 ? Math.round((s.total * 1000) / s.elapsedMs) : 0;
  const seed = s.seed !== undefined ? `, seed ${s.seed}` : '';
  const lines = [`sent ${s.total.toLocaleString('en-US')} records in ${(s.elapsedMs / 1000).toFixed(2)} s (${rate.toLocaleString('en-US')}/s) to ${brokers.join(',')}${seed}`];
  for (const [topic, n] of Object.entries(s.sent)) lines.push(`  ${topic.padEnd(16)} ${n.toLocaleString('en-US').padStart(12)}  (${formatBytes(s.bytes[topic as keyof typeof s.bytes])})`);
  return `${lines.join('\n')}\n`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function isParseArgsError(e: unknown): boolean {
  return e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
