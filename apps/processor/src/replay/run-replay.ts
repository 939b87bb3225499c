import { existsSync } from 'node:fs';
import { ProcessorTask, TOPICS, type ProcessorTaskOptions, type RawTopic, type TaskCounters } from '@tickflow/operators';
import { loadReference } from '../reference/load-reference';
import { mergeRecordedFiles } from './ndjson-merge';
import { NdjsonTopicSink } from './ndjson-topic-sink';

export interface ReplayOptions {
  /** NDJSON of raw trades (seed 000 RawTradeEvent field names). */
  trades?: string;
  /** NDJSON of quotes: symbol, timestamp_ms, bid, bid_size, ask, ask_size, exchange[, last]. */
  quotes?: string;
  /** NDJSON of book snapshots: symbol, timestamp_ms, bids[{price,quantity}], asks[…], exchange. */
  books?: string;
  /** Reference data (.csv/.parquet); the built-in file when omitted. */
  reference?: string;
  /** Directory that receives `<topic>.ndjson` per output topic. */
  outDir: string;
  /** Called every `progressEvery` records and once at the end. */
  onProgress?: (p: ReplayProgress) => void;
  progressEvery?: number;
  /** Overrides of the task's options (tests: lateness, bounds). */
  task?: Partial<ProcessorTaskOptions>;
}

export interface ReplayProgress {
  records: number;
  elapsedMs: number;
  done: boolean;
}

export interface ReplaySummary {
  records: number;
  elapsedMs: number;
  outputs: Record<string, number>;
  counters: TaskCounters;
}

/**
 * Runs the whole processor topology in-process over recorded files: merges them into one arrival
 * sequence by `timestamp_ms`, feeds one task, and at end of input advances the watermark to the end
 * so every window fires. Heartbeats are left out: they are processing-time records.
 */
export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  const files: Array<{ topic: RawTopic; path: string }> = [];
  if (opts.trades) files.push({ topic: TOPICS.rawTrades, path: opts.trades });
  if (opts.quotes) files.push({ topic: TOPICS.rawMarketData, path: opts.quotes });
  if (opts.books) files.push({ topic: TOPICS.rawOrderBook, path: opts.books });
  if (files.length === 0) throw new Error('nothing to replay: give at least one of --trades, --quotes, --books');
  for (const f of files) if (!existsSync(f.path)) throw new Error(`input file not found: ${f.path}`);

  const reference = await loadReference(opts.reference);
  const sink = new NdjsonTopicSink(opts.outDir);
  const task = new ProcessorTask(sink, { taskId: 'replay', reference, ...opts.task });
  const started = performance.now();
  const every = opts.progressEvery ?? 50_000;
  let records = 0;
  for await (const line of mergeRecordedFiles(files)) {
    task.processRaw(line.topic, line.bytes, { topic: line.topic, partition: 0, offset: line.offset });
    if (++records % every === 0) {
      opts.onProgress?.({ records, elapsedMs: performance.now() - started, done: false });
      if (sink.congested) await sink.drain();
    }
  }
  task.endOfInput();
  await sink.close();
  const elapsedMs = performance.now() - started;
  opts.onProgress?.({ records, elapsedMs, done: true });
  return { records, elapsedMs, outputs: Object.fromEntries(sink.counts), counters: { ...task.counters } };
}
