import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeRaw } from '@tickflow/schemas';
import type { RawTopic } from '../simulator/sim-event';
import type { ProducerEvent, WireFormat } from './market-data-producer';

/** Recorded NDJSON files, one JSON event per line, in the formats `tickflow replay` reads. */
export interface RecordedFiles {
  /** Raw trades (seed 000 RawTradeEvent fields). */
  trades?: string;
  /** Quotes: symbol, timestamp_ms, bid, bid_size, ask, ask_size, exchange[, last]. */
  quotes?: string;
  /** Book snapshots: symbol, timestamp_ms, bids/asks [{price, quantity}], exchange. */
  books?: string;
}

/** One non-empty line of a recorded file. */
export interface RecordedLine {
  topic: RawTopic;
  /** 0-based line number in its file. */
  offset: number;
  /** The line without its line terminator. */
  bytes: Buffer;
  /** `timestamp_ms` read from the line, or the previous line's when it has none (garbage stays in place). */
  tsMs: number;
  /** `symbol` read from the line when it is a well-formed ticker, else null. */
  symbol: string | null;
}

const TIMESTAMP = /"timestamp_ms"\s*:\s*(-?\d+)/;
const SYMBOL = /"symbol"\s*:\s*"([A-Za-z0-9._/-]{1,32})"/;

/** The files as `{topic, path}` in merge order: trades, then quotes, then books. */
export function recordedFileList(files: RecordedFiles): Array<{ topic: RawTopic; path: string }> {
  const out: Array<{ topic: RawTopic; path: string }> = [];
  if (files.trades !== undefined) out.push({ topic: 'raw.trades', path: files.trades });
  if (files.quotes !== undefined) out.push({ topic: 'raw.marketdata', path: files.quotes });
  if (files.books !== undefined) out.push({ topic: 'raw.orderbook', path: files.books });
  return out;
}

/** Reads one file's non-empty lines (CRLF or LF). A line before any timestamp gets `tsMs = -Infinity`. */
export async function* readRecordedLines(topic: RawTopic, path: string): AsyncGenerator<RecordedLine> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let offset = 0;
  let lastTs = -Infinity;
  for await (const line of rl) {
    const here = offset++;
    if (line.length === 0) continue;
    const ts = TIMESTAMP.exec(line);
    if (ts) lastTs = Number(ts[1]);
    yield { topic, offset: here, bytes: Buffer.from(line), tsMs: lastTs, symbol: SYMBOL.exec(line)?.[1] ?? null };
  }
}

/**
 * A stable k-way merge of line sources by `tsMs`: the smallest head goes first; equal times keep
 * the order of the sources as given, and each source keeps its own order. This is the arrival
 * order `tickflow replay` uses, so both see the same sequence.
 */
export async function* mergeByTimestamp(sources: ReadonlyArray<AsyncIterator<RecordedLine>>): AsyncGenerator<RecordedLine> {
  const heads: Array<RecordedLine | undefined> = await Promise.all(sources.map(async (s) => (await s.next()).value ?? undefined));
  while (true) {
    let best = -1;
    let bestTs = Infinity;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (best < 0 || h.tsMs < bestTs)) {
        best = i;
        bestTs = h.tsMs;
      }
    }
    if (best < 0) return;
    yield heads[best] as RecordedLine;
    heads[best] = (await (sources[best] as AsyncIterator<RecordedLine>).next()).value ?? undefined;
  }
}

/** Every line of the recorded files, merged by timestamp (see {@link mergeByTimestamp}). */
export function readRecordedFiles(files: RecordedFiles): AsyncGenerator<RecordedLine> {
  return mergeByTimestamp(recordedFileList(files).map((f) => readRecordedLines(f.topic, f.path)));
}

/**
 * What to publish for one recorded line. JSON: the line's bytes exactly. Avro: the line decoded
 * as its topic's event (`decodeRaw`, which fills the envelope fields a recording lacks) and
 * re-encoded by the producer; a line that does not decode goes out as its bytes unchanged, so the
 * processor's DLQ sees exactly what the file held. Key and timestamp come from the line.
 */
export function recordedLineToEvent(line: RecordedLine, format: WireFormat): ProducerEvent {
  if (format === 'avro') {
    const bytes = line.bytes;
    switch (line.topic) {
      case 'raw.trades': {
        const r = decodeRaw('RawTrade', bytes);
        if (r.ok) return { kind: 'trade', value: r.value };
        break;
      }
      case 'raw.marketdata': {
        const r = decodeRaw('Quote', bytes);
        if (r.ok) return { kind: 'quote', value: r.value };
        break;
      }
      case 'raw.orderbook': {
        const r = decodeRaw('BookSnapshot', bytes);
        if (r.ok) return { kind: 'book', value: r.value };
        break;
      }
    }
  }
  return { kind: 'raw', topic: line.topic, bytes: line.bytes, symbol: line.symbol, tsMs: Number.isFinite(line.tsMs) ? line.tsMs : undefined };
}

/** Wall clock and sleep, injectable so pacing is testable without timers. */
export interface PacingClock {
  /** Milliseconds on a monotonic-enough clock. */
  now(): number;
  /** Resolves after `ms` (or earlier when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `Date.now` and an abortable timer. */
export const SYSTEM_CLOCK: PacingClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Options of {@link EventTimePacer}. */
export interface EventTimePacerOptions {
  /**
   * Event-time speed relative to the wall clock: k → one second of event time every 1/k wall
   * seconds; 0 → no pacing (as fast as possible).
   */
  speed: number;
  /** @defaultValue {@link SYSTEM_CLOCK} */
  clock?: PacingClock;
  /**
   * Event time that corresponds to the wall-clock time of the first {@link EventTimePacer.delayMs}
   * call. @defaultValue the first event's time
   */
  originEventMs?: number;
  /** Wall-clock time of the origin. @defaultValue `clock.now()` at the first call */
  originWallMs?: number;
}

/**
 * Paces events by event time: an event at `t` is due at wall time
 * `originWall + (t - originEvent) / speed`. Events behind the clock (late ones, or a slow
 * producer) are due at once: the pacer never sleeps to catch up, so lag does not accumulate sleeps.
 */
export class EventTimePacer {
  readonly speed: number;
  private readonly clock: PacingClock;
  private originEvent: number | undefined;
  private originWall: number | undefined;

  constructor(options: EventTimePacerOptions) {
    if (!(options.speed >= 0 && options.speed < Infinity)) throw new RangeError(`speed: expected a finite number >= 0, got ${options.speed}`);
    this.speed = options.speed;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.originEvent = options.originEventMs;
    this.originWall = options.originWallMs;
  }

  /** Milliseconds until an event at `tsMs` is due (<= 0: due now). Always 0 at speed 0. */
  delayMs(tsMs: number): number {
    if (this.speed === 0 || !Number.isFinite(tsMs)) return 0;
    this.originEvent ??= tsMs;
    this.originWall ??= this.clock.now();
    return this.originWall + (tsMs - this.originEvent) / this.speed - this.clock.now();
  }
}
