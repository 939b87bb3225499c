import type { BookSnapshot, Quote, RawTrade } from '@tickflow/schemas';

/** Raw input topics (design §2), all keyed by symbol. */
export type RawTopic = 'raw.trades' | 'raw.marketdata' | 'raw.orderbook';

/**
 * One event of the simulated feed. Valid events are typed values; malformed ones (which may not be
 * representable as the type at all) are raw bytes for the topic they would have gone to.
 */
export type SimEvent =
  | { kind: 'trade'; value: RawTrade }
  | { kind: 'quote'; value: Quote }
  | { kind: 'book'; value: BookSnapshot }
  | { kind: 'raw'; topic: RawTopic; bytes: Uint8Array };

/** The topic an event belongs on. */
export function simEventTopic(event: SimEvent): RawTopic {
  switch (event.kind) {
    case 'trade':
      return 'raw.trades';
    case 'quote':
      return 'raw.marketdata';
    case 'book':
      return 'raw.orderbook';
    case 'raw':
      return event.topic;
  }
}
