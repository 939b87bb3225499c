// Types for the browser module history-loader.js (its unit test imports it from TypeScript).
export declare const HISTORY_WINDOW_MS: number;
export declare const HISTORY_MAX_ROWS: number;
export declare const HISTORY_PAGE_SIZE: number;
export declare const HISTORY_VERSION: number;

export interface FetchLikeResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}
export type FetchLike = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<FetchLikeResponse>;

export declare class HistoryError extends Error {
  constructor(message: string, status: number);
  readonly status: number;
}

export interface HistoryRecord {
  window_start: number;
  window_end: number;
  is_final: true;
  version: number;
  from_history: true;
  [field: string]: unknown;
}

export declare function fetchAllPages(
  fetchFn: FetchLike,
  path: string,
  params: Record<string, string>,
  opts: { key: string; signal?: AbortSignal; maxRows?: number; pageSize?: number },
): Promise<{ rows: Array<Record<string, unknown>>; pages: number; truncated: boolean }>;

export declare function historyRecord(row: Record<string, unknown>): HistoryRecord | null;

export declare function loadHistory(opts: {
  fetch: FetchLike;
  key: string;
  symbol: string;
  now?: number;
  windowMs?: number;
  maxRows?: number;
  pageSize?: number;
  signal?: AbortSignal;
}): Promise<{ bars: HistoryRecord[] | null; signals: HistoryRecord[] | null; errors: HistoryError[]; pages: number; truncated: boolean }>;

export declare const ALERTS_WINDOW_MS: number;
export declare const ALERTS_MAX_ROWS: number;

export interface AlertRecord {
  alert_id: string;
  detected_at_ms: number;
  window_start_ms: number;
  [field: string]: unknown;
}

export declare function alertRecord(row: Record<string, unknown>): AlertRecord | null;

export declare function loadRecentAlerts(opts: {
  fetch: FetchLike;
  key: string;
  now?: number;
  windowMs?: number;
  maxRows?: number;
  pageSize?: number;
  signal?: AbortSignal;
}): Promise<AlertRecord[]>;
