import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawTopic } from '@tickflow/operators';

/** One line of a recorded file, with where it came from. */
export interface RecordedLine {
  topic: RawTopic;
  /** 0-based line number in its file: the record's offset. */
  offset: number;
  bytes: Buffer;
  /** `timestamp_ms` read from the line, or the previous line's when it has none (garbage stays in place). */
  tsMs: number;
}

const TIMESTAMP = /"timestamp_ms"\s*:\s*(-?\d+)/;

async function* readLines(topic: RawTopic, path: string): AsyncGenerator<RecordedLine> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let offset = 0;
  let lastTs = -Infinity;
  for await (const line of rl) {
    const offsetHere = offset++;
    if (line.length === 0) continue;
    const m = TIMESTAMP.exec(line);
    if (m) lastTs = Number(m[1]);
    yield { topic, offset: offsetHere, bytes: Buffer.from(line), tsMs: lastTs };
  }
}

/**
 * Merges recorded files into one arrival sequence ordered by `timestamp_ms`; equal times keep the
 * order of the inputs as given (trades, then quotes, then books) and, within a file, line order —
 * a stable k-way merge, so the same files always give the same sequence.
 */
export async function* mergeRecordedFiles(files: ReadonlyArray<{ topic: RawTopic; path: string }>): AsyncGenerator<RecordedLine> {
  const iters = files.map((f) => readLines(f.topic, f.path));
  const heads: Array<RecordedLine | undefined> = await Promise.all(iters.map(async (it) => (await it.next()).value ?? undefined));
  while (true) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || h.tsMs < heads[best]!.tsMs)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = (await iters[best]!.next()).value ?? undefined;
  }
}
