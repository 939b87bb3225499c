// Types for the browser module time-series.js (its unit test imports it from TypeScript).
export interface WindowedRecord {
  window_start: number;
  is_final?: boolean;
  version?: number;
}
export declare function supersedes(prev: WindowedRecord | undefined, next: WindowedRecord): boolean;
export declare class TimeSeries<T extends WindowedRecord = WindowedRecord> {
  constructor(capacity?: number);
  readonly capacity: number;
  readonly items: T[];
  upsert(record: T): boolean;
  get(windowStart: number): T | undefined;
  last(): T | undefined;
  readonly size: number;
  clear(): void;
}
