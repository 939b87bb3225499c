import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalResults, runInBatches, type ReferenceTaskOptions, type TestEvent, type WindowResult } from './testing/reference-task';

const RUNS = 300;

const optionsArb: fc.Arbitrary<ReferenceTaskOptions> = fc.record({
  sizeMs: fc.constantFrom(1, 7, 100, 1000, 2500),
  outOfOrdernessMs: fc.integer({ min: 0, max: 3000 }),
  allowedLatenessMs: fc.integer({ min: 0, max: 3000 }),
});

const rawEventArb = fc.record({
  key: fc.constantFrom('a', 'b', 'c'),
  ts: fc.integer({ min: -3000, max: 12_000 }),
  value: fc.integer({ min: -100, max: 100 }),
});

/** Events in arbitrary order; seq = position in the generated input (unique). */
const scatteredEventsArb: fc.Arbitrary<TestEvent[]> = fc.array(rawEventArb, { maxLength: 60, size: 'max' }).map((raw) => raw.map((e, seq) => ({ ...e, seq })));

/**
 * A tape for given options: time moves forward by steps of up to one window, and about half of the
 * events arrive behind it by up to B + lateness + one window — so in one run windows fire on time,
 * get late corrections (versions 2, 3, …) and refuse events beyond their lateness.
 */
function tapeEventsArb(opts: ReferenceTaskOptions): fc.Arbitrary<TestEvent[]> {
  const maxBehind = opts.outOfOrdernessMs + opts.allowedLatenessMs + opts.sizeMs;
  return fc
    .array(
      fc.record({
        key: fc.constantFrom('a', 'b'),
        stepMs: fc.noBias(fc.integer({ min: 0, max: opts.sizeMs })),
        behindMs: fc.oneof(fc.constant(0), fc.noBias(fc.integer({ min: 0, max: maxBehind }))),
        value: fc.integer({ min: -100, max: 100 }),
      }),
      { maxLength: 60, size: 'max' },
    )
    .map((raw) => {
      let streamMs = -2 * opts.sizeMs;
      return raw.map(({ key, stepMs, behindMs, value }, seq) => {
        streamMs += stepMs;
        return { key, ts: streamMs - behindMs, value, seq };
      });
    });
}

/** Options with events: a tape shaped by the options, or events scattered at random. */
const caseArb: fc.Arbitrary<[ReferenceTaskOptions, TestEvent[]]> = optionsArb.chain((opts) =>
  fc.tuple(fc.constant(opts), fc.oneof({ arbitrary: tapeEventsArb(opts), weight: 3 }, { arbitrary: scatteredEventsArb, weight: 1 })),
);

function finalContents(outputs: readonly WindowResult[]): Map<string, Omit<WindowResult, 'version'>> {
  const m = new Map<string, Omit<WindowResult, 'version'>>();
  for (const [id, { version: _version, ...rest }] of finalResults(outputs)) m.set(id, rest);
  return m;
}

describe('stream runtime properties (Watermark + TumblingWindowOperator + snapshot codec)', () => {
  it('batching invariance: snapshot → bytes → restore into a fresh task at any point gives the uninterrupted output', () => {
    fc.assert(
      fc.property(
        caseArb.chain(([opts, events]) =>
          fc.tuple(fc.constant(opts), fc.constant(events), fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: events.length, maxLength: events.length })),
        ),
        ([opts, events, cuts]) => {
          const batches: TestEvent[][] = [[]];
          const restoreAfter: boolean[] = [];
          events.forEach((e, i) => {
            (batches[batches.length - 1] as TestEvent[]).push(e);
            const [cutHere, restore] = cuts[i] ?? [false, false];
            if (cutHere) {
              restoreAfter[batches.length - 1] = restore;
              batches.push([]);
            }
          });
          // A snapshot before any input, too.
          const withEmptyFirst = [[], ...batches];
          const uninterrupted = runInBatches(opts, [events], [false]);
          // Same outputs, outcomes and late events — and byte-identical task state at the end.
          expect(runInBatches(opts, batches, restoreAfter)).toEqual(uninterrupted);
          expect(runInBatches(opts, withEmptyFirst, [true, ...restoreAfter])).toEqual(uninterrupted);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('out-of-order within the bound: same final window results as sorted input, and nothing late', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(fc.tuple(rawEventArb, fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 60, size: 'max' }),
        (opts, raw) => {
          const B = opts.outOfOrdernessMs;
          const events = raw.map(([e], seq) => ({ ...e, seq }));
          const sorted = [...events].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
          // Bounded local displacement: order by ts + d with d in [0, B]; then every event's
          // ts >= (max ts before it) − B.
          const shuffled = sorted
            .map((e) => ({ e, sortKey: e.ts + (raw[e.seq]?.[1] ?? 0) * B }))
            .sort((x, y) => x.sortKey - y.sortKey)
            .map((x) => x.e);
          let maxSeen = Number.NEGATIVE_INFINITY;
          for (const e of shuffled) {
            expect(e.ts).toBeGreaterThanOrEqual(maxSeen - B);
            maxSeen = Math.max(maxSeen, e.ts);
          }

          const inOrder = runInBatches(opts, [sorted], [false]);
          const disordered = runInBatches(opts, [shuffled], [false]);
          expect(inOrder.late).toEqual([]);
          expect(disordered.late).toEqual([]);
          expect(disordered.outcomes.every((o) => o === 'ON_TIME')).toBe(true);
          expect(finalContents(disordered.outputs)).toEqual(finalContents(inOrder.outputs));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('lateness: every event is counted in exactly one final window result or reported TOO_LATE, never both, never lost', () => {
    fc.assert(
      fc.property(caseArb, ([opts, events]) => {
        const run = runInBatches(opts, [events], [false]);
        const finals = [...finalResults(run.outputs).values()];

        const counted = finals.flatMap((r) => r.seqs);
        const late = run.late.map((e) => e.seq);
        expect([...counted, ...late].sort((a, b) => a - b)).toEqual(events.map((e) => e.seq));
        expect(finals.reduce((n, r) => n + r.count, 0) + run.late.length).toBe(events.length);
        expect(run.outcomes.filter((o) => o === 'TOO_LATE').length).toBe(run.late.length);

        // Versions of each (key, window) are emitted as 1, 2, 3, … and each is consistent with its contents.
        const lastVersion = new Map<string, number>();
        for (const o of run.outputs) {
          const id = `${o.key}@${o.startMs}`;
          expect(o.version).toBe((lastVersion.get(id) ?? 0) + 1);
          lastVersion.set(id, o.version);
          expect(o.count).toBe(o.seqs.length);
          expect(o.endMs - o.startMs).toBe(opts.sizeMs);
        }
        // LATE_UPDATED emissions = corrections + late-created windows; total emissions match outcomes.
        const lateUpdated = run.outcomes.filter((o) => o === 'LATE_UPDATED').length;
        const onTimeFirings = run.outputs.length - lateUpdated;
        expect(onTimeFirings).toBeGreaterThanOrEqual(0);
        expect(onTimeFirings).toBeLessThanOrEqual(finals.length);
      }),
      { numRuns: RUNS },
    );
  });
});
