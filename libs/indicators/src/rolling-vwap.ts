import {
  RECOMPUTE_EVERY_EVICTIONS,
  MAX_RING_CAPACITY,
  checkInitialCapacity,
  copyInOrder,
  isPowerOfTwo,
  ringFull,
} from './ring-capacity';
import { StateReader, checkDurationMs, invalidInput } from './validation';

/** JSON-able snapshot of a {@link RollingVwap}; restore with {@link RollingVwap.fromState}. */
export interface RollingVwapState {
  kind: 'rolling-vwap';
  version: 1;
  windowMs: number;
  /** Ring capacity (a power of two); kept so a restored instance grows — and recomputes — at the same update. */
  capacity: number;
  /** Event time of the latest update; null before the first. */
  latestTsMs: number | null;
  /** Entries in the window with volume > 0, oldest first (three parallel arrays). */
  tsMs: number[];
  price: number[];
  volume: number[];
  /** Shift subtracted from prices inside `sumShiftedPriceVolume`. */
  reference: number;
  /** Σ (price − reference)·volume over the window. */
  sumShiftedPriceVolume: number;
  /** Σ volume over the window. */
  sumVolume: number;
  /** Evictions since the sums were last recomputed from the ring. */
  evictionsSinceRecompute: number;
}

/**
 * Rolling VWAP over event time: Σ price·volume / Σ volume over the updates whose event time lies in
 * `(latestTsMs − windowMs, latestTsMs]`, where latestTsMs is the event time of the latest update. An
 * update exactly `windowMs` older than the latest is out. Value null while the window holds no volume.
 *
 * Entries live in a growable ring (three Float64Array columns, capacity doubled when full, so O(1)
 * amortised; no allocation otherwise) and expire from the front. Σ volume and Σ (price − reference)·
 * volume are maintained incrementally; the price shift keeps the products small, and both sums are
 * recomputed exactly from the ring on every capacity change and every 1024 evictions (and reset to
 * exact zeros when the window empties) so subtraction cannot drift.
 *
 * Contract: event times are non-decreasing (a smaller one throws `INVALID_INPUT`); volume ≥ 0 (zero
 * volume updates only advance time). Inputs assumed finite (validated upstream). Output in price units.
 */
export class RollingVwap {
  readonly windowMs: number;
  private capacity: number;
  private mask: number;
  private tsCol: Float64Array;
  private priceCol: Float64Array;
  private volumeCol: Float64Array;
  private head = 0;
  private size = 0;
  private latestTsMs = Number.NEGATIVE_INFINITY;
  private reference = 0;
  private sumShiftedPriceVolume = 0;
  private sumVolume = 0;
  private evictionsSinceRecompute = 0;

  /** @param initialCapacity ring entries allocated up front (rounded up to a power of two); it grows as needed. */
  constructor(windowMs = 300_000, initialCapacity = 256) {
    this.windowMs = checkDurationMs('RollingVwap', 'windowMs', windowMs);
    this.capacity = checkInitialCapacity('RollingVwap', initialCapacity);
    this.mask = this.capacity - 1;
    this.tsCol = new Float64Array(this.capacity);
    this.priceCol = new Float64Array(this.capacity);
    this.volumeCol = new Float64Array(this.capacity);
  }

  /** Feeds one trade or bar (price, volume, event time in UTC epoch ms); returns the VWAP after it. */
  update(price: number, volume: number, eventTsMs: number): number | null {
    // Kept small so V8 inlines it into the caller's loop (a non-inlined call would box the returned
    // double); the rarer or longer paths are separate methods returning nothing.
    if (!(volume >= 0) || eventTsMs < this.latestTsMs) this.reject(volume, eventTsMs);
    this.latestTsMs = eventTsMs;
    const cutoff = eventTsMs - this.windowMs;
    if (this.size > 0 && (this.tsCol[this.head] as number) <= cutoff) this.evict(cutoff);
    if (volume > 0) this.push(price, volume, eventTsMs);
    else if (this.size === 0) this.clearSums();
    // Also recompute a window whose Σ volume rounded to ≤ 0 (volumes spanning > 16 decades).
    if (this.evictionsSinceRecompute >= RECOMPUTE_EVERY_EVICTIONS || (this.size > 0 && !(this.sumVolume > 0))) {
      this.recompute();
    }
    return this.size > 0 ? this.reference + this.sumShiftedPriceVolume / this.sumVolume : null;
  }

  private reject(volume: number, eventTsMs: number): never {
    if (!(volume >= 0)) throw invalidInput('RollingVwap', `volume must be ≥ 0, got ${volume}`);
    throw invalidInput('RollingVwap', `event time went back from ${this.latestTsMs} to ${eventTsMs}`);
  }

  /** Drops the entries with ts ≤ cutoff from the front. */
  private evict(cutoff: number): void {
    const ts = this.tsCol;
    const price = this.priceCol;
    const volume = this.volumeCol;
    const mask = this.mask;
    const ref = this.reference;
    let head = this.head;
    let size = this.size;
    let sumV = this.sumVolume;
    let sumPV = this.sumShiftedPriceVolume;
    let evicted = 0;
    do {
      const v = volume[head] as number;
      sumV -= v;
      sumPV -= ((price[head] as number) - ref) * v;
      head = (head + 1) & mask;
      size--;
      evicted++;
    } while (size > 0 && (ts[head] as number) <= cutoff);
    this.head = head;
    this.size = size;
    this.sumVolume = sumV;
    this.sumShiftedPriceVolume = sumPV;
    this.evictionsSinceRecompute += evicted;
  }

  /** Appends an entry with volume > 0. */
  private push(price: number, volume: number, eventTsMs: number): void {
    let grew = false;
    if (this.size === 0) {
      // Empty window: restart the sums exactly, shifted around this price.
      this.reference = price;
      this.clearSums();
    } else if (this.size === this.capacity) {
      this.grow();
      grew = true;
    }
    const slot = (this.head + this.size) & this.mask;
    this.tsCol[slot] = eventTsMs;
    this.priceCol[slot] = price;
    this.volumeCol[slot] = volume;
    this.size++;
    this.sumVolume += volume;
    this.sumShiftedPriceVolume += (price - this.reference) * volume;
    if (grew) this.recompute();
  }

  private clearSums(): void {
    this.sumVolume = 0;
    this.sumShiftedPriceVolume = 0;
    this.evictionsSinceRecompute = 0;
  }

  /** VWAP over the window ending at the latest update; null while the window holds no volume. */
  get value(): number | null {
    return this.size > 0 ? this.reference + this.sumShiftedPriceVolume / this.sumVolume : null;
  }

  get ready(): boolean {
    return this.size > 0;
  }

  /** Σ volume in the window. */
  get volume(): number {
    return this.sumVolume;
  }

  /** Number of (volume > 0) updates in the window. */
  get length(): number {
    return this.size;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    if (capacity > MAX_RING_CAPACITY) throw ringFull('RollingVwap');
    const ts = new Float64Array(capacity);
    const price = new Float64Array(capacity);
    const volume = new Float64Array(capacity);
    copyInOrder(this.tsCol, this.head, this.size, ts);
    copyInOrder(this.priceCol, this.head, this.size, price);
    copyInOrder(this.volumeCol, this.head, this.size, volume);
    this.tsCol = ts;
    this.priceCol = price;
    this.volumeCol = volume;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.head = 0;
  }

  /** Exact sums from the ring, oldest first, shifted around the newest price. */
  private recompute(): void {
    const mask = this.mask;
    const ref = this.priceCol[(this.head + this.size - 1) & mask] as number;
    let sumV = 0;
    let sumPV = 0;
    for (let i = 0, j = this.head; i < this.size; i++, j = (j + 1) & mask) {
      const v = this.volumeCol[j] as number;
      sumV += v;
      sumPV += ((this.priceCol[j] as number) - ref) * v;
    }
    this.reference = ref;
    this.sumVolume = sumV;
    this.sumShiftedPriceVolume = sumPV;
    this.evictionsSinceRecompute = 0;
  }

  toState(): RollingVwapState {
    const tsMs: number[] = [];
    const price: number[] = [];
    const volume: number[] = [];
    for (let i = 0, j = this.head; i < this.size; i++, j = (j + 1) & this.mask) {
      tsMs.push(this.tsCol[j] as number);
      price.push(this.priceCol[j] as number);
      volume.push(this.volumeCol[j] as number);
    }
    return {
      kind: 'rolling-vwap',
      version: 1,
      windowMs: this.windowMs,
      capacity: this.capacity,
      latestTsMs: this.latestTsMs === Number.NEGATIVE_INFINITY ? null : this.latestTsMs,
      tsMs,
      price,
      volume,
      reference: this.reference,
      sumShiftedPriceVolume: this.sumShiftedPriceVolume,
      sumVolume: this.sumVolume,
      evictionsSinceRecompute: this.evictionsSinceRecompute,
    };
  }

  static fromState(state: RollingVwapState): RollingVwap {
    const r = new StateReader('RollingVwap', state, 'rolling-vwap', 1);
    const windowMs = r.integer('windowMs', 1, Number.MAX_SAFE_INTEGER);
    const capacity = r.integer('capacity', 1, MAX_RING_CAPACITY);
    r.require(isPowerOfTwo(capacity), 'state.capacity must be a power of two');
    const v = new RollingVwap(windowMs, capacity);
    const tsMs = r.numberArray('tsMs', capacity);
    const price = r.numberArray('price', capacity);
    const volume = r.numberArray('volume', capacity);
    r.require(price.length === tsMs.length && volume.length === tsMs.length, 'state.tsMs, price and volume must have equal lengths');
    const latest = r.nullableNumber('latestTsMs');
    r.require(latest !== null || tsMs.length === 0, 'state.latestTsMs must be set when the window is not empty');
    for (let i = 0; i < tsMs.length; i++) {
      const t = tsMs[i] as number;
      r.require(i === 0 || t >= (tsMs[i - 1] as number), 'state.tsMs must be non-decreasing');
      r.require(latest !== null && t > latest - windowMs && t <= latest, 'state.tsMs must lie inside the window');
      r.require((volume[i] as number) > 0, 'state.volume entries must be > 0');
      v.tsCol[i] = t;
      v.priceCol[i] = price[i] as number;
      v.volumeCol[i] = volume[i] as number;
    }
    v.size = tsMs.length;
    v.latestTsMs = latest ?? Number.NEGATIVE_INFINITY;
    v.reference = r.number('reference');
    v.sumShiftedPriceVolume = r.number('sumShiftedPriceVolume');
    v.sumVolume = r.number('sumVolume');
    v.evictionsSinceRecompute = r.integer('evictionsSinceRecompute', 0, Number.MAX_SAFE_INTEGER);
    return v;
  }
}
