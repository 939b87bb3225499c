import { describe, expect, it } from 'vitest';
import { AssignerProtocol, type Cluster } from 'kafkajs';
import { CoPartitionAssigner } from './co-partition-assigner';

function cluster(partitions: Record<string, number>): Cluster {
  return { findTopicPartitionMetadata: (t: string) => Array.from({ length: partitions[t] ?? 0 }, (_, i) => ({ partitionId: i })) } as unknown as Cluster;
}

describe('CoPartitionAssigner', () => {
  it('gives every member the same partition indices of every topic, covering each exactly once', async () => {
    const topics = ['raw.trades', 'raw.marketdata', 'raw.orderbook'];
    const assigner = CoPartitionAssigner({ cluster: cluster({ 'raw.trades': 8, 'raw.marketdata': 8, 'raw.orderbook': 8 }), groupId: 'g', logger: undefined as never });
    const members = ['m-c', 'm-a', 'm-b'].map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }));
    const result = await assigner.assign({ members, topics, userData: Buffer.alloc(0) } as never);
    const decoded = result.map((r) => ({ id: r.memberId, a: AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!.assignment }));
    const seen = new Map<string, number>();
    for (const { a } of decoded) {
      const indices = a['raw.trades'] ?? [];
      for (const t of topics) expect(a[t] ?? []).toEqual(indices);
      for (const t of topics) for (const p of a[t] ?? []) seen.set(`${t}:${p}`, (seen.get(`${t}:${p}`) ?? 0) + 1);
    }
    expect(seen.size).toBe(24);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(decoded.find((d) => d.id === 'm-a')!.a['raw.trades']).toEqual([0, 3, 6]);
  });
});
