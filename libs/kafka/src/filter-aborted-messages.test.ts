import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

interface Msg {
  offset: string;
  key: Buffer | null;
  value: string;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}
type Filter = (args: { messages: Msg[]; abortedTransactions?: Array<{ producerId: string; firstOffset: string }> }) => Msg[];

const require = createRequire(import.meta.url);
const filter = require('../patches/filter-aborted-messages.cjs') as Filter;

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const data = (offset: number, producerId: string, value: string, inTransaction = true): Msg => ({ offset: String(offset), key: null, value, batchContext: { producerId, inTransaction } });
const marker = (offset: number, producerId: string, key: Buffer): Msg => ({ offset: String(offset), key, value: '', isControlRecord: true, batchContext: { producerId, inTransaction: true } });
const visible = (messages: Msg[], aborted: Array<[string, number]>): string[] =>
  filter({ messages, abortedTransactions: aborted.map(([producerId, first]) => ({ producerId, firstOffset: String(first) })) })
    .filter((m) => !m.isControlRecord)
    .map((m) => m.value);

describe('read_committed filtering of aborted transactions (our kafkajs fix)', () => {
  it('drops every record of transactions aborted in a different order than they began', () => {
    // p1 begins at 0, p2 at 1; the broker lists p2's abort first because it happened first.
    const log = [data(0, 'p1', 'a1'), data(1, 'p2', 'b1'), data(2, 'p1', 'a2'), marker(3, 'p2', ABORT), marker(4, 'p1', ABORT), data(5, 'p1', 'c'), marker(6, 'p1', COMMIT)];
    expect(visible(log, [['p2', 1], ['p1', 0]])).toEqual(['c']);
  });

  it('drops aborted records when the fetch starts inside the transactions', () => {
    // Two aborted transactions began before the first fetched record; both must be in effect at once.
    const log = [data(10, 'p2', 'b3'), data(11, 'p1', 'a3'), marker(12, 'p1', ABORT), marker(13, 'p2', ABORT), data(14, 'p3', 'x', false)];
    expect(visible(log, [['p1', 2], ['p2', 5]])).toEqual(['x']);
  });

  it('keeps committed transactions of a producer before and after its aborted one', () => {
    const log = [data(0, 'p1', 'ok1'), marker(1, 'p1', COMMIT), data(2, 'p1', 'bad'), marker(3, 'p1', ABORT), data(4, 'p1', 'ok2'), marker(5, 'p1', COMMIT)];
    expect(visible(log, [['p1', 2]])).toEqual(['ok1', 'ok2']);
  });

  it('never drops non-transactional records, and a data record keyed like a marker does not end an abort', () => {
    const lookalike: Msg = { ...data(2, 'p1', 'bad2'), key: ABORT };
    const log = [data(0, 'p1', 'bad1'), data(1, 'p9', 'plain', false), lookalike, data(3, 'p1', 'bad3'), marker(4, 'p1', ABORT)];
    expect(visible(log, [['p1', 0]])).toEqual(['plain']);
  });

  it('compares offsets as 64-bit numbers, not strings', () => {
    const log = [data(998, 'p1', 'early'), marker(999, 'p1', COMMIT), data(1002, 'p2', 'bad'), marker(1003, 'p2', ABORT)];
    expect(visible(log, [['p2', 1002]])).toEqual(['early']);
  });

  it('passes everything through when nothing was aborted', () => {
    const log = [data(0, 'p1', 'a'), marker(1, 'p1', COMMIT)];
    expect(filter({ messages: log, abortedTransactions: [] })).toBe(log);
  });
});
