import { SweptTtlMap, type SweptTtlMapState } from '@tickflow/stream';
import type { AlertSeverity, PriceAlert } from '@tickflow/schemas';

export interface PriceAlertOptions {
  /** Relative move from the baseline that fires an alert. @defaultValue 0.02 (2 %) */
  threshold: number;
  /** A baseline older than this (event time) is replaced by the next price. @defaultValue 300_000 */
  baselineWindowMs: number;
  /** Minimum event time between two alerts of a symbol. @defaultValue 60_000 */
  cooldownMs: number;
  /** Per-symbol state is dropped after this much event time without a price. @defaultValue 600_000 (seed 000 §4.1) */
  stateTtlMs: number;
  /** Bound on symbols tracked. @defaultValue 1_000_000 */
  maxSymbols: number;
}

export const DEFAULT_ALERTS: Readonly<PriceAlertOptions> = Object.freeze({
  threshold: 0.02,
  baselineWindowMs: 300_000,
  cooldownMs: 60_000,
  stateTtlMs: 600_000,
  maxSymbols: 1_000_000,
});

/** Relative slack so that a move of exactly the threshold fires despite binary rounding (e.g. 185.5 → 189.21). */
const THRESHOLD_EPSILON = 1e-12;

/** Severity by relative move: ≥ 10 % CRITICAL, ≥ 5 % HIGH, otherwise MEDIUM (the move already passed the threshold). */
export function classifySeverity(relativeMove: number): AlertSeverity {
  if (relativeMove >= 0.1 - THRESHOLD_EPSILON) return 'CRITICAL';
  if (relativeMove >= 0.05 - THRESHOLD_EPSILON) return 'HIGH';
  return 'MEDIUM';
}

interface AlertState {
  baselinePrice: number;
  baselineTs: number;
  /** Event time of the last alert; null when none yet. */
  lastAlertTs: number | null;
}

/** A price observation from a trade (its price) or a quote (its last price, else its mid). */
export interface PriceObservation {
  symbol: string;
  price: number;
  eventTsMs: number;
  ingestTsMs: number;
  trigger: 'TRADE' | 'QUOTE';
  /** correlation_id of the source event: makes alert ids stable and traceable. */
  correlationId: string;
  seq: number;
}

/**
 * Seed 000 job 3: a baseline price per symbol (the first price of a 5-minute detection window);
 * a move of at least the threshold from it fires an alert unless one fired within the cooldown;
 * an alert resets the baseline to the current price. Event time throughout.
 */
export class PriceAlertDetector {
  private readonly state: SweptTtlMap<AlertState>;
  private readonly opts: PriceAlertOptions;

  constructor(opts: Partial<PriceAlertOptions> = {}) {
    this.opts = { ...DEFAULT_ALERTS, ...opts };
    if (!(this.opts.threshold > 0)) throw new RangeError(`threshold must be > 0, got ${this.opts.threshold}`);
    this.state = new SweptTtlMap<AlertState>({ ttlMs: this.opts.stateTtlMs, maxEntries: this.opts.maxSymbols });
  }

  /** Returns the alert this observation fires, or null. */
  observe(o: PriceObservation): PriceAlert | null {
    const s = this.state.get(o.symbol, o.eventTsMs);
    if (!s || o.eventTsMs - s.baselineTs > this.opts.baselineWindowMs) {
      this.state.set(o.symbol, { baselinePrice: o.price, baselineTs: o.eventTsMs, lastAlertTs: s?.lastAlertTs ?? null }, o.eventTsMs);
      return null;
    }
    // Keep the symbol alive in the TTL map: its baseline is in use.
    this.state.set(o.symbol, s, o.eventTsMs);
    const move = Math.abs(o.price - s.baselinePrice) / s.baselinePrice;
    if (move < this.opts.threshold - THRESHOLD_EPSILON) return null;
    if (s.lastAlertTs !== null && o.eventTsMs - s.lastAlertTs < this.opts.cooldownMs) return null;
    const alert: PriceAlert = {
      event_ts: o.eventTsMs,
      ingest_ts: o.ingestTsMs,
      seq: o.seq,
      source: 'processor',
      correlation_id: o.correlationId,
      version: 1,
      alert_id: `pa:${o.symbol}:${o.eventTsMs}:${o.correlationId}`,
      alert_type: 'PRICE_MOVEMENT',
      symbol: o.symbol,
      direction: o.price > s.baselinePrice ? 'UP' : 'DOWN',
      baseline_price: s.baselinePrice,
      current_price: o.price,
      pct_change: move * 100,
      window_start_ms: s.baselineTs,
      detected_at_ms: o.eventTsMs,
      severity: classifySeverity(move),
      trigger: o.trigger,
    };
    s.lastAlertTs = o.eventTsMs;
    s.baselinePrice = o.price;
    s.baselineTs = o.eventTsMs;
    return alert;
  }

  expire(eventTsMs: number): void {
    this.state.sweep(eventTsMs);
  }

  get symbolCount(): number {
    return this.state.size;
  }

  snapshot(): SweptTtlMapState<AlertState> {
    return this.state.snapshot();
  }

  restore(state: SweptTtlMapState<AlertState>): void {
    this.state.restore(state);
  }
}
