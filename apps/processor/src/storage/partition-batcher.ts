/** A sealed batch of one topic partition: a contiguous offset range and the rows it produced. */
export interface SealedBatch<R> {
  firstOffset: number;
  lastOffset: number;
  rows: R[];
}

/**
 * Cuts one partition's records into insert batches by size or age — except for a batch that a
 * crashed writer may already have inserted but not committed: that one (`replay`) is cut at exactly
 * the same offsets, so its retry carries the same deduplication token and is dropped by ClickHouse
 * instead of being counted twice by the materialized views. Pure: no clock, no I/O.
 */
export class PartitionBatcher<R> {
  private first = -1;
  private last = -1;
  private rows: R[] = [];
  private openedAtMs = 0;
  private replayUntil: number | null = null;
  /** Highest offset ever added (sealed batches included). */
  private high = -1;

  constructor(
    private readonly maxRows: number,
    private readonly maxAgeMs: number,
  ) {}

  /** The next batch must end exactly at `lastOffset` (the range a previous run may have inserted). */
  replay(lastOffset: number): void {
    this.replayUntil = lastOffset;
  }

  /** Adds a record (offsets increasing; an offset not past the last one is ignored); returns the batch it completed, if any. */
  add(offset: number, row: R | null, nowMs: number): SealedBatch<R> | null {
    if (offset <= this.high) return null;
    this.high = offset;
    if (this.first < 0) {
      this.first = offset;
      this.openedAtMs = nowMs;
    }
    this.last = offset;
    if (row !== null) this.rows.push(row);
    if (this.replayUntil !== null) return offset >= this.replayUntil ? this.seal() : null;
    return this.rows.length >= this.maxRows ? this.seal() : null;
  }

  /** The open batch if it is old enough to flush (never a replayed batch before its end). */
  due(nowMs: number): SealedBatch<R> | null {
    if (this.first < 0 || this.replayUntil !== null || nowMs - this.openedAtMs < this.maxAgeMs) return null;
    return this.seal();
  }

  get pending(): number {
    return this.first < 0 ? 0 : this.last - this.first + 1;
  }

  private seal(): SealedBatch<R> {
    const batch = { firstOffset: this.first, lastOffset: this.last, rows: this.rows };
    this.first = -1;
    this.last = -1;
    this.rows = [];
    this.replayUntil = null;
    return batch;
  }
}
