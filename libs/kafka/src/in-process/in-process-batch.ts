import type { Batch, KafkaMessage } from 'kafkajs';
import type { BusMessage, PartitionRead } from './partition-log';

/**
 * What one fetch returned for one partition, with kafkajs's `Batch` semantics (`src/consumer/batch.js`):
 * `messages` hides transaction markers (and, read_committed, aborted records), but `lastOffset()`
 * is the last record fetched, marker included — so a consumer that resolves it moves past the
 * marker. A fetch holding only markers or aborted records is "empty due to filtering": kafkajs does
 * not hand it to `eachBatch`, it reports it in START_BATCH_PROCESS (`batchSize: 0`) and resolves it.
 */
export class InProcessBatch implements Batch {
  readonly messages: KafkaMessage[];
  /** The offset the fetch asked for (kafkajs's undocumented `fetchedOffset`, which callers read). */
  readonly fetchedOffset: string;
  readonly highWatermark: string;
  private readonly raw: number;
  private readonly first: number;
  private readonly last: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    fetchedOffset: number,
    read: PartitionRead,
    highWatermark: number,
  ) {
    this.fetchedOffset = String(fetchedOffset);
    this.highWatermark = String(highWatermark);
    this.messages = read.messages as BusMessage[] as unknown as KafkaMessage[];
    this.raw = read.raw;
    this.first = read.firstOffset;
    this.last = read.lastOffset;
  }

  isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** True when the fetch returned records, all hidden (markers, aborted records). */
  isEmptyDueToFiltering(): boolean {
    return this.messages.length === 0 && this.raw > 0;
  }

  isEmptyIncludingFiltered(): boolean {
    return this.raw === 0;
  }

  firstOffset(): string | null {
    return this.raw === 0 ? null : String(this.first);
  }

  lastOffset(): string {
    return String(this.raw === 0 ? Number(this.highWatermark) - 1 : this.last);
  }

  /** Lag after this batch: high watermark − 1 − last offset. */
  offsetLag(): string {
    return String(Number(this.highWatermark) - 1 - Number(this.lastOffset()));
  }

  /** Lag from the first offset of this batch. */
  offsetLagLow(): string {
    return this.raw === 0 ? '0' : String(Number(this.highWatermark) - 1 - this.first);
  }
}
