import type { RawTopic } from '@tickflow/operators';

/** One fetched record of a task's input, with the event time used to order it. */
export interface InputRecord {
  topic: RawTopic;
  partition: number;
  offset: number;
  value: Buffer;
  /** Event time read cheaply from the record (Kafka timestamp set by the producer = event time). */
  tsMs: number;
}

/**
 * Interleaves one task's co-partitioned inputs (trades, quotes, books of partition p) into a single
 * arrival sequence ordered by event time, ties broken by input order then offset — the same rule as
 * `replay`'s file merge, so a task's output does not depend on how Kafka happened to batch fetches.
 *
 * A record is released only when every input either has a record queued (so the smallest head is
 * known) or is caught up (nothing more to fetch right now). With all input already in the topics the
 * order is therefore a function of the data alone. While producers are still writing, an input that is
 * momentarily caught up lets the others go on at once with `maxIdleMs` = 0 (lowest latency), or only
 * after it has held them back for `maxIdleMs` of processing time — Kafka Streams' max.task.idle.ms —
 * so input that arrives topic by topic within that time is still merged in event-time order.
 *
 * "Caught up" is an observation with a time: the wait ends only when the input was seen caught up
 * (by a fetch, or a look at the broker's end offsets) at least `maxIdleMs` after the wait began. An
 * old observation does not count: through a broker outage or a stalled event loop records can pile
 * up in the broker unseen, and going on without them would reorder the merge (KIP-695's rule: idle
 * time counts only while the input is known to have nothing more). So with `maxIdleMs` > 0 the
 * caller must keep confirming: an input whose end is never confirmed (e.g. one ending in a
 * transaction marker past the last record) holds the others until it delivers.
 */
export class InputMerger {
  private readonly queues: InputRecord[][];
  private readonly heads: number[];
  private readonly caughtUp: boolean[];
  /** Processing time since which an empty, caught-up input has been holding the others back. */
  private readonly waitingSince: Array<number | null>;
  /** Processing time at which each input was last seen caught up (-Infinity: never). */
  private readonly caughtUpSeenAtMs: number[];
  /** Next offset to commit per input: one past the last released record (or the start offset). */
  readonly nextOffsets: number[];
  /** One past the last queued record per input: where the next fetch must continue from. */
  readonly fetchedUpTo: number[];

  constructor(
    readonly inputs: readonly RawTopic[],
    startOffsets: readonly number[],
    private readonly maxIdleMs = 0,
  ) {
    this.queues = inputs.map(() => []);
    this.waitingSince = inputs.map(() => null);
    this.heads = inputs.map(() => 0);
    this.caughtUp = inputs.map(() => false);
    this.caughtUpSeenAtMs = inputs.map(() => Number.NEGATIVE_INFINITY);
    this.nextOffsets = [...startOffsets];
    this.fetchedUpTo = [...startOffsets];
  }

  /**
   * Queue fetched records of input `i` (in offset order); `caughtUp` = the fetch reached the high
   * watermark, observed at processing time `nowMs`.
   */
  push(i: number, records: readonly InputRecord[], caughtUp: boolean, nowMs = 0): void {
    const q = this.queues[i]!;
    for (const r of records) {
      if (r.offset < this.fetchedUpTo[i]!) throw new RangeError(`input ${i}: offset ${r.offset} was already queued (next expected ≥ ${this.fetchedUpTo[i]})`);
      q.push(r);
      this.fetchedUpTo[i] = r.offset + 1;
    }
    if (records.length > 0) this.waitingSince[i] = null;
    this.setCaughtUp(i, caughtUp, nowMs);
  }

  /**
   * Mark an input caught up (or not) without new records: after an empty fetch, or a look at the
   * broker's end offsets taken at processing time `nowMs` (pass the time the question was asked).
   */
  setCaughtUp(i: number, caughtUp: boolean, nowMs = 0): void {
    this.caughtUp[i] = caughtUp;
    if (caughtUp) this.caughtUpSeenAtMs[i] = Math.max(this.caughtUpSeenAtMs[i]!, nowMs);
  }

  /** True while some empty input holds the others back waiting for its end to be confirmed. */
  get waitingForIdleInput(): boolean {
    return this.maxIdleMs > 0 && this.waitingSince.some((s) => s !== null);
  }

  /** Release records in merged order while the rule allows; returns how many were released. `nowMs`: processing time. */
  drain(process: (r: InputRecord) => void, limit = Number.POSITIVE_INFINITY, nowMs = 0): number {
    let released = 0;
    while (released < limit) {
      if (this.pending === 0) {
        this.waitingSince.fill(null); // nothing is held back
        break;
      }
      let best = -1;
      let bestTs = 0;
      let blocked = false;
      for (let i = 0; i < this.queues.length; i++) {
        const q = this.queues[i]!;
        const h = this.heads[i]!;
        if (h >= q.length) {
          if (!this.caughtUp[i]) blocked = true;
          else if (this.maxIdleMs > 0) {
            // Every empty input starts its wait now, not when the loop first reaches it; the wait ends
            // when the input is seen caught up maxIdleMs after it began (see the class comment).
            const since = (this.waitingSince[i] ??= nowMs);
            if (this.caughtUpSeenAtMs[i]! - since < this.maxIdleMs) blocked = true;
          }
          continue;
        }
        const ts = q[h]!.tsMs;
        if (best < 0 || ts < bestTs) {
          best = i;
          bestTs = ts;
        }
      }
      if (blocked) return this.compact(released);
      if (best < 0) break;
      const r = this.queues[best]![this.heads[best]!++]!;
      this.nextOffsets[best] = r.offset + 1;
      process(r);
      released++;
    }
    return this.compact(released);
  }

  /** Records of input `i` queued but not yet released. */
  queued(i: number): number {
    return this.queues[i]!.length - this.heads[i]!;
  }

  /** Records fetched but not yet released. */
  get pending(): number {
    let n = 0;
    for (let i = 0; i < this.queues.length; i++) n += this.queues[i]!.length - this.heads[i]!;
    return n;
  }

  private compact(released: number): number {
    for (let i = 0; i < this.queues.length; i++) {
      const h = this.heads[i]!;
      if (h > 4096 || (h > 0 && h === this.queues[i]!.length)) {
        this.queues[i]!.splice(0, h);
        this.heads[i] = 0;
      }
    }
    return released;
  }
}
