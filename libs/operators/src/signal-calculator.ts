import { Bollinger, Ema, Macd, RealizedVol, RollingVwap, Rsi, SessionVwap, imbalance, spread } from '@tickflow/indicators';
import type { MicroBar, Signal } from '@tickflow/schemas';

/** The part of a quote the signals use. */
export interface QuoteTop {
  bid: number;
  ask: number;
  bid_size: number;
  ask_size: number;
}

export interface SignalCalculatorOptions {
  /** Session length for the session VWAP, event time; sessions are aligned to the epoch (UTC days). @defaultValue 86_400_000 */
  sessionMs: number;
  /** Window of the rolling VWAP, ms. @defaultValue 300_000 */
  rollingVwapMs: number;
  /** Window of the realized volatility, ms (seed 002: 30–60 s). @defaultValue 60_000 */
  realizedVolMs: number;
}

export const DEFAULT_SIGNALS: Readonly<SignalCalculatorOptions> = Object.freeze({ sessionMs: 86_400_000, rollingVwapMs: 300_000, realizedVolMs: 60_000 });

/** One symbol's indicators. All advance once per final bar, so a quiet second does not move them. */
class SymbolIndicators {
  /** window_start of the last bar applied: indicators only move forward in event time. */
  lastWindowStart = Number.NEGATIVE_INFINITY;

  constructor(
    readonly ema12: Ema,
    readonly ema26: Ema,
    readonly macd: Macd,
    readonly rsi14: Rsi,
    readonly bollinger: Bollinger,
    readonly sessionVwap: SessionVwap,
    readonly rollingVwap: RollingVwap,
    readonly realizedVol: RealizedVol,
  ) {}

  static create(opts: SignalCalculatorOptions): SymbolIndicators {
    return new SymbolIndicators(
      new Ema(12),
      new Ema(26),
      new Macd(12, 26, 9),
      new Rsi(14),
      new Bollinger(20, 2),
      new SessionVwap(opts.sessionMs),
      new RollingVwap(opts.rollingVwapMs),
      new RealizedVol(opts.realizedVolMs),
    );
  }

  toState(): SymbolIndicatorsState {
    return {
      lastWindowStart: this.lastWindowStart,
      ema12: this.ema12.toState(),
      ema26: this.ema26.toState(),
      macd: this.macd.toState(),
      rsi14: this.rsi14.toState(),
      bollinger: this.bollinger.toState(),
      sessionVwap: this.sessionVwap.toState(),
      rollingVwap: this.rollingVwap.toState(),
      realizedVol: this.realizedVol.toState(),
    };
  }

  static fromState(s: SymbolIndicatorsState): SymbolIndicators {
    const restored = new SymbolIndicators(
      Ema.fromState(s.ema12),
      Ema.fromState(s.ema26),
      Macd.fromState(s.macd),
      Rsi.fromState(s.rsi14),
      Bollinger.fromState(s.bollinger),
      SessionVwap.fromState(s.sessionVwap),
      RollingVwap.fromState(s.rollingVwap),
      RealizedVol.fromState(s.realizedVol),
    );
    restored.lastWindowStart = s.lastWindowStart;
    return restored;
  }
}

interface SymbolIndicatorsState {
  lastWindowStart: number;
  ema12: ReturnType<Ema['toState']>;
  ema26: ReturnType<Ema['toState']>;
  macd: ReturnType<Macd['toState']>;
  rsi14: ReturnType<Rsi['toState']>;
  bollinger: ReturnType<Bollinger['toState']>;
  sessionVwap: ReturnType<SessionVwap['toState']>;
  rollingVwap: ReturnType<RollingVwap['toState']>;
  realizedVol: ReturnType<RealizedVol['toState']>;
}

export type SignalCalculatorState = Array<[string, SymbolIndicatorsState]>;

/**
 * Technical indicators per symbol (seed 002), fed with final 1 s bars. Price indicators use the bar
 * close; the VWAPs use the bar's VWAP weighted by its volume (so they equal Σp·q/Σq over the trades);
 * spread and imbalance come from the symbol's latest quote when the bar closes.
 */
export class SignalCalculator {
  private readonly bySymbol = new Map<string, SymbolIndicators>();

  constructor(private readonly opts: SignalCalculatorOptions = DEFAULT_SIGNALS) {}

  /**
   * Advance the symbol's indicators with a final bar and return the signal record, or null for a bar
   * older than the last one applied (a late trade that opened a window after newer bars closed):
   * indicators are sequences over bars and cannot take one out of order.
   */
  onFinalBar(bar: MicroBar, latestQuote: QuoteTop | undefined, seq: number): Signal | null {
    let ind = this.bySymbol.get(bar.symbol);
    if (!ind) {
      ind = SymbolIndicators.create(this.opts);
      this.bySymbol.set(bar.symbol, ind);
    }
    if (bar.window_start <= ind.lastWindowStart) return null;
    ind.lastWindowStart = bar.window_start;
    const close = bar.close;
    ind.ema12.update(close);
    ind.ema26.update(close);
    ind.macd.update(close);
    ind.rsi14.update(close);
    ind.bollinger.update(close);
    ind.sessionVwap.update(bar.vwap, bar.volume, bar.window_start);
    ind.rollingVwap.update(bar.vwap, bar.volume, bar.window_start);
    ind.realizedVol.update(close, bar.window_start);
    return {
      event_ts: bar.window_end,
      ingest_ts: bar.ingest_ts,
      seq,
      source: 'processor',
      correlation_id: `signal:${bar.symbol}:${bar.window_start}`,
      version: 1,
      symbol: bar.symbol,
      window_start: bar.window_start,
      window_end: bar.window_end,
      is_final: true,
      ema12: ind.ema12.value,
      ema26: ind.ema26.value,
      macd: ind.macd.macd,
      macd_signal: ind.macd.signal,
      macd_hist: ind.macd.hist,
      rsi14: ind.rsi14.value,
      bb_upper: ind.bollinger.upper,
      bb_middle: ind.bollinger.middle,
      bb_lower: ind.bollinger.lower,
      vwap_session: ind.sessionVwap.value,
      vwap_rolling: ind.rollingVwap.value,
      realized_vol: ind.realizedVol.value,
      spread: latestQuote ? spread(latestQuote.bid, latestQuote.ask) : null,
      imbalance: latestQuote ? imbalance(latestQuote.bid_size, latestQuote.ask_size) : null,
    };
  }

  get symbolCount(): number {
    return this.bySymbol.size;
  }

  snapshot(): SignalCalculatorState {
    const out: SignalCalculatorState = [];
    for (const [symbol, ind] of this.bySymbol) out.push([symbol, ind.toState()]);
    return out;
  }

  restore(state: SignalCalculatorState): void {
    this.bySymbol.clear();
    for (const [symbol, s] of state) this.bySymbol.set(symbol, SymbolIndicators.fromState(s));
  }
}
