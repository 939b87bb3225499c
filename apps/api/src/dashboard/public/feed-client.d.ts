// Types for the browser module feed-client.js (its unit test imports it from TypeScript).
export interface FeedStatus {
  state: 'idle' | 'connecting' | 'live' | 'reconnecting' | 'auth-failed';
  detail: string;
  retryInMs?: number;
  attempt?: number;
}
export interface FeedClientOptions {
  onStatus: (s: FeedStatus) => void;
  onMessages: (messages: Array<{ channel: string; data: unknown }>) => void;
  url?: string;
  backoff?: (attempt: number) => number;
}
export declare class FeedClient {
  constructor(opts: FeedClientOptions);
  readonly opts: FeedClientOptions;
  readonly url: string;
  readonly channels: Set<string>;
  readonly attempt: number;
  connect(key: string): void;
  disconnect(): void;
  subscribe(channels: string[]): void;
  unsubscribe(channels: string[]): void;
}
