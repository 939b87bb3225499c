// When the live feed client reconnects (pure: no DOM, no timers; runs under vitest too).
//
// After a drop the client waits backoffDelayMs(attempt) before reconnect attempt number `attempt`
// (0 = the first retry), counting up while attempts fail and back to 0 once a connection has
// authenticated. Close codes that say the key is bad end the retries: the same key cannot succeed.

/** First ceiling: the first retry waits 0.25–0.5 s. */
export const BACKOFF_BASE_MS = 500;
/** Largest ceiling: no wait is longer than this, however many attempts failed. */
export const BACKOFF_CAP_MS = 15_000;
/** 4401 Unauthorized (unknown, revoked or malformed key), 4403 Forbidden (scopes): see apps/api/src/live/README.md. */
export const AUTH_FAILURE_CLOSE_CODES = Object.freeze([4401, 4403]);

/**
 * Capped exponential backoff with "equal jitter": the ceiling doubles per attempt from `baseMs` up to
 * `capMs`, and the delay is drawn uniformly from its upper half, [ceiling / 2, ceiling]. The half
 * that is always waited keeps a flapping server from being hammered; the random half spreads the
 * reconnects of many pages dropped at once (a server restart).
 *
 * @param {number} attempt 0 for the first retry after a drop; negative, fractional or non-finite values count as their floor ≥ 0
 * @param {{ baseMs?: number, capMs?: number, random?: () => number }} [opts] `random` in [0, 1) (default Math.random)
 * @returns {number} whole milliseconds in [min(baseMs, capMs) / 2, capMs]
 */
export function backoffDelayMs(attempt, opts = {}) {
  const baseMs = opts.baseMs ?? BACKOFF_BASE_MS;
  const capMs = opts.capMs ?? BACKOFF_CAP_MS;
  if (!(baseMs > 0) || !(capMs > 0)) throw new RangeError(`baseMs and capMs must be > 0, got ${baseMs} and ${capMs}`);
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2 ** 1024 is Infinity, and min(cap, Infinity) is the cap: no overflow to guard against.
  const ceiling = Math.min(capMs, baseMs * 2 ** n);
  const r = Math.min(1, Math.max(0, Number((opts.random ?? Math.random)()) || 0));
  return Math.min(capMs, Math.round(ceiling / 2 + (r * ceiling) / 2));
}

/**
 * Whether a WebSocket close code means the key was refused, so that reconnecting with the same key
 * cannot help (the client then waits for another key instead of retrying).
 * @param {number} code
 */
export function isAuthFailure(code) {
  return AUTH_FAILURE_CLOSE_CODES.includes(code);
}
