import kafkajs, { type RetryOptions } from 'kafkajs';

/** kafkajs 2.2.4's retry defaults (`src/retry/defaults.js`). */
export const KAFKAJS_RETRY_DEFAULTS: Readonly<Required<Omit<RetryOptions, 'restartOnFailure'>>> = Object.freeze({ maxRetryTime: 30_000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 });

const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']);

type ErrorMetadata = { cause?: unknown; retryCount?: number; retryTime?: number };
const NonRetriable = kafkajs.KafkaJSNonRetriableError as unknown as new (e: unknown, meta?: ErrorMetadata) => Error;
const RetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as new (e: unknown, meta: ErrorMetadata) => Error & { retryTime: number };

/**
 * kafkajs's retrier (`src/retry/index.js`), same timing and same errors: the first wait is
 * `initialRetryTime` ± `factor`, each next one `multiplier` times the last (randomised, capped at
 * `maxRetryTime`); an error whose `retriable` is false (or a TypeError, RangeError…) is not retried
 * and comes out as a `KafkaJSNonRetriableError`; after `retries` retries, the last error comes out
 * as a `KafkaJSNumberOfRetriesExceeded` carrying `retryCount` and `retryTime`.
 */
export class RetryPolicy {
  readonly retries: number;
  readonly restartOnFailure: ((e: Error) => Promise<boolean>) | undefined;
  private readonly o: Required<Omit<RetryOptions, 'restartOnFailure'>>;

  constructor(options: RetryOptions = {}) {
    const { restartOnFailure, ...rest } = options;
    this.o = { ...KAFKAJS_RETRY_DEFAULTS, ...dropUndefined(rest) };
    this.retries = this.o.retries;
    this.restartOnFailure = restartOnFailure;
  }

  /** The first wait, ms. */
  initialTime(): number {
    return randomAround(this.o.factor, this.o.initialRetryTime);
  }

  /** The wait after one of `retryTime` ms. */
  nextTime(retryTime: number): number {
    return Math.min(randomAround(this.o.factor, retryTime) * this.o.multiplier, this.o.maxRetryTime);
  }

  /** Whether kafkajs would retry after `err`. */
  static isRetriable(err: unknown): boolean {
    const e = err as { retriable?: unknown; name?: unknown } | null;
    if (e === null || typeof e !== 'object') return true;
    return e.retriable !== false && !UNRECOVERABLE.has(String(e.name));
  }

  /** The error kafkajs's retrier rejects with when it gives up on `err` after `retryCount` retries. */
  static giveUp(err: unknown, retryCount: number, retryTime: number, retriesLeft: boolean): Error {
    const cause = (err as { cause?: unknown } | null)?.cause ?? err;
    if (!RetryPolicy.isRetriable(err)) return new NonRetriable(err, { cause });
    return retriesLeft ? (err as Error) : new RetriesExceeded(err, { retryCount, retryTime, cause });
  }

  /** Runs `fn` until it resolves, retrying retriable errors with this policy's waits. */
  async run<T>(fn: (retryCount: number) => Promise<T>): Promise<T> {
    let retryTime = this.initialTime();
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await fn(retryCount);
      } catch (err) {
        if (!RetryPolicy.isRetriable(err) || retryCount >= this.retries) throw RetryPolicy.giveUp(err, retryCount, retryTime, false);
      }
      await new Promise((resolve) => setTimeout(resolve, retryTime));
      retryTime = this.nextTime(retryTime);
    }
  }
}

function randomAround(factor: number, time: number): number {
  const delta = factor * time;
  return Math.ceil(time - delta + Math.random() * 2 * delta);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
