import type { LiveHub, LiveListener, LiveMessage } from '../live/live-hub';
import { GraphqlApiError } from './graphql-errors';

export interface LiveSubscriptionOptions {
  /** Events held while the consumer is slower than the hub; one more ends the subscription. */
  bufferSize: number;
  /** Called once when the subscription ends (returned, thrown into, or overflowed). */
  onClose?: () => void;
}

/**
 * A GraphQL subscription's event stream over the LiveHub: listens on `channels` from construction
 * and stops listening when the consumer calls `return()` (graphql-js does when the client
 * completes the subscription or its socket closes), `throw()`, or when more than `bufferSize`
 * events wait unread — then the next `next()` rejects with `UNAVAILABLE` rather than letting a
 * slow client grow memory without bound. `map` turns a hub message into the value to emit, or
 * null to skip it (a filter); it runs in the hub's publish, once per message.
 */
export class LiveSubscription<T> implements AsyncIterableIterator<T> {
  private readonly ring: Array<T | undefined>;
  private head = 0;
  private size = 0;
  private waiter: ((result: IteratorResult<T>) => void) | null = null;
  private failure: GraphqlApiError | null = null;
  private closed = false;
  private readonly unsubscribes: Array<() => void> = [];
  private readonly listener: LiveListener;

  constructor(
    hub: LiveHub,
    channels: readonly string[],
    private readonly map: (message: LiveMessage) => T | null,
    private readonly options: LiveSubscriptionOptions,
  ) {
    this.ring = new Array<T | undefined>(options.bufferSize);
    this.listener = (message) => this.offer(message);
    try {
      for (const channel of channels) this.unsubscribes.push(hub.subscribe(channel, this.listener));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.ring[this.head] as T;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.ring.length;
      this.size--;
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    this.clear();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<T>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** True once the subscription no longer listens on the hub. */
  get isClosed(): boolean {
    return this.closed;
  }

  private offer(message: LiveMessage): void {
    if (this.closed) return;
    const value = this.map(message);
    if (value === null) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value, done: false });
      return;
    }
    if (this.size === this.ring.length) {
      this.failure = new GraphqlApiError(
        'UNAVAILABLE',
        `this subscription fell more than ${this.ring.length} events behind the live feed and was ended; read faster or subscribe to fewer symbols, then subscribe again`,
      );
      this.clear();
      this.close();
      return;
    }
    this.ring[(this.head + this.size) % this.ring.length] = value;
    this.size++;
  }

  private clear(): void {
    this.ring.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes.length = 0;
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
    this.options.onClose?.();
  }
}
