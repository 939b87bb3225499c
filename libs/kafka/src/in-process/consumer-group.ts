import { randomUUID } from 'node:crypto';
import type { Assigner, GroupState } from 'kafkajs';
import { protocolError } from './kafka-errors';
import type { OffsetTable } from './bus-state-store';

/** A JoinGroup request of one member. */
export interface JoinRequest {
  /** Null for a new member (the group names it `<clientId>-<uuid>`). */
  memberId: string | null;
  clientId: string;
  /** The member's subscription; the leader's is what its assigner is given. */
  topics: readonly string[];
  /** `assigner.protocol({ topics })` of each of the member's assigners, in preference order. */
  protocols: readonly GroupState[];
  /** The member's assigners: the leader's runs the assignment, as in kafkajs. */
  assigners: readonly Assigner[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** Called when a rebalance starts while this member is not rejoining (so it notices before its next poll). */
  onRebalance: () => void;
}

/** The JoinGroup + SyncGroup outcome for one member. */
export interface JoinResult {
  generationId: number;
  memberId: string;
  leaderId: string;
  isLeader: boolean;
  groupProtocol: string;
  /** `AssignerProtocol.MemberAssignment` bytes; empty when the assigner gave this member nothing. */
  memberAssignment: Buffer;
}

/** A committed offset as OffsetFetch returns it. */
export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

interface Member {
  id: string;
  request: JoinRequest;
  lastSeenMs: number;
  /** Set while the member waits for the rebalance to complete. */
  pending: { resolve: (r: JoinResult) => void; reject: (e: unknown) => void } | null;
}

type GroupPhase = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

/**
 * One consumer group at its coordinator: membership, generations and committed offsets — Kafka's
 * eager rebalance protocol. A join (a new member, or a known one rejoining) starts a rebalance;
 * every member learns of it from its next heartbeat (REBALANCE_IN_PROGRESS) and rejoins; once all
 * have (or `rebalanceTimeout` drops the laggards) the generation is bumped and the leader's
 * assigner — the first protocol every member supports — decides who owns what. A member that
 * neither heartbeats nor polls for `sessionTimeout` is dropped and the others rebalance.
 *
 * Offset commits from members are fenced by generation (ILLEGAL_GENERATION after a rebalance,
 * UNKNOWN_MEMBER_ID after a member was dropped); transactional offsets are applied by the
 * transaction coordinator at commit and are not.
 */
export class ConsumerGroup {
  private generation = 0;
  private phase: GroupPhase = 'Empty';
  private readonly members = new Map<string, Member>();
  private leaderId: string | null = null;
  private rebalanceDeadlineMs = 0;
  /** A join or leave arrived while the assignment was being computed: rebalance again after. */
  private rejoinRequested = false;
  private readonly committed = new Map<string, Map<number, CommittedOffset>>();

  constructor(
    readonly groupId: string,
    restored: OffsetTable | undefined,
    private readonly now: () => number,
    /** Persists the committed offsets (called after every change). */
    private readonly onCommitted: () => void,
  ) {
    for (const [topic, partitions] of restored ?? []) {
      this.committed.set(topic, new Map([...partitions].map(([p, offset]) => [p, { offset, metadata: null }])));
    }
  }

  get generationId(): number {
    return this.generation;
  }

  /** Members now in the group (rejoining ones included). */
  get memberCount(): number {
    return this.members.size;
  }

  /**
   * JoinGroup. Returns the member id at once (so the member can leave while it waits) and the
   * outcome once the rebalance completes.
   * @throws KafkaJSProtocolError UNKNOWN_MEMBER_ID (the group dropped this member: rejoin without an id),
   *   INCONSISTENT_GROUP_PROTOCOL (no assigner in common with the members)
   */
  join(request: JoinRequest): { memberId: string; result: Promise<JoinResult> } {
    let member: Member;
    if (request.memberId !== null) {
      const known = this.members.get(request.memberId);
      if (!known) throw protocolError('UNKNOWN_MEMBER_ID');
      member = known;
    } else {
      const others = [...this.members.values()];
      if (others.length > 0 && !request.protocols.some((p) => others.every((m) => m.request.protocols.some((q) => q.name === p.name)))) {
        throw protocolError('INCONSISTENT_GROUP_PROTOCOL', this.groupId);
      }
      member = { id: `${request.clientId}-${randomUUID()}`, request, lastSeenMs: this.now(), pending: null };
      this.members.set(member.id, member);
    }
    member.request = request;
    member.lastSeenMs = this.now();
    const result = new Promise<JoinResult>((resolve, reject) => {
      member.pending?.reject(protocolError('REBALANCE_IN_PROGRESS'));
      member.pending = { resolve, reject };
    });
    if (this.phase === 'CompletingRebalance') this.rejoinRequested = true;
    else if (this.phase !== 'PreparingRebalance') this.prepareRebalance();
    else this.maybeComplete();
    return { memberId: member.id, result };
  }

  /**
   * Heartbeat: keeps the member's session and tells it to rejoin when a rebalance is on.
   * @throws KafkaJSProtocolError UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION
   */
  heartbeat(memberId: string, generationId: number): void {
    const member = this.members.get(memberId);
    if (!member) throw protocolError('UNKNOWN_MEMBER_ID');
    member.lastSeenMs = this.now();
    if (this.phase === 'PreparingRebalance' || this.phase === 'CompletingRebalance') throw protocolError('REBALANCE_IN_PROGRESS');
    if (generationId !== this.generation) throw protocolError('ILLEGAL_GENERATION');
  }

  /** LeaveGroup: the member's partitions go to the others. A pending join of the member is rejected. */
  leave(memberId: string, why: unknown = protocolError('UNKNOWN_MEMBER_ID')): void {
    const member = this.members.get(memberId);
    if (!member) return;
    this.members.delete(memberId);
    member.pending?.reject(why);
    member.pending = null;
    if (this.leaderId === memberId) this.leaderId = null;
    if (this.phase === 'CompletingRebalance') {
      this.rejoinRequested = true;
    } else if (this.members.size === 0) {
      this.phase = 'Empty';
      this.generation++;
    } else if (this.phase === 'PreparingRebalance') {
      this.maybeComplete();
    } else {
      this.prepareRebalance();
    }
  }

  /**
   * OffsetCommit from a member: accepted from the current generation (also while a rebalance is
   * being prepared, as Kafka does), refused from a stale one.
   * @throws KafkaJSProtocolError UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION
   */
  commit(memberId: string, generationId: number, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; metadata: string | null }>): void {
    if (!this.members.has(memberId)) throw protocolError('UNKNOWN_MEMBER_ID');
    if (this.phase === 'CompletingRebalance') throw protocolError('REBALANCE_IN_PROGRESS');
    if (generationId !== this.generation) throw protocolError('ILLEGAL_GENERATION');
    this.apply(offsets);
  }

  /** Offsets committed by a transaction or an admin (no generation). */
  apply(offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; metadata?: string | null }>): void {
    for (const o of offsets) {
      let t = this.committed.get(o.topic);
      if (!t) this.committed.set(o.topic, (t = new Map()));
      t.set(o.partition, { offset: o.offset, metadata: o.metadata ?? null });
    }
    this.onCommitted();
  }

  /** The committed offset, or null when none. */
  committedOffset(topic: string, partition: number): CommittedOffset | null {
    return this.committed.get(topic)?.get(partition) ?? null;
  }

  /** Topics with committed offsets. */
  committedTopics(): string[] {
    return [...this.committed.keys()];
  }

  /** The committed offsets as persisted. */
  offsetTable(): OffsetTable {
    return new Map([...this.committed].map(([topic, parts]) => [topic, new Map([...parts].map(([p, c]) => [p, c.offset]))]));
  }

  /** Drops members whose session ran out, and laggards of a rebalance past its timeout. */
  sweep(): void {
    const now = this.now();
    const expired: string[] = [];
    for (const m of this.members.values()) {
      if (m.pending) continue;
      const lateForRebalance = this.phase === 'PreparingRebalance' && now > this.rebalanceDeadlineMs;
      if (lateForRebalance || now - m.lastSeenMs > m.request.sessionTimeoutMs) expired.push(m.id);
    }
    for (const id of expired) this.leave(id);
  }

  private prepareRebalance(): void {
    this.phase = 'PreparingRebalance';
    let timeout = 0;
    for (const m of this.members.values()) timeout = Math.max(timeout, m.request.rebalanceTimeoutMs);
    this.rebalanceDeadlineMs = this.now() + timeout;
    for (const m of this.members.values()) if (!m.pending) m.request.onRebalance();
    this.maybeComplete();
  }

  private maybeComplete(): void {
    if (this.phase !== 'PreparingRebalance') return;
    if (this.members.size === 0) {
      this.phase = 'Empty';
      return;
    }
    for (const m of this.members.values()) if (!m.pending) return;
    void this.complete();
  }

  private async complete(): Promise<void> {
    this.phase = 'CompletingRebalance';
    this.generation++;
    const generationId = this.generation;
    const round = [...this.members.values()];
    const leader = (this.leaderId !== null ? this.members.get(this.leaderId) : undefined) ?? round[0]!;
    this.leaderId = leader.id;
    const groupProtocol = leader.request.protocols.find((p) => round.every((m) => m.request.protocols.some((q) => q.name === p.name)))!.name;
    const assignments = new Map<string, Buffer>();
    try {
      const assigner = leader.request.assigners.find((a) => a.name === groupProtocol)!;
      const members = round.map((m) => ({ memberId: m.id, memberMetadata: m.request.protocols.find((p) => p.name === groupProtocol)!.metadata }));
      for (const a of await assigner.assign({ members, topics: [...leader.request.topics] })) assignments.set(a.memberId, a.memberAssignment);
    } catch (err) {
      // The leader fails its join (kafkajs crashes that consumer); the others go on without it.
      this.phase = 'PreparingRebalance';
      this.leave(leader.id, err);
      return;
    }
    this.phase = 'Stable';
    const now = this.now();
    for (const m of round) {
      if (this.members.get(m.id) !== m || !m.pending) continue;
      const pending = m.pending;
      m.pending = null;
      m.lastSeenMs = now;
      pending.resolve({ generationId, memberId: m.id, leaderId: leader.id, isLeader: m.id === leader.id, groupProtocol, memberAssignment: assignments.get(m.id) ?? Buffer.alloc(0) });
    }
    if (this.rejoinRequested) {
      this.rejoinRequested = false;
      if (this.members.size > 0) this.prepareRebalance();
      else this.phase = 'Empty';
    }
  }
}
