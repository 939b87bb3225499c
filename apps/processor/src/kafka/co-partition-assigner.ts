import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Assigns partition p of every subscribed topic to the same member, so one task sees all of a
 * symbol's streams (design §2 co-partitioning). Partition indices are dealt round-robin over members
 * sorted by id, which keeps the assignment stable for a stable membership. All subscribed topics must
 * have the same partition count; indices a topic lacks are simply not assigned for that topic.
 */
export const CoPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'TickflowCoPartitionAssigner',
  version: 0,

  async assign({ members, topics }) {
    const memberIds = members.map((m) => m.memberId).sort();
    const indices = new Set<number>();
    const byTopic = new Map<string, Set<number>>();
    for (const topic of topics) {
      const ids = new Set(cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId));
      byTopic.set(topic, ids);
      for (const id of ids) indices.add(id);
    }
    const sorted = [...indices].sort((a, b) => a - b);
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    sorted.forEach((p, i) => {
      const member = assignment.get(memberIds[i % memberIds.length]!)!;
      for (const topic of topics) {
        if (!byTopic.get(topic)!.has(p)) continue;
        (member[topic] ??= []).push(p);
      }
    });
    return memberIds.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: assignment.get(memberId)!, userData: Buffer.alloc(0) }),
    }));
  },

  protocol({ topics }) {
    return { name: 'TickflowCoPartitionAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
