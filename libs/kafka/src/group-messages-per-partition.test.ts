import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

type Group = (args: { topic: string; partitionMetadata: unknown[]; messages: Array<{ key: string }>; partitioner: (a: { message: { key: string } }) => number }) => Record<number, Array<{ key: string }>>;
const require = createRequire(import.meta.url);
const group = require('../patches/group-messages-per-partition.cjs') as Group;

describe('grouping a send by partition (our kafkajs fix)', () => {
  it('keeps every message, in order, under the partition its partitioner picks', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}` }));
    const out = group({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => Number(message.key.slice(1)) % 3 });
    expect(out).toEqual({ 0: [messages[0], messages[3], messages[6], messages[9]], 1: [messages[1], messages[4], messages[7]], 2: [messages[2], messages[5], messages[8]] });
  });

  it('returns nothing without partition metadata', () => {
    expect(group({ topic: 't', partitionMetadata: [], messages: [{ key: 'a' }], partitioner: () => 0 })).toEqual({});
  });
});
