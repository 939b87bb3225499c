import { TumblingWindowOperator, Watermark, decodeSnapshot, encodeSnapshot } from '@tickflow/stream';
import {
  decodeRaw,
  type BookSnapshot,
  type DlqRecord,
  type Quote,
  type RawTrade,
  type ReferenceSymbol,
  type StatusHeartbeat,
  type TradeAggregate,
  type MicroBar,
  type SchemaError,
} from '@tickflow/schemas';
import { reject, type Rejection } from './errors';
import type { EmitContext } from './emit-context';
import type { ExecutedTrade } from './executed-trade';
import { MICRO_BAR_MS, MicroBarAggregator, toMicroBar, type MicroBarAcc } from './micro-bar-aggregator';
import { OrderBookAnalyzer } from './order-book-analyzer';
import { PriceAlertDetector, type PriceAlertOptions } from './price-alert-detector';
import { SignalCalculator, DEFAULT_SIGNALS, type QuoteTop, type SignalCalculatorOptions } from './signal-calculator';
import { AGGREGATE_WINDOWS, TradeAggregateAggregator, type TradeAggregateAcc } from './trade-aggregate-aggregator';
import { TradeDeduplicator, DEFAULT_DEDUP, type TradeDeduplicatorOptions } from './trade-deduplicator';
import { TradeEnricher, hasUnknownSymbol } from './trade-enricher';
import { isExecution, routeTrade } from './trade-router';
import { validateBook, validateQuote, validateTrade } from './trade-validator';
import { DEFAULT_VALIDATION, type ValidationOptions } from './validation-rules';
import { TOPICS, type RawTopic, type TopicName } from './topics';

/** Where a task's outputs go: a Kafka transaction, an in-process bus, a file, a test array. */
export interface OutputSink {
  emit(topic: TopicName, key: string | null, value: object): void;
}

export interface ProcessorTaskOptions {
  /** Identifies the task (e.g. `raw.trades-3`): heartbeats and snapshots carry it. */
  taskId: string;
  /** Out-of-orderness bound for the 1 s bars and signals, ms. @defaultValue 2000 */
  taOutOfOrdernessMs: number;
  /** Out-of-orderness bound for the 1m/5m/15m aggregates, ms. @defaultValue 5000 */
  aggregateOutOfOrdernessMs: number;
  /** How long after a window closed a late trade still corrects it, ms. @defaultValue 30_000 */
  allowedLatenessMs: number;
  /** Processing-time idleness after which watermarks advance on their own; 0 = never (replays). @defaultValue 0 */
  idleTimeoutMs: number;
  /** Emit provisional (is_final=false) bars at most this often per symbol, event time; 0 = off. @defaultValue 0 */
  provisionalBarIntervalMs: number;
  /** Reference data loaded at start; updates arrive through `reference.symbols`. */
  reference: ReferenceSymbol[];
  /**
   * A DLQ record keeps at most this many bytes of the rejected original (the rest is cut and the cut
   * noted in `error_message`): a record near the broker's message limit must still fit into its DLQ
   * record, or its partition could never commit past it. @defaultValue 524_288
   */
  maxDlqOriginalBytes: number;
  validation: ValidationOptions;
  dedup: TradeDeduplicatorOptions;
  alerts: Partial<PriceAlertOptions>;
  signals: SignalCalculatorOptions;
  /** Processing time, ms. Used for the far-future check, idleness and wall-clock fields only. */
  clock: () => number;
}

export const DEFAULT_TASK_OPTIONS: Readonly<ProcessorTaskOptions> = Object.freeze({
  taskId: 'task-0',
  taOutOfOrdernessMs: 2000,
  aggregateOutOfOrdernessMs: 5000,
  allowedLatenessMs: 30_000,
  idleTimeoutMs: 0,
  provisionalBarIntervalMs: 0,
  reference: [],
  maxDlqOriginalBytes: 524_288,
  validation: DEFAULT_VALIDATION,
  dedup: DEFAULT_DEDUP,
  alerts: {},
  signals: DEFAULT_SIGNALS,
  clock: () => Date.now(),
});

/** Counters a runner exports as metrics (design §6). Monotonic over the task's life, restored with state. */
export interface TaskCounters {
  recordsIn: number;
  recordsOut: number;
  deserializationErrors: number;
  validationErrors: number;
  duplicates: number;
  unroutable: number;
  lateEvents: number;
  processingErrors: number;
  alertsFired: number;
  unknownSymbols: number;
}

/** Position of an input record: the DLQ record and the output `seq` come from it. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
  /**
   * The record's event time as its transport carries it (Kafka: the `event-ts` header), if any. Only
   * used as `failed_at` of a record that does not decode; without it, the last event time seen — which
   * depends on where the record fell in the merge.
   */
  eventTsMs?: number;
}

const SNAPSHOT_FORMAT = 1;
const EXPIRY_EVERY_RECORDS = 4096;

/**
 * One processor task (design §3): the whole operator topology for the symbols of one input
 * partition, as a pure, synchronous state machine. Feed it records in arrival order; it emits to the
 * sink synchronously. Outputs are a deterministic function of the input sequence (and of the reference
 * data), except the wall-clock `computed_at` field and heartbeats; `snapshot()` at any point and
 * `restore()` into a fresh task continue the identical output.
 *
 * Time: the trade stream drives the windows' watermarks (trades are all the windows contain);
 * quotes and books are stateless per event apart from "latest" state, so they do not hold windows back.
 */
export class ProcessorTask {
  readonly opts: ProcessorTaskOptions;
  private readonly ctx: EmitContext;
  private readonly taWatermark: Watermark;
  private readonly aggWatermark: Watermark;
  private readonly bars: TumblingWindowOperator<ExecutedTrade, MicroBarAcc, MicroBar>;
  private readonly symbolAggregates: Array<TumblingWindowOperator<ExecutedTrade, TradeAggregateAcc, TradeAggregate>>;
  private readonly sectorAggregates: Array<TumblingWindowOperator<ExecutedTrade, TradeAggregateAcc, TradeAggregate>>;
  private readonly signals: SignalCalculator;
  private readonly alerts: PriceAlertDetector;
  private readonly books: OrderBookAnalyzer;
  private readonly dedup: TradeDeduplicator;
  private readonly enricher: TradeEnricher;
  private latestQuotes = new Map<string, QuoteTop>();
  private lastProvisionalTs = new Map<string, number>();
  private recordsSinceExpiry = 0;
  private lastEventTs = 0;
  private lastSnapshotBytes = 0;
  counters: TaskCounters = {
    recordsIn: 0,
    recordsOut: 0,
    deserializationErrors: 0,
    validationErrors: 0,
    duplicates: 0,
    unroutable: 0,
    lateEvents: 0,
    processingErrors: 0,
    alertsFired: 0,
    unknownSymbols: 0,
  };

  // Emission callbacks are created once, not per record (hot path).
  private readonly emitBar = (bar: MicroBar): void => {
    this.out(TOPICS.bars1s, bar.symbol, bar);
    // Indicators advance once per bar; a late correction (version > 1) fixes the bar but cannot
    // un-apply an O(1) indicator update, so signals are computed from first emissions only.
    if (bar.version !== 1) return;
    const signal = this.signals.onFinalBar(bar, this.latestQuotes.get(bar.symbol), this.ctx.seq);
    if (signal) this.out(TOPICS.signals, bar.symbol, signal);
  };
  private readonly emitAggregate = (agg: TradeAggregate): void => {
    this.out(TOPICS.tradeAggregates, agg.symbol, agg);
  };

  constructor(
    private readonly sink: OutputSink,
    options: Partial<ProcessorTaskOptions> = {},
  ) {
    this.opts = Object.freeze({ ...DEFAULT_TASK_OPTIONS, ...options });
    const clock = this.opts.clock;
    this.ctx = { seq: 0, nowMs: clock };
    this.taWatermark = new Watermark({ outOfOrdernessMs: this.opts.taOutOfOrdernessMs, idleTimeoutMs: this.opts.idleTimeoutMs });
    this.aggWatermark = new Watermark({ outOfOrdernessMs: this.opts.aggregateOutOfOrdernessMs, idleTimeoutMs: this.opts.idleTimeoutMs });
    const lateness = this.opts.allowedLatenessMs;
    this.bars = new TumblingWindowOperator({ sizeMs: MICRO_BAR_MS, allowedLatenessMs: lateness }, new MicroBarAggregator(this.ctx));
    this.symbolAggregates = AGGREGATE_WINDOWS.map(
      (w) => new TumblingWindowOperator({ sizeMs: w.sizeMs, allowedLatenessMs: lateness }, new TradeAggregateAggregator(w.label, 'symbol', this.ctx)),
    );
    this.sectorAggregates = AGGREGATE_WINDOWS.map(
      (w) => new TumblingWindowOperator({ sizeMs: w.sizeMs, allowedLatenessMs: lateness }, new TradeAggregateAggregator(w.label, 'sector', this.ctx)),
    );
    this.signals = new SignalCalculator(this.opts.signals);
    this.alerts = new PriceAlertDetector(this.opts.alerts);
    this.books = new OrderBookAnalyzer();
    this.dedup = new TradeDeduplicator(this.opts.dedup);
    this.enricher = new TradeEnricher(this.opts.reference);
  }

  /**
   * Decode and process one record of a raw topic (Avro single-object or JSON). Never throws: bad
   * bytes go to `dlq.deserialization`, rule violations to `dlq.validation`, unexpected failures to
   * `dlq.processing-errors`.
   */
  processRaw(topic: RawTopic, bytes: Uint8Array, pos: RecordPosition): void {
    this.counters.recordsIn++;
    this.ctx.seq = pos.offset;
    try {
      if (topic === TOPICS.rawTrades) {
        const r = decodeRaw('RawTrade', bytes);
        if (r.ok) this.handleTrade(r.value, bytes, pos);
        else this.decodeFailed(r.error, bytes, pos);
      } else if (topic === TOPICS.rawMarketData) {
        const r = decodeRaw('Quote', bytes);
        if (r.ok) this.handleQuote(r.value, bytes, pos);
        else this.decodeFailed(r.error, bytes, pos);
      } else {
        const r = decodeRaw('BookSnapshot', bytes);
        if (r.ok) this.handleBook(r.value, bytes, pos);
        else this.decodeFailed(r.error, bytes, pos);
      }
    } catch (err) {
      this.processingFailed(err, bytes, pos);
    }
  }

  /** Typed entry points for in-process producers (the simulator); same rules as `processRaw`. */
  processTrade(t: RawTrade, pos: RecordPosition): void {
    this.counters.recordsIn++;
    this.ctx.seq = pos.offset;
    try {
      this.handleTrade(t, null, pos);
    } catch (err) {
      this.processingFailed(err, t, pos);
    }
  }

  processQuote(q: Quote, pos: RecordPosition): void {
    this.counters.recordsIn++;
    this.ctx.seq = pos.offset;
    try {
      this.handleQuote(q, null, pos);
    } catch (err) {
      this.processingFailed(err, q, pos);
    }
  }

  processBook(b: BookSnapshot, pos: RecordPosition): void {
    this.counters.recordsIn++;
    this.ctx.seq = pos.offset;
    try {
      this.handleBook(b, null, pos);
    } catch (err) {
      this.processingFailed(err, b, pos);
    }
  }

  /** A reference-data update (from `reference.symbols`). */
  upsertReference(ref: ReferenceSymbol): void {
    this.enricher.upsert(ref);
  }

  /**
   * Processing-time tick (runners call it every few hundred ms): lets watermarks of idle partitions
   * advance (when `idleTimeoutMs` > 0) and fires the windows that became due.
   */
  onProcessingTime(nowMs: number): void {
    const ta = this.taWatermark.onProcessingTime(nowMs);
    const agg = this.aggWatermark.onProcessingTime(nowMs);
    if (ta || agg) this.fireDue();
  }

  /** End of input (replays): every open window fires. */
  endOfInput(): void {
    this.taWatermark.advanceToEnd();
    this.aggWatermark.advanceToEnd();
    this.fireDue();
  }

  /** A `ta.status.v1` heartbeat (seed 002), emitted to the sink and returned. */
  heartbeat(nowMs: number): StatusHeartbeat {
    const wm = this.taWatermark.currentMs;
    const hb: StatusHeartbeat = {
      event_ts: nowMs,
      ingest_ts: nowMs,
      seq: this.ctx.seq,
      source: 'processor',
      correlation_id: `status:${this.opts.taskId}:${nowMs}`,
      version: 1,
      task_id: this.opts.taskId,
      watermark_ms: Math.max(wm, 0),
      watermark_lag_ms: wm > 0 ? nowMs - wm : 0,
      last_event_ts: this.lastEventTs,
      state_bytes: this.lastSnapshotBytes,
      keys: this.signals.symbolCount,
      status: 'ok',
      heartbeat: true,
    };
    this.sink.emit(TOPICS.status, this.opts.taskId, hb);
    return hb;
  }

  get watermarkMs(): number {
    return this.taWatermark.currentMs;
  }

  get symbolCount(): number {
    return this.signals.symbolCount;
  }

  /** All task state as deterministic bytes (design §3 checkpoints). */
  snapshot(): Uint8Array {
    const bytes = encodeSnapshot({
      format: SNAPSHOT_FORMAT,
      taskId: this.opts.taskId,
      taWatermark: this.taWatermark.snapshot(),
      aggWatermark: this.aggWatermark.snapshot(),
      bars: this.bars.snapshot(),
      symbolAggregates: this.symbolAggregates.map((op) => op.snapshot()),
      sectorAggregates: this.sectorAggregates.map((op) => op.snapshot()),
      signals: this.signals.snapshot(),
      alerts: this.alerts.snapshot(),
      books: this.books.snapshot(),
      dedup: this.dedup.snapshot(),
      reference: this.enricher.snapshot(),
      latestQuotes: [...this.latestQuotes],
      lastProvisionalTs: [...this.lastProvisionalTs],
      recordsSinceExpiry: this.recordsSinceExpiry,
      lastEventTs: this.lastEventTs,
      // Outputs fired by time alone (end of input, idleness) carry the last input's position.
      lastSeq: this.ctx.seq,
      counters: this.counters,
    });
    this.lastSnapshotBytes = bytes.byteLength;
    return bytes;
  }

  /** Replace all state with a snapshot taken by `snapshot()` (of a task with the same operators). */
  restore(bytes: Uint8Array): void {
    const s = decodeSnapshot(bytes) as TaskSnapshot;
    if (s.format !== SNAPSHOT_FORMAT) throw new Error(`unsupported task snapshot format ${String(s.format)}`);
    this.taWatermark.restore(s.taWatermark);
    this.aggWatermark.restore(s.aggWatermark);
    this.bars.restore(s.bars);
    s.symbolAggregates.forEach((st, i) => this.symbolAggregates[i]!.restore(st));
    s.sectorAggregates.forEach((st, i) => this.sectorAggregates[i]!.restore(st));
    this.signals.restore(s.signals);
    this.alerts.restore(s.alerts);
    this.books.restore(s.books);
    this.dedup.restore(s.dedup);
    this.enricher.restore(s.reference);
    this.latestQuotes = new Map(s.latestQuotes);
    this.lastProvisionalTs = new Map(s.lastProvisionalTs);
    this.recordsSinceExpiry = s.recordsSinceExpiry;
    this.lastEventTs = s.lastEventTs;
    this.ctx.seq = s.lastSeq;
    this.counters = { ...s.counters };
    this.lastSnapshotBytes = bytes.byteLength;
  }

  private handleTrade(t: RawTrade, original: Uint8Array | null, pos: RecordPosition): void {
    const rejection = validateTrade(t, this.opts.clock(), this.opts.validation);
    if (rejection) return this.rejected(rejection, TOPICS.dlqValidation, original ?? t, pos, t.trade_id, t.timestamp_ms);
    const ts = t.timestamp_ms;
    if (this.dedup.isDuplicate(t.trade_id, ts)) {
      this.counters.duplicates++;
      return this.rejected(reject('DUPLICATE_TRADE_ID', `trade_id ${t.trade_id} was already processed`), TOPICS.dlqValidation, original ?? t, pos, t.trade_id, ts);
    }
    const routed = routeTrade(t.status);
    if (routed === null) {
      this.counters.unroutable++;
      return this.rejected(reject('STATUS_UNROUTABLE', `unknown status ${JSON.stringify(t.status)}`), TOPICS.dlqUnroutable, original ?? t, pos, t.trade_id, ts);
    }
    this.out(routed, t.order_id, t);
    if (ts > this.lastEventTs) this.lastEventTs = ts;
    if (!isExecution(t.status)) return;

    const enriched = this.enricher.enrich(t);
    if (hasUnknownSymbol(enriched)) this.counters.unknownSymbols++;
    this.out(TOPICS.enrichedTrades, t.order_id, enriched);

    const exec: ExecutedTrade = { price: t.price, quantity: t.quantity, isBuy: t.side === 'BUY', eventTsMs: ts, ingestTsMs: t.ingest_ts };
    const now = this.opts.idleTimeoutMs > 0 ? this.opts.clock() : undefined;
    const taWm = this.taWatermark.observe(ts, now);
    const aggWm = this.aggWatermark.observe(ts, now);

    let tooLate = '';
    if (this.bars.add(t.symbol, ts, exec, taWm, this.emitBar) === 'TOO_LATE') tooLate += ' 1s-bar';
    for (let i = 0; i < this.symbolAggregates.length; i++) {
      if (this.symbolAggregates[i]!.add(t.symbol, ts, exec, aggWm, this.emitAggregate) === 'TOO_LATE') tooLate += ` ${AGGREGATE_WINDOWS[i]!.label}`;
      this.sectorAggregates[i]!.add(enriched.sector, ts, exec, aggWm, this.emitAggregate);
    }
    if (tooLate) {
      this.counters.lateEvents++;
      this.rejected(
        reject('LATE_EVENT', `trade at ${ts} arrived after its windows closed (watermark ${taWm}, allowed lateness ${this.opts.allowedLatenessMs} ms):${tooLate}`),
        TOPICS.dlqLateEvents,
        original ?? t,
        pos,
        t.trade_id,
        ts,
      );
    }
    this.maybeProvisionalBar(t.symbol, ts);
    this.observePrice(t.symbol, t.price, ts, t.ingest_ts, 'TRADE', t.correlation_id);
    this.fireDue();
    this.maybeExpire(aggWm);
  }

  private handleQuote(q: Quote, original: Uint8Array | null, pos: RecordPosition): void {
    const rejection = validateQuote(q, this.opts.clock(), this.opts.validation);
    if (rejection) return this.rejected(rejection, TOPICS.dlqValidation, original ?? q, pos, q.symbol, q.timestamp_ms);
    const top = this.latestQuotes.get(q.symbol);
    if (top) {
      top.bid = q.bid;
      top.ask = q.ask;
      top.bid_size = q.bid_size;
      top.ask_size = q.ask_size;
    } else {
      this.latestQuotes.set(q.symbol, { bid: q.bid, ask: q.ask, bid_size: q.bid_size, ask_size: q.ask_size });
    }
    this.observePrice(q.symbol, q.last ?? (q.bid + q.ask) / 2, q.timestamp_ms, q.ingest_ts, 'QUOTE', q.correlation_id);
  }

  private handleBook(b: BookSnapshot, original: Uint8Array | null, pos: RecordPosition): void {
    const rejection = validateBook(b, this.opts.clock(), this.opts.validation);
    if (rejection) return this.rejected(rejection, TOPICS.dlqValidation, original ?? b, pos, b.symbol, b.timestamp_ms);
    this.out(TOPICS.orderBookMetrics, b.symbol, this.books.analyze(b, this.ctx.seq));
  }

  private observePrice(symbol: string, price: number, ts: number, ingestTs: number, trigger: 'TRADE' | 'QUOTE', correlationId: string): void {
    const alert = this.alerts.observe({ symbol, price, eventTsMs: ts, ingestTsMs: ingestTs, trigger, correlationId, seq: this.ctx.seq });
    if (alert) {
      this.counters.alertsFired++;
      this.out(TOPICS.priceAlerts, symbol, alert);
    }
  }

  private maybeProvisionalBar(symbol: string, ts: number): void {
    const interval = this.opts.provisionalBarIntervalMs;
    if (interval <= 0) return;
    const last = this.lastProvisionalTs.get(symbol);
    if (last !== undefined && ts - last < interval) return;
    const start = Math.floor(ts / MICRO_BAR_MS) * MICRO_BAR_MS;
    const acc = this.bars.peek(symbol, start);
    if (!acc) return;
    this.lastProvisionalTs.set(symbol, ts);
    this.out(TOPICS.liveBars, symbol, toMicroBar(symbol, start, start + MICRO_BAR_MS, acc, 0, false, this.ctx.seq));
  }

  private fireDue(): void {
    this.bars.advance(this.taWatermark.currentMs, this.emitBar);
    const aggWm = this.aggWatermark.currentMs;
    for (let i = 0; i < this.symbolAggregates.length; i++) {
      this.symbolAggregates[i]!.advance(aggWm, this.emitAggregate);
      this.sectorAggregates[i]!.advance(aggWm, this.emitAggregate);
    }
  }

  private maybeExpire(eventTsMs: number): void {
    if (++this.recordsSinceExpiry < EXPIRY_EVERY_RECORDS) return;
    this.recordsSinceExpiry = 0;
    this.alerts.expire(eventTsMs);
    this.books.expire(eventTsMs);
  }

  private out(topic: TopicName, key: string | null, value: object): void {
    this.counters.recordsOut++;
    this.sink.emit(topic, key, value);
  }

  private decodeFailed(error: SchemaError, bytes: Uint8Array, pos: RecordPosition): void {
    const { code, errorType, message, attemptedId } = error;
    const topic = errorType === 'DESERIALIZATION_ERROR' ? TOPICS.dlqDeserialization : TOPICS.dlqValidation;
    if (errorType === 'DESERIALIZATION_ERROR') this.counters.deserializationErrors++;
    else this.counters.validationErrors++;
    const failedAt = pos.eventTsMs !== undefined && Number.isFinite(pos.eventTsMs) ? pos.eventTsMs : this.lastEventTs;
    this.dlq(topic, { error_type: errorType, error_code: code, error_message: message, original: bytes, attempted_id: attemptedId?.slice(0, 128) ?? null }, pos, failedAt);
  }

  private rejected(r: Rejection, topic: TopicName, original: Uint8Array | object, pos: RecordPosition, attemptedId: string, eventTs: number): void {
    if (r.errorType === 'SCHEMA_VIOLATION' || r.errorType === 'BUSINESS_RULE_VIOLATION') this.counters.validationErrors++;
    this.dlq(topic, { error_type: r.errorType, error_code: r.code, error_message: r.message, original: toBytes(original), attempted_id: attemptedId.slice(0, 128) }, pos, eventTs);
  }

  private processingFailed(err: unknown, original: Uint8Array | object, pos: RecordPosition): void {
    this.counters.processingErrors++;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.dlq(
      TOPICS.dlqProcessingErrors,
      { error_type: 'PROCESSING_ERROR', error_code: 'PROCESSING_FAILED', error_message: message, original: toBytes(original), attempted_id: null },
      pos,
      this.lastEventTs,
    );
  }

  private dlq(topic: TopicName, r: Pick<DlqRecord, 'error_type' | 'error_code' | 'error_message' | 'original' | 'attempted_id'>, pos: RecordPosition, failedAt: number): void {
    const max = this.opts.maxDlqOriginalBytes;
    let message = r.error_message.length > MAX_DLQ_MESSAGE_CHARS ? `${r.error_message.slice(0, MAX_DLQ_MESSAGE_CHARS)}…` : r.error_message;
    let original = r.original;
    if (original.byteLength > max) {
      message += ` [original truncated: first ${max} of ${original.byteLength} bytes kept]`;
      original = original.subarray(0, max);
    }
    const record: DlqRecord = { ...r, error_message: message, original, source_topic: pos.topic, source_partition: pos.partition, source_offset: String(pos.offset), failed_at: failedAt };
    this.out(topic, r.attempted_id, record);
  }
}

/** Error messages can quote the offending value; keep DLQ records small whatever the input. */
const MAX_DLQ_MESSAGE_CHARS = 2048;

function toBytes(original: Uint8Array | object): Uint8Array {
  return original instanceof Uint8Array ? original : Buffer.from(JSON.stringify(original));
}

interface TaskSnapshot {
  format: number;
  taskId: string;
  taWatermark: ReturnType<Watermark['snapshot']>;
  aggWatermark: ReturnType<Watermark['snapshot']>;
  bars: ReturnType<TumblingWindowOperator<ExecutedTrade, MicroBarAcc, MicroBar>['snapshot']>;
  symbolAggregates: Array<ReturnType<TumblingWindowOperator<ExecutedTrade, TradeAggregateAcc, TradeAggregate>['snapshot']>>;
  sectorAggregates: Array<ReturnType<TumblingWindowOperator<ExecutedTrade, TradeAggregateAcc, TradeAggregate>['snapshot']>>;
  signals: ReturnType<SignalCalculator['snapshot']>;
  alerts: ReturnType<PriceAlertDetector['snapshot']>;
  books: ReturnType<OrderBookAnalyzer['snapshot']>;
  dedup: ReturnType<TradeDeduplicator['snapshot']>;
  reference: ReferenceSymbol[];
  latestQuotes: Array<[string, QuoteTop]>;
  lastProvisionalTs: Array<[string, number]>;
  recordsSinceExpiry: number;
  lastEventTs: number;
  lastSeq: number;
  counters: TaskCounters;
}
