import { SnapshotError } from './errors';
import { MIN_WATERMARK } from './watermark';

/**
 * How one window's inputs fold into an output. Accumulators must be plain data (numbers, strings,
 * booleans, null, arrays, plain objects) so snapshots are structured-clone-able.
 */
export interface WindowAggregator<In, Acc, Out> {
  /**
   * Accumulator for a new window, already containing `first`. Inputs may be reused by the caller
   * after `create`/`add` return: copy values out of them, never keep the input object.
   */
  create(first: In): Acc;
  /** Fold `input` into `acc`, mutating it in place. */
  add(acc: Acc, input: In): void;
  /** The output of a firing. `version` is 1 for the on-time firing, +1 for each late correction. */
  result(key: string, windowStartMs: number, windowEndMs: number, acc: Acc, version: number): Out;
}

export interface TumblingWindowOptions {
  /** Window length, event-time ms. A positive integer. */
  sizeMs: number;
  /** How long after its end (in watermark time) a fired window still accepts corrections, ms. >= 0. */
  allowedLatenessMs: number;
}

/** What {@link TumblingWindowOperator.add} did with an event. */
export type AddOutcome = 'ON_TIME' | 'LATE_UPDATED' | 'TOO_LATE';

/** One group of windows sharing an end, in creation order (the order they fire in). */
export interface TumblingWindowEndGroup<Acc> {
  endMs: number;
  keys: string[];
  /** Last emitted version per window; 0 = not fired yet. */
  versions: number[];
  accs: Acc[];
}

/**
 * Plain-data state of a {@link TumblingWindowOperator}: a deep copy, safe to keep while the operator
 * runs on. Groups are in ascending `endMs`; within a group windows are in creation order. Column
 * layout keeps the encoded snapshot small (no repeated property names per window).
 */
export interface TumblingWindowState<Acc> {
  sizeMs: number;
  /** The operator's watermark (highest seen), event time ms. */
  watermarkMs: number;
  ends: Array<TumblingWindowEndGroup<Acc>>;
}

interface WindowSlot<Acc> {
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly acc: Acc;
  /** Last emitted version; 0 = not fired yet. */
  version: number;
}

interface KeyWindows<Acc> {
  /** The window the key's last event went to: the hot path's only lookup after the key's. */
  last: WindowSlot<Acc> | undefined;
  byStart: Map<number, WindowSlot<Acc>>;
}

interface EndBucket<Acc> {
  readonly endMs: number;
  readonly slots: Array<WindowSlot<Acc>>;
}

/**
 * Start of the tumbling window of size `sizeMs` containing `eventTsMs`: floor(ts / size) * size,
 * computed with an exact remainder so it holds for negative and very large timestamps.
 */
export function alignWindowStart(eventTsMs: number, sizeMs: number): number {
  let r = eventTsMs % sizeMs;
  if (r < 0) r += sizeMs;
  return eventTsMs - r;
}

/**
 * Keyed tumbling event-time windows that fire on the watermark (Flink's event-time trigger with
 * allowed lateness; Kafka Streams' grace period). Pure and synchronous: results go to the `out`
 * callback, in a deterministic order that depends only on the calls made.
 *
 * The operator keeps its own watermark: the highest value passed to {@link add} or {@link advance}.
 * A smaller value is treated as that one, so time never runs backwards inside the operator. After
 * every call, all windows with `end <= watermark` have fired and all with
 * `end + allowedLateness <= watermark` are purged.
 *
 * `out` must not call back into the operator. If it throws, the operator's state is undefined:
 * restore from a snapshot.
 */
export class TumblingWindowOperator<In, Acc, Out> {
  private readonly sizeMs: number;
  private readonly latenessMs: number;
  private readonly agg: WindowAggregator<In, Acc, Out>;
  private readonly keys = new Map<string, KeyWindows<Acc>>();
  /** Ascending by end. The first `firedCount` have fired (end <= watermark); the rest are pending. */
  private buckets: Array<EndBucket<Acc>> = [];
  private firedCount = 0;
  private windowCount = 0;
  private wmMs = MIN_WATERMARK;
  /** Earliest pending end (+Infinity: none): `advance` is O(1) below it. */
  private nextFireMs = Number.POSITIVE_INFINITY;
  /** Earliest end + lateness (+Infinity: no windows). */
  private nextPurgeMs = Number.POSITIVE_INFINITY;

  constructor(opts: TumblingWindowOptions, aggregator: WindowAggregator<In, Acc, Out>) {
    const { sizeMs, allowedLatenessMs } = opts;
    if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
      throw new RangeError(`TumblingWindowOperator: sizeMs must be a positive integer, got ${String(sizeMs)}`);
    }
    if (!Number.isFinite(allowedLatenessMs) || allowedLatenessMs < 0) {
      throw new RangeError(`TumblingWindowOperator: allowedLatenessMs must be a finite number >= 0, got ${String(allowedLatenessMs)}`);
    }
    this.sizeMs = sizeMs;
    this.latenessMs = allowedLatenessMs;
    this.agg = aggregator;
  }

  /**
   * Put an event (event time `eventTsMs`) into its window [start, start + size), start =
   * floor(ts / size) * size. Behaves as if `advance(watermarkMs, out)` ran first, so the outcome
   * depends only on the window's end and the watermark:
   * - `ON_TIME`: end > watermark → accumulate (no emission);
   * - `LATE_UPDATED`: end <= watermark < end + allowedLateness → accumulate and emit a corrected result
   *   at once, version = previous + 1 (1 if the window did not exist: Flink's late firing);
   * - `TOO_LATE`: end + allowedLateness <= watermark → state untouched, nothing emitted; the caller
   *   routes the event to the late side output.
   * Allocation-free for an existing window when nothing is due.
   * @throws RangeError when `eventTsMs` is not finite.
   */
  add(key: string, eventTsMs: number, input: In, watermarkMs: number, out: (o: Out) => void): AddOutcome {
    if (!Number.isFinite(eventTsMs)) {
      throw new RangeError(`TumblingWindowOperator.add: eventTsMs must be finite, got ${String(eventTsMs)}`);
    }
    if (watermarkMs > this.wmMs) this.advance(watermarkMs, out);
    const kw = this.keys.get(key);
    let slot = kw === undefined ? undefined : kw.last;
    // Hot path: the event falls into the key's last window. A range check on it avoids the
    // (floating-point) modulo of `alignWindowStart`; a slot that still exists is within lateness.
    if (slot === undefined || !(eventTsMs >= slot.startMs && eventTsMs < slot.endMs)) {
      const startMs = alignWindowStart(eventTsMs, this.sizeMs);
      const endMs = startMs + this.sizeMs;
      if (endMs + this.latenessMs <= this.wmMs) return 'TOO_LATE';
      slot = kw === undefined ? undefined : kw.byStart.get(startMs);
      if (slot === undefined) return this.createWindow(kw, key, startMs, endMs, input, out);
      (kw as KeyWindows<Acc>).last = slot;
    }
    this.agg.add(slot.acc, input);
    if (slot.endMs > this.wmMs) return 'ON_TIME';
    slot.version++;
    out(this.agg.result(key, slot.startMs, slot.endMs, slot.acc, slot.version));
    return 'LATE_UPDATED';
  }

  /**
   * Move the operator's watermark to `watermarkMs` (ignored unless higher). Fires every not-yet-fired
   * window with end <= watermark (version 1), by window end ascending, then by the order in which
   * each (key, window) was created; then purges windows with end + allowedLateness <= watermark.
   * O(1) when nothing is due.
   */
  advance(watermarkMs: number, out: (o: Out) => void): void {
    if (!(watermarkMs > this.wmMs)) return;
    this.wmMs = watermarkMs;
    if (watermarkMs < this.nextFireMs && watermarkMs < this.nextPurgeMs) return;

    const buckets = this.buckets;
    let fired = this.firedCount;
    for (let b = buckets[fired]; b !== undefined && b.endMs <= watermarkMs; b = buckets[++fired]) {
      this.firedCount = fired + 1;
      const startMs = b.endMs - this.sizeMs;
      for (const slot of b.slots) {
        slot.version = 1;
        out(this.agg.result(slot.key, startMs, b.endMs, slot.acc, 1));
      }
    }
    this.nextFireMs = buckets[fired]?.endMs ?? Number.POSITIVE_INFINITY;

    let purged = 0;
    for (let b = buckets[0]; b !== undefined && b.endMs + this.latenessMs <= watermarkMs; b = buckets[++purged]) {
      for (const slot of b.slots) this.removeFromKey(slot);
      this.windowCount -= b.slots.length;
    }
    if (purged > 0) {
      buckets.splice(0, purged);
      this.firedCount -= purged;
    }
    this.updateNextPurge();
  }

  /** The live accumulator of a not-yet-purged window, or undefined (for provisional updates). Do not keep it. */
  peek(key: string, windowStartMs: number): Acc | undefined {
    return this.keys.get(key)?.byStart.get(windowStartMs)?.acc;
  }

  /** Windows held (pending, or fired and still within allowed lateness). */
  get openWindowCount(): number {
    return this.windowCount;
  }

  /** The operator's watermark: the highest passed to `add`/`advance`; MIN_WATERMARK before any. */
  get watermarkMs(): number {
    return this.wmMs;
  }

  /** A deep copy of the state (accumulators are cloned, so later `add`s do not change it). */
  snapshot(): TumblingWindowState<Acc> {
    const ends: Array<TumblingWindowEndGroup<Acc>> = [];
    for (const b of this.buckets) {
      const n = b.slots.length;
      const keys = new Array<string>(n);
      const versions = new Array<number>(n);
      const accs = new Array<Acc>(n);
      for (let i = 0; i < n; i++) {
        const slot = b.slots[i] as WindowSlot<Acc>;
        keys[i] = slot.key;
        versions[i] = slot.version;
        accs[i] = slot.acc;
      }
      ends.push({ endMs: b.endMs, keys, versions, accs });
    }
    return structuredClone({ sizeMs: this.sizeMs, watermarkMs: this.wmMs, ends });
  }

  /**
   * Replace the state with `state` (deep-copied). Allowed lateness comes from this operator's options,
   * not the snapshot: windows already beyond it are purged.
   * @throws SnapshotError `CKPT_RESTORE_MISMATCH` when the window size differs or the state is malformed.
   */
  restore(state: TumblingWindowState<Acc>): void {
    const mismatch = (why: string): SnapshotError => new SnapshotError('CKPT_RESTORE_MISMATCH', `TumblingWindowOperator.restore: ${why}`);
    const s = state as Partial<TumblingWindowState<Acc>> | null;
    if (s === null || typeof s !== 'object' || !Array.isArray(s.ends) || typeof s.watermarkMs !== 'number' || Number.isNaN(s.watermarkMs)) {
      throw mismatch('expected { sizeMs, watermarkMs, ends[] }');
    }
    if (s.sizeMs !== this.sizeMs) throw mismatch(`snapshot window size ${String(s.sizeMs)} ms differs from this operator's ${this.sizeMs} ms`);
    const wm = s.watermarkMs;
    const ends = structuredClone(s.ends);

    const keys = new Map<string, KeyWindows<Acc>>();
    const buckets: Array<EndBucket<Acc>> = [];
    let windowCount = 0;
    let prevEnd = Number.NEGATIVE_INFINITY;
    for (const g of ends) {
      if (g === null || typeof g !== 'object' || !Array.isArray(g.keys) || !Array.isArray(g.versions) || !Array.isArray(g.accs)) {
        throw mismatch('malformed end group');
      }
      const { endMs } = g;
      if (typeof endMs !== 'number' || !(endMs > prevEnd) || alignWindowStart(endMs, this.sizeMs) !== endMs) {
        throw mismatch(`window end ${String(endMs)} is not aligned to ${this.sizeMs} ms or not ascending`);
      }
      prevEnd = endMs;
      const n = g.keys.length;
      if (g.versions.length !== n || g.accs.length !== n) throw mismatch(`end group ${endMs}: keys, versions and accs differ in length`);
      if (endMs + this.latenessMs <= wm) continue; // beyond this operator's lateness: purged
      const fired = endMs <= wm;
      const startMs = endMs - this.sizeMs;
      const slots: Array<WindowSlot<Acc>> = [];
      for (let i = 0; i < n; i++) {
        const key = g.keys[i];
        const version = g.versions[i];
        if (typeof key !== 'string') throw mismatch(`end group ${endMs}: key #${i} is not a string`);
        if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0 || version > 0 !== fired) {
          throw mismatch(`window (${key}, ${startMs}): version ${String(version)} contradicts watermark ${wm}`);
        }
        let kw = keys.get(key);
        if (kw === undefined) {
          kw = { last: undefined, byStart: new Map() };
          keys.set(key, kw);
        }
        if (kw.byStart.has(startMs)) throw mismatch(`window (${key}, ${startMs}) appears twice`);
        const slot: WindowSlot<Acc> = { key, startMs, endMs, acc: g.accs[i] as Acc, version };
        kw.byStart.set(startMs, slot);
        slots.push(slot);
      }
      windowCount += n;
      buckets.push({ endMs, slots });
    }

    this.keys.clear();
    for (const [k, v] of keys) this.keys.set(k, v);
    this.buckets = buckets;
    this.windowCount = windowCount;
    this.wmMs = wm;
    let fired = 0;
    while (fired < buckets.length && (buckets[fired] as EndBucket<Acc>).endMs <= wm) fired++;
    this.firedCount = fired;
    this.nextFireMs = buckets[fired]?.endMs ?? Number.POSITIVE_INFINITY;
    this.updateNextPurge();
  }

  private createWindow(kw: KeyWindows<Acc> | undefined, key: string, startMs: number, endMs: number, input: In, out: (o: Out) => void): AddOutcome {
    const slot: WindowSlot<Acc> = { key, startMs, endMs, acc: this.agg.create(input), version: 0 };
    if (kw === undefined) {
      kw = { last: slot, byStart: new Map() };
      this.keys.set(key, kw);
    } else {
      kw.last = slot;
    }
    kw.byStart.set(startMs, slot);
    this.windowCount++;

    const buckets = this.buckets;
    const late = endMs <= this.wmMs;
    let i = buckets.length;
    while (i > 0 && (buckets[i - 1] as EndBucket<Acc>).endMs > endMs) i--;
    const prev = buckets[i - 1];
    if (prev !== undefined && prev.endMs === endMs) {
      prev.slots.push(slot);
    } else {
      buckets.splice(i, 0, { endMs, slots: [slot] });
      if (late) this.firedCount++;
      else if (endMs < this.nextFireMs) this.nextFireMs = endMs;
      if (i === 0) this.updateNextPurge();
    }
    if (!late) return 'ON_TIME';
    slot.version = 1;
    out(this.agg.result(key, startMs, endMs, slot.acc, 1));
    return 'LATE_UPDATED';
  }

  private removeFromKey(slot: WindowSlot<Acc>): void {
    const kw = this.keys.get(slot.key);
    if (kw === undefined) return;
    kw.byStart.delete(slot.startMs);
    if (kw.last === slot) kw.last = undefined;
    if (kw.byStart.size === 0) this.keys.delete(slot.key);
  }

  private updateNextPurge(): void {
    const first = this.buckets[0];
    this.nextPurgeMs = first === undefined ? Number.POSITIVE_INFINITY : first.endMs + this.latenessMs;
  }
}
