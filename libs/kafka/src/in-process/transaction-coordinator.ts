import { protocolError } from './kafka-errors';
import type { PartitionLog, TxnOutcome } from './partition-log';

/** An offset sent to a transaction for a consumer group (`sendOffsets`). */
export interface TxnOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** The transaction open for one transactional id: what its commit or abort ends. */
interface OpenTxn {
  outcome: TxnOutcome;
  partitions: Set<PartitionLog>;
  offsets: Map<string, TxnOffset[]>;
  timer: NodeJS.Timeout;
}

interface TxnEntry {
  producerId: number;
  epoch: number;
  timeoutMs: number;
  current: OpenTxn | null;
}

/**
 * Kafka's transaction coordinator, in process. Per transactional id: one producer id, an epoch
 * bumped by every `initProducerId` (which fences the older producers: their operations fail with
 * INVALID_PRODUCER_EPOCH) and by a transaction timeout, and at most one open transaction. Ending a
 * transaction writes a COMMIT or ABORT marker to every partition it wrote to and, on commit, applies
 * its `sendOffsets` to the groups — all synchronously, so no reader sees half of it.
 */
export class TransactionCoordinator {
  private readonly entries = new Map<string, TxnEntry>();

  constructor(
    private readonly nextProducerId: () => number,
    /** Applies committed `sendOffsets` to a group (and persists them). */
    private readonly commitGroupOffsets: (groupId: string, offsets: readonly TxnOffset[]) => void,
  ) {}

  /**
   * InitProducerId: aborts the open transaction of this id (a previous owner's), bumps the epoch,
   * and returns the identity the caller must present from now on.
   */
  initProducerId(transactionalId: string, timeoutMs: number): { producerId: number; epoch: number } {
    let entry = this.entries.get(transactionalId);
    if (!entry) {
      entry = { producerId: this.nextProducerId(), epoch: 0, timeoutMs, current: null };
      this.entries.set(transactionalId, entry);
    } else {
      this.end(entry, false);
      entry.epoch++;
      entry.timeoutMs = timeoutMs;
    }
    return { producerId: entry.producerId, epoch: entry.epoch };
  }

  /** AddPartitionsToTxn (once per partition) and the produce that follows: the outcome to tag records with. */
  addPartition(transactionalId: string, producerId: number, epoch: number, partition: PartitionLog): TxnOutcome {
    const txn = this.ongoing(this.check(transactionalId, producerId, epoch));
    txn.partitions.add(partition);
    return txn.outcome;
  }

  /** Checks the producer may write to its transaction (call before appending). */
  check(transactionalId: string, producerId: number, epoch: number): TxnEntry {
    const entry = this.entries.get(transactionalId);
    if (!entry || entry.producerId !== producerId || entry.epoch !== epoch) throw protocolError('INVALID_PRODUCER_EPOCH');
    return entry;
  }

  /** AddOffsetsToTxn + TxnOffsetCommit: the offsets become the group's committed offsets at commit. */
  addOffsets(transactionalId: string, producerId: number, epoch: number, groupId: string, offsets: readonly TxnOffset[]): void {
    const txn = this.ongoing(this.check(transactionalId, producerId, epoch));
    let list = txn.offsets.get(groupId);
    if (!list) txn.offsets.set(groupId, (list = []));
    list.push(...offsets);
  }

  /** EndTxn. */
  endTxn(transactionalId: string, producerId: number, epoch: number, commit: boolean): void {
    this.end(this.check(transactionalId, producerId, epoch), commit);
  }

  /** Aborts every open transaction (the bus is closing). */
  close(): void {
    for (const entry of this.entries.values()) this.end(entry, false);
  }

  private ongoing(entry: TxnEntry): OpenTxn {
    if (entry.current) return entry.current;
    const txn: OpenTxn = {
      outcome: { state: 'open' },
      partitions: new Set(),
      offsets: new Map(),
      // As the broker does: a transaction left open past its timeout is aborted and its producer fenced.
      timer: setTimeout(() => {
        if (entry.current !== txn) return;
        this.end(entry, false);
        entry.epoch++;
      }, entry.timeoutMs),
    };
    txn.timer.unref();
    entry.current = txn;
    return txn;
  }

  private end(entry: TxnEntry, commit: boolean): void {
    const txn = entry.current;
    if (!txn) return;
    entry.current = null;
    clearTimeout(txn.timer);
    txn.outcome.state = commit ? 'committed' : 'aborted';
    for (const p of txn.partitions) p.appendMarker(txn.outcome, commit, entry.producerId, entry.epoch);
    if (commit) for (const [groupId, offsets] of txn.offsets) this.commitGroupOffsets(groupId, offsets);
  }
}
