import type { SeededRandom } from './seeded-random';
import type { RawTopic, SimEvent } from './sim-event';

/** A malformed record: bytes no validator should accept, and which defect they carry. */
export interface MalformedEvent {
  topic: RawTopic;
  /** Stable name of the defect, e.g. `negative-price` (for tests and metrics, not on the wire). */
  defect: string;
  bytes: Uint8Array;
}

type Json = Record<string, unknown>;
type Defect = (rng: SeededRandom, record: Json) => string;

const encoder = new TextEncoder();
/** Stand-in value replaced in the JSON text by `1e999`, a valid JSON number that parses to Infinity. */
const INFINITY_MARK = '__tickflow_infinity__';

/** Defects that apply to any topic: the bytes are not a JSON object at all. */
const COMMON_DEFECTS: Readonly<Record<string, Defect>> = {
  'truncated-json': (rng, r) => {
    const text = JSON.stringify(r);
    // Every proper prefix of an object's JSON text is invalid: the closing brace is missing.
    return text.slice(0, 1 + rng.int(text.length - 1));
  },
  'not-an-object': (rng) => pick(rng, ['null', '[]', '42', '"trade"', 'true', '[{"symbol":"AAPL"}]']),
  // Decoded separately (random bytes are not UTF-8 text); see malformedEvent.
  'random-bytes': () => '',
  'empty-payload': () => '',
};

const BAD_SYMBOLS = ['', 'NOT A SYMBOL', '$$$', 'AAPL;DROP TABLE trades', 'X'.repeat(33), 'A'.repeat(4096)];
const NAN_LIKE = ['NaN', 'Infinity', '-Infinity', 'nan', 'null', ''];

const TRADE_DEFECTS: Readonly<Record<string, Defect>> = {
  'negative-price': (rng, r) => json({ ...r, price: -Math.abs(num(r.price)) - rng.int(5) }),
  'zero-quantity': (_rng, r) => json({ ...r, quantity: 0 }),
  'negative-quantity': (_rng, r) => json({ ...r, quantity: -Math.abs(num(r.quantity)) }),
  'unknown-side': (rng, r) => json({ ...r, side: pick(rng, ['HOLD', 'SHORT', 'B', 'UNKNOWN']) }),
  'unknown-status': (rng, r) => json({ ...r, status: pick(rng, ['UNKNOWN_STATUS', 'EXPIRED', 'PENDING', 'DONE']) }),
  'bad-symbol': (rng, r) => json({ ...r, symbol: pick(rng, BAD_SYMBOLS) }),
  'nan-like-string': (rng, r) => json({ ...r, [pick(rng, ['price', 'quantity'])]: pick(rng, NAN_LIKE) }),
  'non-finite-number': (rng, r) => json({ ...r, [pick(rng, ['price', 'quantity'])]: INFINITY_MARK }),
  'missing-field': (rng, r) => json(omit(r, pick(rng, ['trade_id', 'symbol', 'side', 'quantity', 'price', 'status', 'timestamp_ms']))),
  'wrong-type': (rng, r) =>
    json({ ...r, ...pick<Json>(rng, [{ timestamp_ms: '2024-01-02T14:30:00Z' }, { quantity: true }, { side: 1 }, { price: { value: 1 } }, { trade_id: 42 }]) }),
};

const QUOTE_DEFECTS: Readonly<Record<string, Defect>> = {
  'negative-price': (_rng, r) => json({ ...r, bid: -Math.abs(num(r.bid)) }),
  'negative-size': (_rng, r) => json({ ...r, ask_size: -1 }),
  'bad-symbol': (rng, r) => json({ ...r, symbol: pick(rng, BAD_SYMBOLS) }),
  'nan-like-string': (rng, r) => json({ ...r, [pick(rng, ['bid', 'ask'])]: pick(rng, NAN_LIKE) }),
  'non-finite-number': (rng, r) => json({ ...r, [pick(rng, ['bid', 'ask'])]: INFINITY_MARK }),
  'missing-field': (rng, r) => json(omit(r, pick(rng, ['symbol', 'bid', 'ask', 'timestamp_ms']))),
  'wrong-type': (rng, r) => json({ ...r, ...pick<Json>(rng, [{ timestamp_ms: 'now' }, { bid_size: 'lots' }, { symbol: 7 }]) }),
};

const BOOK_DEFECTS: Readonly<Record<string, Defect>> = {
  'levels-not-array': (rng, r) => json({ ...r, [pick(rng, ['bids', 'asks'])]: pick(rng, ['none', 42, { price: 1, quantity: 1 }]) }),
  'negative-price': (_rng, r) => json({ ...r, bids: levels(r.bids).map((l, i) => (i === 0 ? { ...l, price: -l.price } : l)) }),
  'nan-like-string': (rng, r) => json({ ...r, asks: levels(r.asks).map((l, i) => (i === 0 ? { ...l, quantity: pick(rng, NAN_LIKE) } : l)) }),
  'level-as-array': (_rng, r) => json({ ...r, bids: levels(r.bids).map((l) => [l.price, l.quantity]) }),
  'missing-field': (rng, r) => json(omit(r, pick(rng, ['symbol', 'bids', 'asks', 'timestamp_ms']))),
  'bad-symbol': (rng, r) => json({ ...r, symbol: pick(rng, BAD_SYMBOLS) }),
};

const DEFECTS_BY_TOPIC: Readonly<Record<RawTopic, readonly (readonly [string, Defect])[]>> = {
  'raw.trades': Object.entries({ ...TRADE_DEFECTS, ...COMMON_DEFECTS }),
  'raw.marketdata': Object.entries({ ...QUOTE_DEFECTS, ...COMMON_DEFECTS }),
  'raw.orderbook': Object.entries({ ...BOOK_DEFECTS, ...COMMON_DEFECTS }),
};

/** Names of the defects that can occur on each topic. */
export const MALFORMED_DEFECTS: Readonly<Record<RawTopic, readonly string[]>> = {
  'raw.trades': DEFECTS_BY_TOPIC['raw.trades'].map(([name]) => name),
  'raw.marketdata': DEFECTS_BY_TOPIC['raw.marketdata'].map(([name]) => name),
  'raw.orderbook': DEFECTS_BY_TOPIC['raw.orderbook'].map(([name]) => name),
};

/**
 * Derives a malformed record from a valid template event, with one defect drawn uniformly from
 * those of its topic. The template is not modified. For trades, `badId` replaces `trade_id` and
 * `correlation_id`, so a record that a lenient reader might still accept never shadows a valid
 * trade id.
 */
export function malformedEvent(rng: SeededRandom, template: Exclude<SimEvent, { kind: 'raw' }>, badId: string): MalformedEvent {
  const topic: RawTopic = template.kind === 'trade' ? 'raw.trades' : template.kind === 'quote' ? 'raw.marketdata' : 'raw.orderbook';
  const record: Json = template.kind === 'trade' ? { ...template.value, trade_id: badId, correlation_id: badId } : { ...template.value };
  const defects = DEFECTS_BY_TOPIC[topic];
  const [defect, make] = pick(rng, defects);
  if (defect === 'random-bytes') return { topic, defect, bytes: randomBytes(rng) };
  return { topic, defect, bytes: encoder.encode(make(rng, record)) };
}

/** 1–64 random bytes starting with a control byte, so they are neither JSON nor Avro (0xC3 0x01). */
function randomBytes(rng: SeededRandom): Uint8Array {
  const bytes = new Uint8Array(1 + rng.int(64));
  bytes[0] = rng.int(9);
  for (let i = 1; i < bytes.length; i++) bytes[i] = rng.int(256);
  return bytes;
}

function json(record: Json): string {
  return JSON.stringify(record).replace(`"${INFINITY_MARK}"`, '1e999');
}

function omit(record: Json, key: string): Json {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 1;
}

function levels(v: unknown): { price: number; quantity: number }[] {
  return Array.isArray(v) ? (v as { price: number; quantity: number }[]) : [];
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[rng.int(items.length)] ?? (items[0] as T);
}
