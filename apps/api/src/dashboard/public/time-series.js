// Records keyed by window_start, for 1 s bars and signals (pure: no DOM, runs under vitest too).
//
// The live feed sends a 1 s bar several times while its second is open (is_final=false), then once
// final; a late correction comes again with a higher version; after a processor crash a final
// record can arrive twice. So: a final record replaces a provisional one, a provisional record
// never replaces a final one, and between two finals the higher (or equal: a redelivery) version wins.

/**
 * Whether `next` should replace `prev` for the same window_start.
 * @param {{ is_final?: boolean, version?: number } | undefined} prev
 * @param {{ is_final?: boolean, version?: number }} next
 * @returns {boolean}
 */
export function supersedes(prev, next) {
  if (prev === undefined) return true;
  const prevFinal = prev.is_final !== false;
  const nextFinal = next.is_final !== false;
  if (prevFinal && !nextFinal) return false;
  if (!prevFinal) return true; // provisional → newer provisional or final
  return (next.version ?? 1) >= (prev.version ?? 1);
}

/** The newest `capacity` records by window_start (epoch ms), in ascending order. */
export class TimeSeries {
  /** @param {number} capacity how many windows to keep (oldest dropped first) */
  constructor(capacity = 300) {
    if (!(capacity > 0)) throw new RangeError(`capacity must be > 0, got ${capacity}`);
    this.capacity = capacity;
    /** @type {Array<{ window_start: number }>} ascending by window_start */
    this.items = [];
  }

  /**
   * Inserts or replaces the record of its window_start; returns whether the series changed.
   * Records older than everything kept, once full, are ignored.
   * @param {{ window_start: number, is_final?: boolean, version?: number }} record
   */
  upsert(record) {
    const items = this.items;
    const key = record.window_start;
    if (!Number.isFinite(key)) return false;
    // Nearly always the last window or a new one after it: check the end before searching.
    let i = items.length;
    if (i > 0 && items[i - 1].window_start >= key) i = lowerBound(items, key);
    if (i < items.length && items[i].window_start === key) {
      if (!supersedes(items[i], record)) return false;
      items[i] = record;
      return true;
    }
    if (items.length >= this.capacity && i === 0) return false;
    items.splice(i, 0, record);
    if (items.length > this.capacity) items.splice(0, items.length - this.capacity);
    return true;
  }

  /** @param {number} windowStart */
  get(windowStart) {
    const i = lowerBound(this.items, windowStart);
    return i < this.items.length && this.items[i].window_start === windowStart ? this.items[i] : undefined;
  }

  last() {
    return this.items[this.items.length - 1];
  }

  get size() {
    return this.items.length;
  }

  clear() {
    this.items.length = 0;
  }
}

function lowerBound(items, key) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid].window_start < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
