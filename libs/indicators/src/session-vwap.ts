import { StateReader, checkDurationMs, invalidInput } from './validation';

/** JSON-able snapshot of a {@link SessionVwap}; restore with {@link SessionVwap.fromState}. */
export interface SessionVwapState {
  kind: 'session-vwap';
  version: 1;
  sessionMs: number;
  /** floor(eventTsMs / sessionMs) of the current session; null before the first update. */
  session: number | null;
  /** Σ price·volume in the current session. */
  sumPriceVolume: number;
  /** Σ volume in the current session. */
  sumVolume: number;
}

/**
 * Session VWAP = Σ price·volume / Σ volume over the updates of the current session. Sessions are
 * event-time buckets `[s·sessionMs, (s+1)·sessionMs)` of UTC epoch ms (default one UTC day), so the
 * accumulator resets on the first update whose `floor(eventTsMs / sessionMs)` differs from the
 * current one. Value null while Σ volume = 0 (no update yet, or only zero-volume ones this session).
 *
 * Contract: updates arrive in event-time order across sessions (an update from an earlier session
 * than the current one throws `INVALID_INPUT`; within a session order does not matter). Volume ≥ 0;
 * price, volume and time are assumed finite (validated upstream). Output in price units.
 */
export class SessionVwap {
  readonly sessionMs: number;
  private session = Number.NEGATIVE_INFINITY;
  private sumPriceVolume = 0;
  private sumVolume = 0;

  constructor(sessionMs = 86_400_000) {
    this.sessionMs = checkDurationMs('SessionVwap', 'sessionMs', sessionMs);
  }

  /** Feeds one trade or bar (price, volume, event time in UTC epoch ms); returns the VWAP after it. */
  update(price: number, volume: number, eventTsMs: number): number | null {
    if (!(volume >= 0)) throw invalidInput('SessionVwap', `volume must be ≥ 0, got ${volume}`);
    const session = Math.floor(eventTsMs / this.sessionMs);
    if (session !== this.session) {
      if (session < this.session) {
        throw invalidInput('SessionVwap', `event time ${eventTsMs} belongs to a session before the current one`);
      }
      this.session = session;
      this.sumPriceVolume = 0;
      this.sumVolume = 0;
    }
    this.sumPriceVolume += price * volume;
    this.sumVolume += volume;
    return this.sumVolume > 0 ? this.sumPriceVolume / this.sumVolume : null;
  }

  /** VWAP of the current session; null while its volume is 0. */
  get value(): number | null {
    return this.sumVolume > 0 ? this.sumPriceVolume / this.sumVolume : null;
  }

  get ready(): boolean {
    return this.sumVolume > 0;
  }

  /** Start of the current session in UTC epoch ms; null before the first update. */
  get sessionStartMs(): number | null {
    return this.session === Number.NEGATIVE_INFINITY ? null : this.session * this.sessionMs;
  }

  toState(): SessionVwapState {
    return {
      kind: 'session-vwap',
      version: 1,
      sessionMs: this.sessionMs,
      session: this.session === Number.NEGATIVE_INFINITY ? null : this.session,
      sumPriceVolume: this.sumPriceVolume,
      sumVolume: this.sumVolume,
    };
  }

  static fromState(state: SessionVwapState): SessionVwap {
    const r = new StateReader('SessionVwap', state, 'session-vwap', 1);
    const v = new SessionVwap(r.integer('sessionMs', 1, Number.MAX_SAFE_INTEGER));
    const session = r.nullableNumber('session');
    r.require(session === null || Number.isInteger(session), 'state.session must be an integer or null');
    v.session = session ?? Number.NEGATIVE_INFINITY;
    v.sumPriceVolume = r.number('sumPriceVolume');
    v.sumVolume = r.number('sumVolume');
    r.require(v.sumVolume >= 0, 'state.sumVolume must be ≥ 0');
    return v;
  }
}
