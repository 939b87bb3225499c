/**
 * A minimal task for the runtime's property tests: one Watermark and one TumblingWindowOperator with
 * a sum/count/first/last aggregator, processing events one at a time the way a processor task does.
 * Test support only; not exported from the package.
 */
import { decodeSnapshot, encodeSnapshot } from '../snapshot-codec';
import { TumblingWindowOperator, type AddOutcome, type TumblingWindowState, type WindowAggregator } from '../tumbling-window-operator';
import { Watermark, type WatermarkState } from '../watermark';

export interface TestEvent {
  key: string;
  ts: number;
  value: number;
  /** Unique per input; breaks event-time ties for first/last and identifies the event. */
  seq: number;
}

export interface SumAcc {
  sum: number;
  count: number;
  firstTs: number;
  firstSeq: number;
  firstValue: number;
  lastTs: number;
  lastSeq: number;
  lastValue: number;
  /** Every contributing event, to check that none is counted twice. */
  seqs: number[];
}

export interface WindowResult {
  key: string;
  startMs: number;
  endMs: number;
  version: number;
  sum: number;
  count: number;
  first: number;
  last: number;
  seqs: number[];
}

/** first/last by (event time, seq): independent of arrival order. */
export const sumAggregator: WindowAggregator<TestEvent, SumAcc, WindowResult> = {
  create(e) {
    return { sum: e.value, count: 1, firstTs: e.ts, firstSeq: e.seq, firstValue: e.value, lastTs: e.ts, lastSeq: e.seq, lastValue: e.value, seqs: [e.seq] };
  },
  add(acc, e) {
    acc.sum += e.value;
    acc.count++;
    if (e.ts < acc.firstTs || (e.ts === acc.firstTs && e.seq < acc.firstSeq)) {
      acc.firstTs = e.ts;
      acc.firstSeq = e.seq;
      acc.firstValue = e.value;
    }
    if (e.ts > acc.lastTs || (e.ts === acc.lastTs && e.seq > acc.lastSeq)) {
      acc.lastTs = e.ts;
      acc.lastSeq = e.seq;
      acc.lastValue = e.value;
    }
    acc.seqs.push(e.seq);
  },
  result(key, startMs, endMs, acc, version) {
    return { key, startMs, endMs, version, sum: acc.sum, count: acc.count, first: acc.firstValue, last: acc.lastValue, seqs: [...acc.seqs].sort((a, b) => a - b) };
  },
};

export interface ReferenceTaskOptions {
  sizeMs: number;
  outOfOrdernessMs: number;
  allowedLatenessMs: number;
}

export interface ReferenceTaskState {
  watermark: WatermarkState;
  windows: TumblingWindowState<SumAcc>;
}

export class ReferenceTask {
  readonly outputs: WindowResult[] = [];
  readonly late: TestEvent[] = [];
  readonly outcomes: AddOutcome[] = [];
  private readonly watermark: Watermark;
  private readonly op: TumblingWindowOperator<TestEvent, SumAcc, WindowResult>;
  private readonly out = (o: WindowResult): void => {
    this.outputs.push(o);
  };

  constructor(opts: ReferenceTaskOptions) {
    this.watermark = new Watermark({ outOfOrdernessMs: opts.outOfOrdernessMs });
    this.op = new TumblingWindowOperator({ sizeMs: opts.sizeMs, allowedLatenessMs: opts.allowedLatenessMs }, sumAggregator);
  }

  process(e: TestEvent): void {
    const wm = this.watermark.observe(e.ts);
    const outcome = this.op.add(e.key, e.ts, e, wm, this.out);
    this.outcomes.push(outcome);
    if (outcome === 'TOO_LATE') this.late.push(e);
    this.op.advance(wm, this.out);
  }

  end(): void {
    this.watermark.advanceToEnd();
    this.op.advance(this.watermark.currentMs, this.out);
  }

  get openWindowCount(): number {
    return this.op.openWindowCount;
  }

  snapshot(): ReferenceTaskState {
    return { watermark: this.watermark.snapshot(), windows: this.op.snapshot() };
  }

  restore(state: ReferenceTaskState): void {
    this.watermark.restore(state.watermark);
    this.op.restore(state.windows);
  }
}

export interface RunResult {
  outputs: WindowResult[];
  late: TestEvent[];
  outcomes: AddOutcome[];
  /** Encoded task state after the last event, before end of input. */
  stateBeforeEnd: Uint8Array;
}

/** Run `events` through a task, optionally moving it through snapshot bytes into a fresh task after the given batch ends. */
export function runInBatches(opts: ReferenceTaskOptions, batches: TestEvent[][], restoreAfter: boolean[]): RunResult {
  const outputs: WindowResult[] = [];
  const late: TestEvent[] = [];
  const outcomes: AddOutcome[] = [];
  let task = new ReferenceTask(opts);
  const drain = (): void => {
    outputs.push(...task.outputs.splice(0));
    late.push(...task.late.splice(0));
    outcomes.push(...task.outcomes.splice(0));
  };
  batches.forEach((batch, i) => {
    for (const e of batch) task.process(e);
    drain();
    if (restoreAfter[i] === true) {
      const bytes = encodeSnapshot(task.snapshot());
      task = new ReferenceTask(opts);
      task.restore(decodeSnapshot(bytes) as ReferenceTaskState);
    }
  });
  const stateBeforeEnd = encodeSnapshot(task.snapshot());
  task.end();
  drain();
  return { outputs, late, outcomes, stateBeforeEnd };
}

/** For each (key, window), the result with the highest version emitted. */
export function finalResults(outputs: readonly WindowResult[]): Map<string, WindowResult> {
  const final = new Map<string, WindowResult>();
  for (const o of outputs) {
    const id = `${o.key}@${o.startMs}`;
    const prev = final.get(id);
    if (prev === undefined || o.version > prev.version) final.set(id, o);
  }
  return final;
}
