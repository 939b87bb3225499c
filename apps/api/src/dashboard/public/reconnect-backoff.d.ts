// Types for the browser module reconnect-backoff.js (its unit test imports it from TypeScript).
export declare const BACKOFF_BASE_MS: number;
export declare const BACKOFF_CAP_MS: number;
export declare const AUTH_FAILURE_CLOSE_CODES: readonly number[];
export declare function backoffDelayMs(attempt: number, opts?: { baseMs?: number; capMs?: number; random?: () => number }): number;
export declare function isAuthFailure(code: number): boolean;
