import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { OutputSink, TopicName } from '@tickflow/operators';

/** JSON form of an output record: DLQ `original` bytes become base64 text. */
export function toJsonLine(value: object): string {
  return JSON.stringify(value, bytesAsBase64);
}

// Buffer#toJSON runs before a replacer sees the value, so look at the holder's raw property.
function bytesAsBase64(this: Record<string, unknown>, key: string, v: unknown): unknown {
  const raw = this[key];
  return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') : v;
}

/** Writes each topic to `<dir>/<topic>.ndjson`, one record per line, creating files on first use. */
export class NdjsonTopicSink implements OutputSink {
  private readonly streams = new Map<string, WriteStream>();
  readonly counts = new Map<string, number>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  emit(topic: TopicName, _key: string | null, value: object): void {
    let stream = this.streams.get(topic);
    if (!stream) {
      stream = createWriteStream(join(this.dir, `${topic}.ndjson`));
      this.streams.set(topic, stream);
    }
    stream.write(toJsonLine(value) + '\n');
    this.counts.set(topic, (this.counts.get(topic) ?? 0) + 1);
  }

  /** Whether the caller should wait for `drain()` before writing more (bounded memory). */
  get congested(): boolean {
    for (const s of this.streams.values()) if (s.writableNeedDrain) return true;
    return false;
  }

  async drain(): Promise<void> {
    await Promise.all([...this.streams.values()].filter((s) => s.writableNeedDrain).map((s) => new Promise<void>((r) => s.once('drain', () => r()))));
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))));
  }
}
