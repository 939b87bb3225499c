import type { IHeaders } from 'kafkajs';

/**
 * The outcome of one transaction, shared by its records on every partition it touched: a
 * read_committed fetch drops the records of an aborted one. Set by the transaction coordinator
 * before it writes the markers.
 */
export interface TxnOutcome {
  state: 'open' | 'committed' | 'aborted';
}

/** kafkajs's `batchContext` of a decoded record: one object per appended record batch. */
export interface BusBatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte: number;
}

/**
 * A record as kafkajs hands it to `eachBatch` (its `RecordBatchEntry` plus the decoder's extra
 * fields). Shared by every consumer that fetches it: read-only.
 */
export interface BusMessage {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  isControlRecord: boolean;
  batchContext: BusBatchContext;
}

/** One record to append: already converted to bytes. */
export interface AppendRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Producer timestamp, epoch ms as a string (kafkajs's form). */
  timestamp: string;
  /** key + value + header bytes. */
  bytes: number;
}

/** Who appends: a plain, idempotent or transactional producer. */
export interface AppendOrigin {
  producerId: number;
  producerEpoch: number;
  /** The open transaction the records belong to; null outside transactions. */
  txn: TxnOutcome | null;
}

/** Records of one fetch, before kafkajs's `Batch` wraps them. */
export interface PartitionRead {
  /** Records in the fetched range, markers and aborted records included (kafkajs's `messagesWithinOffset`). */
  raw: number;
  /** What the consumer sees: no markers; no aborted records for read_committed. */
  messages: BusMessage[];
  /** Offset of the first and last record in range (markers included); -1 when `raw` is 0. */
  firstOffset: number;
  lastOffset: number;
}

/** A topic's settings as a partition applies them. */
export interface RetentionPolicy {
  /** `retention.ms`: records older than this (by producer timestamp) are deleted; -1 = never. */
  retentionMs: number;
  /** `cleanup.policy` contains `delete` (retention applies). */
  delete: boolean;
  /** `cleanup.policy` contains `compact` (only the latest record per key is kept). */
  compact: boolean;
}

/** Limits of {@link PartitionLog}. */
export interface PartitionLogLimits {
  maxRecords: number;
  maxBytes: number;
  /** Offsets reserved ahead when `reserve` is set. */
  reserveBlock: number;
  /**
   * Persists "offsets below `end` may have been handed out" before any of them is; null = no
   * persistence. Called synchronously from `append`.
   */
  reserve: ((end: number) => void) | null;
  now: () => number;
}

interface StoredRecord {
  offset: number;
  bytes: number;
  timestampMs: number;
  /** Null for records outside transactions. */
  txn: TxnOutcome | null;
  message: BusMessage;
}

const CONTROL_COMMIT = Buffer.from([0, 0, 0, 1]);
const CONTROL_ABORT = Buffer.from([0, 0, 0, 0]);
/** Version (int16) and coordinator epoch (int32) of a control record's value. */
const CONTROL_VALUE = Buffer.alloc(6);
const NO_HEADERS: IHeaders = Object.freeze({}) as IHeaders;
/** Compact again once the log holds this many times the records left by the last compaction. */
const COMPACT_GROWTH = 2;
const MIN_COMPACT_RECORDS = 1024;

/**
 * One partition of the in-process bus: an append-only log with Kafka's offsets.
 *
 * - **Offsets.** Every record takes the next offset, transaction markers too, so `high` (the log end
 *   offset, the high watermark of a one-replica broker) moves as on Kafka. `low` is the log start
 *   offset: it moves when records are trimmed (retention, caps), never by compaction.
 * - **Transactions.** The last stable offset is the first offset of the earliest open transaction
 *   (else `high`); a read_committed read stops there and drops aborted records.
 * - **Bounded.** Appends trim the head beyond `maxRecords` / `maxBytes` or older than `retention.ms`
 *   (never past the last stable offset), and compact a `compact` topic, keeping the latest record
 *   per key.
 * - **Waking.** `onAppend` listeners run on every append (data or marker), so consumers long-poll
 *   without spinning.
 */
export class PartitionLog {
  private records: StoredRecord[] = [];
  private head = 0;
  private bytes = 0;
  private start: number;
  private end: number;
  private reservedEnd: number;
  private compactAt = MIN_COMPACT_RECORDS;
  /** Open transactions with records here → their first offset here. */
  private readonly open = new Map<TxnOutcome, number>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Offset of the first record: 0, or after a restart the persisted reservation's end. */
    startOffset: number,
    private readonly policy: RetentionPolicy,
    private readonly limits: PartitionLogLimits,
  ) {
    this.start = startOffset;
    this.end = startOffset;
    this.reservedEnd = startOffset;
  }

  /** Log start offset. */
  get low(): number {
    return this.start;
  }

  /** Log end offset: the next offset to be written. */
  get high(): number {
    return this.end;
  }

  /** Records held (markers included). */
  get size(): number {
    return this.records.length - this.head;
  }

  /** Key + value + header bytes held. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** First offset of the earliest open transaction, else the log end offset. */
  lastStable(): number {
    let lso = this.end;
    for (const first of this.open.values()) if (first < lso) lso = first;
    return lso;
  }

  /** Appends data records as one record batch; returns the offset of the first. */
  append(records: readonly AppendRecord[], origin: AppendOrigin): number {
    const n = records.length;
    const base = this.end;
    if (n === 0) return base;
    this.reserveUpTo(base + n);
    const first = records[0]!;
    let maxTs = first.timestamp;
    for (const r of records) if (Number(r.timestamp) > Number(maxTs)) maxTs = r.timestamp;
    const context: BusBatchContext = {
      firstOffset: String(base),
      firstTimestamp: first.timestamp,
      partitionLeaderEpoch: 0,
      inTransaction: origin.txn !== null,
      isControlBatch: false,
      lastOffsetDelta: n - 1,
      producerId: String(origin.producerId),
      producerEpoch: origin.producerEpoch,
      firstSequence: 0,
      maxTimestamp: maxTs,
      timestampType: 0,
      magicByte: 2,
    };
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const offset = base + i;
      const message: BusMessage = { magicByte: 2, attributes: 0, timestamp: r.timestamp, offset: String(offset), key: r.key, value: r.value, headers: r.headers, isControlRecord: false, batchContext: context };
      this.records.push({ offset, bytes: r.bytes, timestampMs: Number(r.timestamp), txn: origin.txn, message });
      this.bytes += r.bytes;
    }
    this.end = base + n;
    if (origin.txn !== null && !this.open.has(origin.txn)) this.open.set(origin.txn, base);
    this.afterAppend();
    return base;
  }

  /**
   * Ends `txn` here with a COMMIT or ABORT control record, which takes an offset like any record.
   * The coordinator sets `txn.state` first.
   */
  appendMarker(txn: TxnOutcome, commit: boolean, producerId: number, producerEpoch: number): number {
    const offset = this.end;
    this.reserveUpTo(offset + 1);
    const timestamp = String(this.limits.now());
    const context: BusBatchContext = {
      firstOffset: String(offset),
      firstTimestamp: timestamp,
      partitionLeaderEpoch: 0,
      inTransaction: true,
      isControlBatch: true,
      lastOffsetDelta: 0,
      producerId: String(producerId),
      producerEpoch,
      firstSequence: -1,
      maxTimestamp: timestamp,
      timestampType: 0,
      magicByte: 2,
    };
    const key = commit ? CONTROL_COMMIT : CONTROL_ABORT;
    const message: BusMessage = { magicByte: 2, attributes: 0, timestamp, offset: String(offset), key, value: CONTROL_VALUE, headers: NO_HEADERS, isControlRecord: true, batchContext: context };
    this.records.push({ offset, bytes: key.length + CONTROL_VALUE.length, timestampMs: Number(timestamp), txn, message });
    this.bytes += key.length + CONTROL_VALUE.length;
    this.end = offset + 1;
    this.open.delete(txn);
    this.afterAppend();
    return offset;
  }

  /**
   * Records from `from` on, up to `maxBytes` (at least one record): up to the last stable offset
   * for read_committed, else up to the log end. Null when `from` is outside [low, high] (Kafka's
   * OFFSET_OUT_OF_RANGE).
   */
  read(from: number, readCommitted: boolean, maxBytes: number): PartitionRead | null {
    if (from < this.start || from > this.end) return null;
    const limit = readCommitted ? this.lastStable() : this.end;
    const messages: BusMessage[] = [];
    let raw = 0;
    let firstOffset = -1;
    let lastOffset = -1;
    let bytes = 0;
    for (let i = this.indexOf(from); i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.offset >= limit || (raw > 0 && bytes >= maxBytes)) break;
      if (raw === 0) firstOffset = r.offset;
      lastOffset = r.offset;
      raw++;
      bytes += r.bytes;
      if (r.message.isControlRecord) continue;
      if (readCommitted && r.txn !== null && r.txn.state === 'aborted') continue;
      messages.push(r.message);
    }
    return { raw, messages, firstOffset, lastOffset };
  }

  /** Calls `listener` after every append until the returned remover is called. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Deletes records past `retention.ms` (processing time); appends do this too, idle partitions need a sweep. */
  enforceRetention(): void {
    if (!this.policy.delete || this.policy.retentionMs < 0 || this.size === 0) return;
    const cutoff = this.limits.now() - this.policy.retentionMs;
    const stable = this.lastStable();
    let trimmed = false;
    while (this.head < this.records.length) {
      const r = this.records[this.head]!;
      if (r.offset >= stable || !(r.timestampMs < cutoff)) break;
      this.dropHead();
      trimmed = true;
    }
    if (trimmed) this.afterTrim();
  }

  private afterAppend(): void {
    this.trimToLimits();
    if (this.policy.compact && this.size >= this.compactAt) this.compact();
    for (const listener of [...this.listeners]) listener();
  }

  private trimToLimits(): void {
    this.enforceRetention();
    const { maxRecords, maxBytes } = this.limits;
    if (this.size <= maxRecords && this.bytes <= maxBytes) return;
    const stable = this.lastStable();
    while ((this.size > maxRecords || this.bytes > maxBytes) && this.head < this.records.length && this.records[this.head]!.offset < stable) this.dropHead();
    this.afterTrim();
  }

  private dropHead(): void {
    const r = this.records[this.head]!;
    this.bytes -= r.bytes;
    this.records[this.head] = undefined as unknown as StoredRecord; // release the message now
    this.head++;
  }

  private afterTrim(): void {
    this.start = this.head < this.records.length ? this.records[this.head]!.offset : this.end;
    // Reclaim the array's dead prefix once it is large, amortized O(1) per record.
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Keeps, among records below the last stable offset, the latest one per key; drops markers and
   * aborted records there. Records of open transactions and the offsets themselves are untouched.
   */
  private compact(): void {
    const stable = this.lastStable();
    let tail = this.head;
    while (tail < this.records.length && this.records[tail]!.offset < stable) tail++;
    const latest = new Map<string, number>();
    for (let i = this.head; i < tail; i++) {
      const r = this.records[i]!;
      if (r.message.isControlRecord || r.txn?.state === 'aborted' || r.message.key === null) continue;
      latest.set(r.message.key.toString('latin1'), i);
    }
    const kept: StoredRecord[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.records.length; i++) {
      const r = this.records[i]!;
      if (i < tail && (r.message.key === null || latest.get(r.message.key.toString('latin1')) !== i)) continue;
      kept.push(r);
      bytes += r.bytes;
    }
    this.records = kept;
    this.head = 0;
    this.bytes = bytes;
    this.compactAt = Math.max(MIN_COMPACT_RECORDS, kept.length * COMPACT_GROWTH);
  }

  /** Index of the first record at or after `offset` (offsets have gaps after compaction). */
  private indexOf(offset: number): number {
    const records = this.records;
    if (this.head >= records.length) return records.length;
    const guess = this.head + (offset - records[this.head]!.offset);
    if (guess >= this.head && guess < records.length && records[guess]!.offset === offset) return guess;
    let lo = this.head;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (records[mid]!.offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private reserveUpTo(end: number): void {
    if (this.limits.reserve === null || end <= this.reservedEnd) return;
    const reserved = end + this.limits.reserveBlock;
    this.limits.reserve(reserved); // throws if it cannot persist: nothing is appended then
    this.reservedEnd = reserved;
  }
}
