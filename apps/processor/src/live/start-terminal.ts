import { parseArgs } from 'node:util';
import { intSetting } from '@tickflow/config';
import { MarketSimulator, type SymbolSpec } from '@tickflow/ingestion';
import { ProcessorTask, TOPICS, type OutputSink, type TopicName } from '@tickflow/operators';
import type { MicroBar, PriceAlert, Signal } from '@tickflow/schemas';
import { loadReference } from '../reference/load-reference';

/** Start prices for the built-in reference symbols (roughly their late-2024 levels). */
const START_PRICES: Record<string, number> = {
  AAPL: 228, MSFT: 415, NVDA: 135, GOOGL: 165, META: 560, AMZN: 195, TSLA: 250, JPM: 220, BAC: 42, 'BRK.B': 460,
  XOM: 118, CVX: 155, JNJ: 160, UNH: 590, PFE: 28, WMT: 80, KO: 70, CAT: 390, BA: 155, NEE: 78,
};

const TICK_MS = 100;

/**
 * `tickflow start` for now: the simulator paced to the wall clock, one processor task, and a terminal
 * view of final bars with their signals and of every alert. A later issue replaces the terminal with
 * the embedded platform (bus, storage, API, dashboard).
 */
export async function start(args: string[], usage: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      symbols: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const env = process.env;
  const symbolCount = intSetting({ flag: 'symbols', env: 'TICKFLOW_SYMBOLS' }, values, env, { default: 6, min: 1, max: Object.keys(START_PRICES).length });
  const rate = intSetting({ flag: 'rate', env: 'TICKFLOW_RATE' }, values, env, { default: 200, min: 1, max: 1_000_000 });
  const seed = intSetting({ flag: 'seed', env: 'TICKFLOW_SEED' }, values, env, { default: Math.floor(Math.random() * 1e9), min: 0 });
  const durationS = intSetting({ flag: 'duration', env: 'TICKFLOW_DURATION' }, values, env, { default: 0, min: 0 });

  const reference = await loadReference();
  const symbols: SymbolSpec[] = reference
    .filter((r) => START_PRICES[r.symbol] !== undefined)
    .slice(0, symbolCount)
    .map((r) => ({ symbol: r.symbol, startPrice: START_PRICES[r.symbol]!, sector: r.sector }));
  const startedAt = Date.now();
  const sim = new MarketSimulator({ symbols, seed, startTimeMs: startedAt, tradesPerSecond: rate, volatileVolatility: 0.004 });
  const sink = new TerminalSink();
  const task = new ProcessorTask(sink, { taskId: 'live-0', reference, idleTimeoutMs: 3000 });

  console.log(`tickflow live: ${symbols.map((s) => s.symbol).join(', ')} · ${rate} trades/s · seed ${seed}${durationS ? ` · ${durationS} s` : ''}`);
  console.log('final 1 s bars with signals (— = warming up), and price alerts. Ctrl-C stops.\n');

  let offset = 0;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped && (durationS === 0 || Date.now() - startedAt < durationS * 1000)) {
    const now = Date.now();
    while (sim.timeMs <= now) {
      const ev = sim.next();
      const pos = { topic: '', partition: 0, offset: offset++ };
      if (ev.kind === 'trade') task.processTrade(ev.value, { ...pos, topic: TOPICS.rawTrades });
      else if (ev.kind === 'quote') task.processQuote(ev.value, { ...pos, topic: TOPICS.rawMarketData });
      else if (ev.kind === 'book') task.processBook(ev.value, { ...pos, topic: TOPICS.rawOrderBook });
      else task.processRaw(ev.topic, ev.bytes, { ...pos, topic: ev.topic });
    }
    task.onProcessingTime(now);
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const c = task.counters;
  console.log(`\nstopped: ${c.recordsIn} records in, ${c.recordsOut} out, ${c.alertsFired} alerts, ${c.validationErrors + c.deserializationErrors} rejected`);
  return 0;
}

/** Prints bars joined with their signal, and alerts; everything else is counted only. */
class TerminalSink implements OutputSink {
  private readonly pendingBars = new Map<string, MicroBar>();

  emit(topic: TopicName, _key: string | null, value: object): void {
    if (topic === TOPICS.bars1s) {
      const bar = value as MicroBar;
      if (bar.is_final && bar.version === 1) this.pendingBars.set(bar.symbol, bar);
    } else if (topic === TOPICS.signals) {
      const s = value as Signal;
      const bar = this.pendingBars.get(s.symbol);
      if (bar && bar.window_start === s.window_start) console.log(formatBar(bar, s));
    } else if (topic === TOPICS.priceAlerts) {
      console.log(formatAlert(value as PriceAlert));
    }
  }
}

const fmt = (v: number | null, digits = 2): string => (v === null ? '—' : v.toFixed(digits));

function formatBar(b: MicroBar, s: Signal): string {
  const time = new Date(b.window_start).toISOString().slice(11, 19);
  return (
    `${time} ${b.symbol.padEnd(6)} O ${fmt(b.open)} H ${fmt(b.high)} L ${fmt(b.low)} C ${fmt(b.close)} V ${Math.round(b.volume)} n ${b.count}` +
    ` │ EMA12 ${fmt(s.ema12)} MACD ${fmt(s.macd, 3)} RSI ${fmt(s.rsi14, 1)} BB ${fmt(s.bb_lower)}–${fmt(s.bb_upper)} VWAP ${fmt(s.vwap_session)} spread ${fmt(s.spread, 3)}`
  );
}

function formatAlert(a: PriceAlert): string {
  return `\x1b[1m⚠ ${a.severity} ${a.symbol} ${a.direction} ${a.pct_change.toFixed(2)} % (${fmt(a.baseline_price)} → ${fmt(a.current_price)}, ${a.trigger.toLowerCase()})\x1b[0m`;
}
