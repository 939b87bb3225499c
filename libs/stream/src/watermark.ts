import { SnapshotError } from './errors';

export interface WatermarkOptions {
  /** Bounded out-of-orderness, ms: watermark = max event time seen − this. Finite, >= 0. */
  outOfOrdernessMs: number;
  /**
   * Processing-time idleness after which the watermark advances on its own; 0/undefined = never.
   * @defaultValue undefined (never)
   */
  idleTimeoutMs?: number;
}

/** A finite "before everything" watermark (the smallest valid `Date`), so state stays serialisable. */
export const MIN_WATERMARK = -8.64e15;
/** A finite "after everything" watermark (the largest valid `Date`): end of input. */
export const MAX_WATERMARK = 8.64e15;

/**
 * Plain-data state of a {@link Watermark}. Only event-time facts: the processing-time idleness
 * clock is deliberately not part of it (see {@link Watermark.restore}).
 */
export interface WatermarkState {
  currentMs: number;
  maxEventTsMs: number;
}

/**
 * Event-time watermark of one task (Kafka Streams' "stream time" minus a bound): the promise that no
 * more events with `eventTsMs < currentMs` are expected. Never moves backwards.
 *
 * Deterministic in the input as long as only {@link observe} and {@link advanceToEnd} move it; an
 * idleness advance ({@link onProcessingTime}) depends on the wall clock by design.
 */
export class Watermark {
  private readonly boundMs: number;
  private readonly idleTimeoutMs: number;
  private current = MIN_WATERMARK;
  private maxEventTs = MIN_WATERMARK;
  /** Processing time of the last arrival; NaN = unknown (the next tick becomes the baseline). */
  private lastArrivalProcMs = Number.NaN;
  /** Processing time already credited to the watermark since the last arrival. */
  private idleCreditedMs = 0;

  constructor(opts: WatermarkOptions) {
    const { outOfOrdernessMs, idleTimeoutMs } = opts;
    if (!Number.isFinite(outOfOrdernessMs) || outOfOrdernessMs < 0) {
      throw new RangeError(`Watermark: outOfOrdernessMs must be a finite number >= 0, got ${String(outOfOrdernessMs)}`);
    }
    if (idleTimeoutMs !== undefined && (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0)) {
      throw new RangeError(`Watermark: idleTimeoutMs must be a finite number >= 0 (0 = never idle), got ${String(idleTimeoutMs)}`);
    }
    this.boundMs = outOfOrdernessMs;
    this.idleTimeoutMs = idleTimeoutMs ?? 0;
  }

  /**
   * Observe an event's time (event time, ms) and, when known, the processing time it arrived at.
   * Returns the (possibly advanced) watermark. Never moves backwards.
   *
   * Without `nowMs` the arrival time is unknown: the next {@link onProcessingTime} tick is taken as
   * the arrival, so idleness is never detected early (at most one tick late).
   * @throws RangeError when `eventTsMs` is not within [MIN_WATERMARK, MAX_WATERMARK] (NaN included).
   */
  observe(eventTsMs: number, nowMs?: number): number {
    if (!(eventTsMs >= MIN_WATERMARK && eventTsMs <= MAX_WATERMARK)) {
      throw new RangeError(`Watermark.observe: eventTsMs must be within ±8.64e15, got ${String(eventTsMs)}`);
    }
    this.lastArrivalProcMs = nowMs === undefined ? Number.NaN : nowMs;
    this.idleCreditedMs = 0;
    if (eventTsMs > this.maxEventTs) {
      this.maxEventTs = eventTsMs;
      const candidate = eventTsMs - this.boundMs;
      if (candidate > this.current) this.current = candidate;
    }
    return this.current;
  }

  /**
   * Processing-time tick (wall clock, ms). If no event arrived for more than `idleTimeoutMs`, the
   * watermark advances by the processing time elapsed beyond the timeout (credited incrementally
   * across ticks), so an idle partition does not hold windows back forever. Returns true if it moved.
   * A clock that goes backwards never moves the watermark.
   */
  onProcessingTime(nowMs: number): boolean {
    if (this.idleTimeoutMs <= 0 || !Number.isFinite(nowMs)) return false;
    if (Number.isNaN(this.lastArrivalProcMs)) {
      this.lastArrivalProcMs = nowMs;
      this.idleCreditedMs = 0;
      return false;
    }
    const credit = nowMs - this.lastArrivalProcMs - this.idleTimeoutMs;
    const delta = credit - this.idleCreditedMs;
    if (!(delta > 0) || this.current >= MAX_WATERMARK) return false;
    this.idleCreditedMs = credit;
    this.current = Math.min(MAX_WATERMARK, this.current + delta);
    return true;
  }

  /** End of input: move to {@link MAX_WATERMARK} so every window fires. */
  advanceToEnd(): void {
    this.current = MAX_WATERMARK;
  }

  /** The watermark, event time ms; {@link MIN_WATERMARK} before the first event. */
  get currentMs(): number {
    return this.current;
  }

  /** Highest event time observed ("stream time"); {@link MIN_WATERMARK} before the first event. */
  get maxEventTsMs(): number {
    return this.maxEventTs;
  }

  snapshot(): WatermarkState {
    return { currentMs: this.current, maxEventTsMs: this.maxEventTs };
  }

  /**
   * Restore event-time state. The idleness clock restarts (as if no arrival time were known): time
   * a task spent down or being moved must not count as idleness, or the replay after a restore would
   * classify events as late that the crash-free run accepted.
   * @throws SnapshotError `CKPT_RESTORE_MISMATCH` when the state is not a WatermarkState.
   */
  restore(state: WatermarkState): void {
    const s = state as Partial<WatermarkState> | null;
    if (s === null || typeof s !== 'object' || !isWatermarkValue(s.currentMs) || !isWatermarkValue(s.maxEventTsMs)) {
      throw new SnapshotError('CKPT_RESTORE_MISMATCH', 'Watermark.restore: expected { currentMs, maxEventTsMs } within ±8.64e15');
    }
    this.current = s.currentMs;
    this.maxEventTs = s.maxEventTsMs;
    this.lastArrivalProcMs = Number.NaN;
    this.idleCreditedMs = 0;
  }
}

function isWatermarkValue(v: unknown): v is number {
  return typeof v === 'number' && v >= MIN_WATERMARK && v <= MAX_WATERMARK;
}
