import type { BusClient } from '@tickflow/kafka';

export type LakeLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface LakeWriterOptions {
  /** The bus: a Kafka client, or the embedded profile's `InProcessKafka`. */
  kafka: BusClient;
  /** Consumer group of the lake writer (its own: it commits the offsets it has written). @defaultValue 'tickflow-lake' */
  groupId: string;
  /** Prepended to the source topic names (namespaces on a shared cluster, isolated tests). @defaultValue '' */
  topicPrefix: string;
  /** Root directory of the lake; created if missing. @defaultValue './data/lake' */
  lakeRoot: string;
  /**
   * Records per written batch of one source partition, at most; the buffer is written once it holds
   * this many (a larger fetch becomes several batches, each committed after its files). @defaultValue 50_000
   */
  maxBatchRecords: number;
  /** …or once its oldest buffered record has waited this long (processing time), ms. @defaultValue 10_000 */
  maxBatchAgeMs: number;
  /** Consumer-group session timeout: how long a dead instance holds its partitions, ms. @defaultValue 10_000 */
  sessionTimeoutMs: number;
  /** DuckDB threads used to encode Parquet. @defaultValue 2 */
  duckdbThreads?: number;
  log: LakeLog;
  /** Called once per committed batch of one source partition. */
  onCommitted?: (dataset: string, partition: number, records: number, files: number) => void;
  /** The writer cannot go on (recovery failed, the consumer crashed for good): the caller should exit non-zero. */
  onFatal?: (err: Error) => void;
  /**
   * Fault injection for crash tests only: after this many batches have been published (renamed
   * into place), SIGKILL this process before committing the offsets. @defaultValue off
   */
  crashAfterPublishes?: number;
}
