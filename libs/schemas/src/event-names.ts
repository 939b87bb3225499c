import type {
  BookSnapshot,
  DlqRecord,
  EnrichedTrade,
  MicroBar,
  OrderBookMetrics,
  PriceAlert,
  Quote,
  RawTrade,
  ReferenceSymbol,
  Signal,
  StatusHeartbeat,
  TradeAggregate,
} from './types';

/**
 * Every event type tickflow puts on a topic, by the name of its TS interface. Each has
 * `avro/<name>.avsc` (the source of truth) and, for earlier schema versions, `avro/history/<name>.v<N>.avsc`.
 */
export const EVENT_NAMES = [
  'RawTrade',
  'Quote',
  'BookSnapshot',
  'ReferenceSymbol',
  'EnrichedTrade',
  'MicroBar',
  'Signal',
  'TradeAggregate',
  'OrderBookMetrics',
  'PriceAlert',
  'StatusHeartbeat',
  'DlqRecord',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Events of the raw topics, which also accept JSON from outside producers (`decodeRaw`). */
export const RAW_EVENT_NAMES = ['RawTrade', 'Quote', 'BookSnapshot'] as const satisfies readonly EventName[];
export type RawEventName = (typeof RAW_EVENT_NAMES)[number];

/** Event name → the TS type its schema decodes to. */
export interface EventTypeMap {
  RawTrade: RawTrade;
  Quote: Quote;
  BookSnapshot: BookSnapshot;
  ReferenceSymbol: ReferenceSymbol;
  EnrichedTrade: EnrichedTrade;
  MicroBar: MicroBar;
  Signal: Signal;
  TradeAggregate: TradeAggregate;
  OrderBookMetrics: OrderBookMetrics;
  PriceAlert: PriceAlert;
  StatusHeartbeat: StatusHeartbeat;
  DlqRecord: DlqRecord;
}

// Compile-time check that EVENT_NAMES and EventTypeMap list the same events.
type _SameEvents = [EventName] extends [keyof EventTypeMap]
  ? [keyof EventTypeMap] extends [EventName]
    ? true
    : never
  : never;
const _sameEvents: _SameEvents = true;
void _sameEvents;

export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}
