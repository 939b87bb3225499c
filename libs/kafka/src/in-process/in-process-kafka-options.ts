import type { RetryOptions } from 'kafkajs';

/** Where the in-process bus reports what kafkajs would log (consumer crashes, resets, trims). */
export type BusLog = (level: 'error' | 'warn' | 'info' | 'debug', msg: string, fields?: Record<string, unknown>) => void;

/** Options of {@link InProcessKafka}. Every field is optional. */
export interface InProcessKafkaOptions {
  /** Prefix of generated member ids (`<clientId>-<uuid>`), as kafkajs's `clientId`. @defaultValue 'tickflow' */
  clientId?: string;
  /**
   * Directory for restart continuity: group committed offsets (written on every commit) and
   * per-partition offset reservations, so offsets are never reused across restarts (the ClickHouse
   * writer's dedup tokens and the lake's file names are derived from offsets). Records themselves
   * are never persisted. Created if missing; one live bus per directory (a lock file holds it).
   * @defaultValue none: nothing survives the process
   */
  stateDir?: string;
  /**
   * Offsets reserved ahead per partition each time the persisted reservation is passed. On restart a
   * partition starts at its reservation's end, so up to this many offsets are skipped; a larger block
   * means fewer synchronous writes.
   * @defaultValue 100_000
   */
  reserveBlock?: number;
  /**
   * Most records (data and transaction markers) kept per partition; the oldest are trimmed and the
   * low watermark advances. Bounds memory together with `maxBytesPerPartition` and `retention.ms`.
   * @defaultValue 200_000
   */
  maxRecordsPerPartition?: number;
  /** Most key + value + header bytes kept per partition; trimmed like `maxRecordsPerPartition`. @defaultValue 64 MiB */
  maxBytesPerPartition?: number;
  /**
   * How often idle partitions are checked against their topic's `retention.ms` (a partition being
   * written to is checked on every append), ms.
   * @defaultValue 30_000
   */
  retentionCheckIntervalMs?: number;
  /**
   * Retries of consumers and commits, merged under each consumer's own `retry` as kafkajs merges
   * the client's (a failing `eachBatch` is retried with these waits, then the consumer crashes and
   * restarts).
   * @defaultValue kafkajs's: 5 retries from 300 ms, doubling
   */
  retry?: RetryOptions;
  /** Log sink. @defaultValue errors and warnings as JSON lines on stderr */
  log?: BusLog;
  /** Clock for record timestamps and retention (processing time, epoch ms). Tests pass their own. @defaultValue Date.now */
  now?: () => number;
}
