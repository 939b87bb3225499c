/** How long to wait before the next delivery attempt. Pure; `random` is injectable for tests. */
export interface RetryDelayInput {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  /** The first retry waits up to this, ms; each further one up to twice as long. */
  baseMs: number;
  /** No jittered wait is longer than this, ms. */
  capMs: number;
  /** What the receiver's Retry-After asked for, ms (see `parseRetryAfterMs`); null when absent. */
  retryAfterMs: number | null;
  /** A Retry-After longer than this is cut to it, ms. */
  maxRetryAfterMs: number;
  /** A number in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (a uniform wait in [0, min(cap, base·2^(attempt−1)))), so
 * receivers recovering from an outage are not hit by every sender at once. When the receiver sent
 * Retry-After, its wait is used instead (cut to `maxRetryAfterMs`): it said when it will be ready.
 */
export function retryDelayMs(input: RetryDelayInput): number {
  if (input.retryAfterMs !== null) return Math.min(input.retryAfterMs, input.maxRetryAfterMs);
  const ceiling = Math.min(input.capMs, input.baseMs * 2 ** Math.min(input.attempt - 1, 52));
  return Math.floor((input.random ?? Math.random)() * ceiling);
}

/**
 * A Retry-After header (RFC 9110 §10.2.3) as a wait in ms from `nowMs`: delay-seconds or an
 * HTTP-date (a date in the past is 0). Null when absent or malformed.
 */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const text = raw.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its weekday and GMT; Date.parse alone would also take "1" or "2024".
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
