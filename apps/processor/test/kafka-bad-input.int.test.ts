import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, type Admin, type Kafka, type Message } from 'kafkajs';
import { TOPICS, type RawTopic } from '@tickflow/operators';
import { encode, type BookSnapshot, type DlqErrorType, type DlqRecord, type Quote, type RawTrade } from '@tickflow/schemas';
import { EVENT_TS_HEADER } from '../src/kafka/kafka-processor';
import { caughtUp, createTopics, ensureServices, kafkaClient, readAll, startProcessor, stopProcessor } from './kafka-harness';
import { REPO_ROOT } from './shared-data';

/*
 * A bad-input corpus against the real broker and Redis, through the `tickflow process` child process:
 * random bytes, truncated and corrupted Avro, JSON with wrong types and non-finite numbers, negative
 * and absurd values, 150–200 KB strings, unknown symbols, far-future timestamps, duplicates and
 * unknown statuses, interleaved with a few hundred valid trades, quotes and books.
 *
 * Every bad record carries the DLQ topic, error_type and error_code it must get, derived from the
 * rules (libs/schemas/src/errors.ts, libs/operators/src/{errors,trade-validator,validation-rules,
 * trade-router}.ts, design §2–§3), not from a run. DLQ records are matched to their input by
 * source topic/partition/offset; the offsets come from the broker's produce replies.
 */

type Row = Record<string, unknown>;
type DlqTopic = typeof TOPICS.dlqDeserialization | typeof TOPICS.dlqValidation | typeof TOPICS.dlqUnroutable;
type RoutedTopic = typeof TOPICS.tradesNew | typeof TOPICS.tradesFilled | typeof TOPICS.tradesCancelled | typeof TOPICS.tradesRejected;

interface Expected {
  dlq: DlqTopic;
  type: DlqErrorType;
  code: string;
}

/** Where a valid trade must come out. */
interface TradeExpectation {
  trade: RawTrade;
  routedTo: RoutedTopic;
  /** Filled / partially filled: also on enriched.trades. */
  enriched: boolean;
}

interface Input {
  label: string;
  topic: RawTopic;
  partition: number;
  key: string;
  /** The record value exactly as produced; null = a tombstone. */
  value: Buffer | null;
  /** The `event-ts` header (a string: one record carries garbage there). */
  eventTs: string;
  /** Bad input: the DLQ record it must produce. Null for valid input. */
  expected: Expected | null;
  trade?: TradeExpectation;
  book?: { symbol: string; timestampMs: number; crossed: boolean };
  /** Offset in its partition, from the broker's produce reply; -1 until produced. */
  offset: number;
}

const DESER = (code: string): Expected => ({ dlq: TOPICS.dlqDeserialization, type: 'DESERIALIZATION_ERROR', code });
const SCHEMA = (code: string): Expected => ({ dlq: TOPICS.dlqValidation, type: 'SCHEMA_VIOLATION', code });
const RULE = (code: string): Expected => ({ dlq: TOPICS.dlqValidation, type: 'BUSINESS_RULE_VIOLATION', code });
const UNROUTABLE: Expected = { dlq: TOPICS.dlqUnroutable, type: 'UNROUTABLE', code: 'STATUS_UNROUTABLE' };
const DUPLICATE: Expected = { dlq: TOPICS.dlqValidation, type: 'DUPLICATE', code: 'DUPLICATE_TRADE_ID' };

const DLQ_TOPICS = [TOPICS.dlqDeserialization, TOPICS.dlqValidation, TOPICS.dlqUnroutable, TOPICS.dlqProcessingErrors, TOPICS.dlqLateEvents] as const;
const ROUTED_TOPICS: readonly RoutedTopic[] = [TOPICS.tradesNew, TOPICS.tradesFilled, TOPICS.tradesCancelled, TOPICS.tradesRejected];
const ROUTE_OF_STATUS: Record<string, RoutedTopic> = {
  NEW: TOPICS.tradesNew,
  FILLED: TOPICS.tradesFilled,
  PARTIALLY_FILLED: TOPICS.tradesFilled,
  CANCELLED: TOPICS.tradesCancelled,
  REJECTED: TOPICS.tradesRejected,
};

const PARTITIONS = 2;
/** kafkajs writes one record batch per partition and send; the broker refuses batches above 1 MiB. */
const MAX_SEND_BYTES = 512 * 1024;

interface Reference {
  company_name: string;
  sector: string;
  industry: string;
  market_cap_tier: string;
  exchange: string;
}

/** The processor's built-in reference data, read independently of its loader. */
function loadReferenceCsv(): Map<string, Reference> {
  const [header, ...lines] = readFileSync(join(REPO_ROOT, 'apps', 'processor', 'reference', 'symbols.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (header !== 'symbol,company_name,sector,industry,market_cap_tier,exchange') throw new Error(`unexpected symbols.csv header: ${header}`);
  return new Map(
    lines.map((line) => {
      const cells = line.split(',');
      if (cells.length !== 6) throw new Error(`symbols.csv line is not 6 plain cells: ${line}`);
      const [symbol, company_name, sector, industry, market_cap_tier, exchange] = cells as [string, string, string, string, string, string];
      return [symbol, { company_name, sector, industry, market_cap_tier, exchange }];
    }),
  );
}

/** Deterministic PRNG (mulberry32): the corpus is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random bytes whose first byte is neither Avro's C3, JSON's `{`, a UTF-8 BOM nor whitespace: BAD_MAGIC by the codec's rules. */
function randomBytes(rand: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(rand() * 256);
  if ([0xc3, 0x7b, 0xef, 0x20, 0x0a, 0x0d, 0x09].includes(b[0]!)) b[0] = 0x00;
  return b;
}

/** JSON of `obj` with `field` written as a raw literal (`1e999`, `NaN`) that JSON.stringify cannot produce. */
function jsonWithLiteral(obj: Row, field: string, literal: string): Buffer {
  const marker = '\u0000LITERAL\u0000';
  return Buffer.from(JSON.stringify({ ...obj, [field]: marker }).replace(JSON.stringify(marker), literal));
}

/** Overwrites the one occurrence of the double `from` (little-endian, as Avro writes it) with `to`. */
function patchDouble(avro: Buffer, from: number, to: number): Buffer {
  const needle = Buffer.alloc(8);
  needle.writeDoubleLE(from);
  const at = avro.indexOf(needle);
  if (at < 0 || avro.indexOf(needle, at + 1) >= 0) throw new Error(`double ${from} is not in the payload exactly once`);
  const out = Buffer.from(avro);
  out.writeDoubleLE(to, at);
  return out;
}

/** A trade as an outside JSON producer sends it: no envelope fields (the codec defaults them). */
function outsideJson(t: RawTrade): Row {
  const { event_ts: _e, ingest_ts: _i, seq: _s, source: _so, correlation_id: _c, version: _v, exchange: _x, ...rest } = t;
  return rest;
}

const envelope = (ts: number, id: string) => ({ event_ts: ts, ingest_ts: ts, seq: 0, source: 'bad-input-test', correlation_id: id, version: 1 });

function rawTrade(id: string, symbol: string, ts: number, over: Partial<RawTrade> = {}): RawTrade {
  return {
    trade_id: id,
    order_id: `O-${id}`,
    symbol,
    side: id.length % 2 === 0 ? 'BUY' : 'SELL',
    quantity: 10,
    price: 100.25,
    status: 'FILLED',
    exchange: 'TEST',
    trader_id: 'TR-1',
    account_id: 'AC-1',
    timestamp_ms: ts,
    event_type: 'TRADE',
    ...envelope(ts, id),
    ...over,
  };
}

function quote(symbol: string, ts: number, over: Partial<Quote> = {}): Quote {
  return { symbol, timestamp_ms: ts, bid: 99.5, bid_size: 3, ask: 100.5, ask_size: 4, last: null, exchange: 'TEST', ...envelope(ts, `${symbol}:${ts}`), ...over };
}

function book(symbol: string, ts: number, over: Partial<BookSnapshot> = {}): BookSnapshot {
  return {
    symbol,
    timestamp_ms: ts,
    bids: [{ price: 99.5, quantity: 2 }, { price: 99.25, quantity: 5 }, { price: 99, quantity: 1 }],
    asks: [{ price: 100.5, quantity: 3 }, { price: 100.75, quantity: 1 }, { price: 101, quantity: 7 }],
    exchange: 'TEST',
    ...envelope(ts, `${symbol}:${ts}`),
    ...over,
  };
}

/** What a bad-record factory gets: the slot's event time and the valid trades produced before it. */
interface SlotContext {
  ts: number;
  earlier: ReadonlyMap<string, Input>;
}

interface BadSpec {
  label: string;
  topic: RawTopic;
  expected: Expected;
  make: (c: SlotContext) => { value: Buffer | null; partition?: number; eventTs?: string };
}

const YEAR_MS = 365 * 86_400_000;
const HUGE = 200_000;

/** The bad corpus. Each expectation cites the rule it comes from. */
function badSpecs(rand: () => number, nowMs: number): BadSpec[] {
  const T = TOPICS.rawTrades;
  const Q = TOPICS.rawMarketData;
  const B = TOPICS.rawOrderBook;
  const avro = (t: RawTrade) => encode('RawTrade', t);
  const json = (o: Row) => Buffer.from(JSON.stringify(o));
  const tr = (c: SlotContext, id: string, over: Partial<RawTrade> = {}) => rawTrade(id, 'AAPL', c.ts, over);
  const specs: BadSpec[] = [];
  const add = (label: string, topic: RawTopic, expected: Expected, make: BadSpec['make']) => specs.push({ label, topic, expected, make });

  // ── Not readable as any version of the event → dlq.deserialization (schemas/errors.ts) ──
  for (const length of [1, 7, 64, 333, 2048]) add(`random bytes (${length} B)`, T, DESER('BAD_MAGIC'), () => ({ value: randomBytes(rand, length) }));
  add('zero-length value', T, DESER('EMPTY_PAYLOAD'), () => ({ value: Buffer.alloc(0) }));
  add('tombstone (null value)', T, DESER('EMPTY_PAYLOAD'), () => ({ value: null }));
  add('only whitespace', T, DESER('EMPTY_PAYLOAD'), () => ({ value: Buffer.from(' \n\t\r ') }));
  add('plain text', T, DESER('BAD_MAGIC'), () => ({ value: Buffer.from('not json at all') }));
  add('JSON array instead of an object', T, DESER('BAD_MAGIC'), (c) => ({ value: json([outsideJson(tr(c, 'B-ARRAY'))] as unknown as Row) }));
  add('Avro truncated inside the body', T, DESER('TRUNCATED'), (c) => {
    const full = avro(tr(c, 'B-TRUNC-BODY', { correlation_id: 'a-correlation-id-long-enough-to-cut' }));
    return { value: full.subarray(0, full.length - 6) }; // the int `version` (1 byte) and 5 bytes of correlation_id
  });
  add('Avro truncated inside the header', T, DESER('TRUNCATED'), (c) => ({ value: avro(tr(c, 'B-TRUNC-HDR')).subarray(0, 6) }));
  add('Avro with a corrupted schema fingerprint', T, DESER('UNKNOWN_FINGERPRINT'), (c) => {
    const v = Buffer.from(avro(tr(c, 'B-FINGERPRINT')));
    v[5] = v[5]! ^ 0xff;
    return { value: v };
  });
  add('Avro with a bad second magic byte', T, DESER('BAD_MAGIC'), (c) => {
    const v = Buffer.from(avro(tr(c, 'B-MAGIC')));
    v[1] = 0x02;
    return { value: v };
  });
  add('Avro Quote written to raw.trades', T, DESER('EVENT_TYPE_MISMATCH'), (c) => ({ value: encode('Quote', quote('AAPL', c.ts)) }));
  add('Avro with trailing bytes', T, DESER('TRAILING_BYTES'), (c) => ({ value: Buffer.concat([avro(tr(c, 'B-TRAILING')), Buffer.from([0, 1, 2])]) }));
  add('Avro with an enum index out of range (side = 5)', T, DESER('MALFORMED_BODY'), (c) => {
    const t = tr(c, 'B-ENUM');
    const v = Buffer.from(avro(t));
    // Header (10) + three short strings (1-byte length + ASCII) precede the `side` enum varint.
    const at = 10 + 3 + t.trade_id.length + t.order_id.length + t.symbol.length;
    if (v[at] !== (t.side === 'BUY' ? 0 : 2)) throw new Error('side is not where expected');
    v[at] = 0x0a; // zigzag 5
    return { value: v };
  });
  add('JSON with a bare NaN', T, DESER('INVALID_JSON'), (c) => ({ value: jsonWithLiteral(outsideJson(tr(c, 'B-NAN-LITERAL')), 'price', 'NaN') }));
  add('JSON cut in the middle', T, DESER('INVALID_JSON'), (c) => ({ value: json(outsideJson(tr(c, 'B-JSON-CUT'))).subarray(0, 40) }));
  add('JSON that is not UTF-8', T, DESER('INVALID_JSON'), () => ({ value: Buffer.concat([Buffer.from('{"trade_id":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]) }));

  // ── Readable, but a field does not fit the schema → dlq.validation, SCHEMA_VIOLATION ──
  add('JSON price as a string', T, SCHEMA('WRONG_TYPE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-PRICE-STR')), price: '101.5' }) }));
  add('JSON price "NaN" as a string', T, SCHEMA('WRONG_TYPE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-PRICE-NANSTR')), price: 'NaN' }) }));
  add('JSON price null', T, SCHEMA('WRONG_TYPE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-PRICE-NULL')), price: null }) }));
  add('JSON trade_id as a number', T, SCHEMA('WRONG_TYPE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-ID-NUM')), trade_id: 12345 }) }));
  add('JSON timestamp_ms 1.5 (not a long)', T, SCHEMA('WRONG_TYPE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-TS-FRACTION')), timestamp_ms: 1.5 }) }));
  add('JSON timestamp_ms 1e20 (beyond 2^53)', T, SCHEMA('LONG_OUT_OF_RANGE'), (c) => ({ value: jsonWithLiteral(outsideJson(tr(c, 'B-TS-HUGE')), 'timestamp_ms', '100000000000000000000') }));
  add('JSON price 1e999 (Infinity)', T, SCHEMA('NOT_FINITE'), (c) => ({ value: jsonWithLiteral(outsideJson(tr(c, 'B-PRICE-INF')), 'price', '1e999') }));
  add('JSON quantity -1e999 (-Infinity)', T, SCHEMA('NOT_FINITE'), (c) => ({ value: jsonWithLiteral(outsideJson(tr(c, 'B-QTY-NEGINF')), 'quantity', '-1e999') }));
  add('JSON side "buy" (not an enum symbol)', T, SCHEMA('INVALID_ENUM'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-SIDE')), side: 'buy' }) }));
  add('JSON without trade_id', T, SCHEMA('MISSING_FIELD'), (c) => {
    const { trade_id: _id, ...rest } = outsideJson(tr(c, 'B-MISSING'));
    return { value: json(rest) };
  });
  add('Avro price NaN', T, SCHEMA('NOT_FINITE'), (c) => ({ value: patchDouble(avro(tr(c, 'B-AVRO-NAN', { price: 4321.123456 })), 4321.123456, Number.NaN) }));
  add('Avro quantity +Infinity', T, SCHEMA('NOT_FINITE'), (c) => ({ value: patchDouble(avro(tr(c, 'B-AVRO-INF', { quantity: 7.654321 })), 7.654321, Number.POSITIVE_INFINITY) }));
  // Required fields (trade-validator: REQUIRED_FIELD_EMPTY is a SCHEMA_VIOLATION in operators/errors.ts).
  add('Avro empty trade_id', T, SCHEMA('REQUIRED_FIELD_EMPTY'), (c) => ({ value: avro(tr(c, 'B-EMPTY-ID', { trade_id: '' })) }));
  add('JSON empty symbol', T, SCHEMA('REQUIRED_FIELD_EMPTY'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-EMPTY-SYM')), symbol: '' }) }));
  add('Avro empty status', T, SCHEMA('REQUIRED_FIELD_EMPTY'), (c) => ({ value: avro(tr(c, 'B-EMPTY-STATUS', { status: '' })) }));

  // ── Business rules (validation-rules.ts: price ≤ 1e9, quantity ≤ 1e12, ids ≤ 64 chars, 2000-01-01 ≤ ts ≤ now + 1 day) ──
  add('Avro negative quantity', T, RULE('QUANTITY_NOT_POSITIVE'), (c) => ({ value: avro(tr(c, 'B-QTY-NEG', { quantity: -5 })) }));
  add('JSON zero quantity', T, RULE('QUANTITY_NOT_POSITIVE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-QTY-ZERO')), quantity: 0 }) }));
  add('Avro zero price', T, RULE('PRICE_NOT_POSITIVE'), (c) => ({ value: avro(tr(c, 'B-PRICE-ZERO', { price: 0 })) }));
  add('JSON negative price', T, RULE('PRICE_NOT_POSITIVE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-PRICE-NEG')), price: -100 }) }));
  add('Avro price 1e15', T, RULE('PRICE_ABSURD'), (c) => ({ value: avro(tr(c, 'B-PRICE-ABSURD', { price: 1e15 })) }));
  add('Avro price Number.MAX_VALUE', T, RULE('PRICE_ABSURD'), (c) => ({ value: avro(tr(c, 'B-PRICE-MAX', { price: Number.MAX_VALUE })) }));
  add('Avro quantity 1e13', T, RULE('QUANTITY_ABSURD'), (c) => ({ value: avro(tr(c, 'B-QTY-ABSURD', { quantity: 1e13 })) }));
  add('Avro timestamp 10 years ahead', T, RULE('TIMESTAMP_IN_FUTURE'), () => {
    const ts = nowMs + 10 * YEAR_MS;
    return { value: avro(rawTrade('B-FUTURE-10Y', 'AAPL', ts)), eventTs: String(ts) };
  });
  add('JSON timestamp 2 days ahead', T, RULE('TIMESTAMP_IN_FUTURE'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-FUTURE-2D')), timestamp_ms: nowMs + 2 * 86_400_000 }) }));
  add('Avro timestamp in 1990', T, RULE('TIMESTAMP_TOO_OLD'), (c) => ({ value: avro(tr(c, 'B-OLD-1990', { timestamp_ms: Date.UTC(1990, 0, 1) })) }));
  add('Avro timestamp -1', T, RULE('TIMESTAMP_TOO_OLD'), (c) => ({ value: avro(tr(c, 'B-TS-NEG', { timestamp_ms: -1 })) }));
  add('Avro lowercase symbol', T, RULE('SYMBOL_FORMAT'), (c) => ({ value: avro(tr(c, 'B-SYM-LOWER', { symbol: 'aapl' })) }));
  add('Avro non-ASCII symbol', T, RULE('SYMBOL_FORMAT'), (c) => ({ value: avro(tr(c, 'B-SYM-UNICODE', { symbol: 'ÄPPL' })) }));
  add(`JSON ${HUGE / 1000} KB symbol`, T, RULE('SYMBOL_FORMAT'), (c) => ({ value: json({ ...outsideJson(tr(c, 'B-SYM-HUGE')), symbol: 'A'.repeat(HUGE) }) }));
  add(`Avro ${HUGE / 1000} KB trader_id`, T, RULE('FIELD_TOO_LONG'), (c) => ({ value: avro(tr(c, 'B-TRADER-HUGE', { trader_id: 'x'.repeat(HUGE) })) }));
  add('Avro 150 KB status', T, RULE('FIELD_TOO_LONG'), (c) => ({ value: avro(tr(c, 'B-STATUS-HUGE', { status: 'FILLED'.repeat(25_000) })) }));
  add('JSON 65-char trade_id', T, RULE('FIELD_TOO_LONG'), (c) => ({ value: json(outsideJson(tr(c, `B-${'9'.repeat(63)}`))) }));

  // ── Unknown status → dlq.trades.unroutable (router; statuses are untrusted map keys) ──
  add('Avro status MYSTERY', T, UNROUTABLE, (c) => ({ value: avro(tr(c, 'B-MYSTERY', { status: 'MYSTERY' })) }));
  add('JSON status __proto__', T, UNROUTABLE, (c) => ({ value: json({ ...outsideJson(tr(c, 'B-PROTO')), status: '__proto__' }) }));
  add('JSON status toString', T, UNROUTABLE, (c) => ({ value: json({ ...outsideJson(tr(c, 'B-TOSTRING')), status: 'toString' }) }));

  // ── Duplicates of valid trades (dedup by trade_id per task → dlq.validation, DUPLICATE) ──
  add('exact retransmission of a valid Avro trade', T, DUPLICATE, (c) => {
    const original = [...c.earlier.values()].find((i) => i.value?.[0] === 0xc3)!;
    return { value: Buffer.from(original.value!), partition: original.partition };
  });
  add('JSON reusing the trade_id of a valid trade with another price', T, DUPLICATE, (c) => {
    const original = [...c.earlier.values()].find((i) => i.value?.[0] === 0x7b)!;
    return { value: json({ ...outsideJson(original.trade!.trade), price: 123.5 }), partition: original.partition };
  });

  // ── A non-numeric event-ts header: the record still goes through (falls back to the Kafka timestamp) ──
  add('random bytes with a garbage event-ts header', T, DESER('BAD_MAGIC'), () => ({ value: randomBytes(rand, 100), eventTs: 'not-a-number' }));

  // ── raw.marketdata (validateQuote) ──
  add('random bytes on raw.marketdata', Q, DESER('BAD_MAGIC'), () => ({ value: randomBytes(rand, 500) }));
  add('Avro RawTrade written to raw.marketdata', Q, DESER('EVENT_TYPE_MISMATCH'), (c) => ({ value: avro(tr(c, 'B-TRADE-AS-QUOTE')) }));
  add('truncated Avro quote', Q, DESER('TRUNCATED'), (c) => {
    const full = encode('Quote', quote('MSFT', c.ts, { correlation_id: 'quote-correlation-id-to-cut' }));
    return { value: full.subarray(0, full.length - 6) };
  });
  add('JSON quote with bid as a string', Q, SCHEMA('WRONG_TYPE'), (c) => ({ value: json({ symbol: 'MSFT', timestamp_ms: c.ts, bid: '1.0', bid_size: 1, ask: 2, ask_size: 1 }) }));
  add('crossed quote (bid > ask)', Q, RULE('QUOTE_CROSSED'), (c) => ({ value: encode('Quote', quote('MSFT', c.ts, { bid: 101, ask: 100 })) }));
  add('quote with a negative bid_size', Q, RULE('SIZE_NEGATIVE'), (c) => ({ value: encode('Quote', quote('MSFT', c.ts, { bid_size: -1 })) }));
  add('quote with a zero bid', Q, RULE('PRICE_NOT_POSITIVE'), (c) => ({ value: encode('Quote', quote('MSFT', c.ts, { bid: 0 })) }));
  add('quote 10 years ahead', Q, RULE('TIMESTAMP_IN_FUTURE'), () => ({ value: encode('Quote', quote('MSFT', nowMs + 10 * YEAR_MS)) }));

  // ── raw.orderbook (validateBook; a crossed book is valid, see the valid inputs) ──
  add('random bytes on raw.orderbook', B, DESER('BAD_MAGIC'), () => ({ value: randomBytes(rand, 900) }));
  add('truncated Avro book', B, DESER('TRUNCATED'), (c) => {
    const full = encode('BookSnapshot', book('NVDA', c.ts, { correlation_id: 'book-correlation-id-to-cut' }));
    return { value: full.subarray(0, full.length - 6) };
  });
  add('JSON book with a level price 1e999', B, SCHEMA('NOT_FINITE'), (c) => ({
    value: Buffer.from(`{"symbol":"NVDA","timestamp_ms":${c.ts},"bids":[{"price":1e999,"quantity":1}],"asks":[{"price":101,"quantity":1}]}`),
  }));
  add('book with bids not descending', B, RULE('BOOK_LEVELS_UNORDERED'), (c) => ({
    value: encode('BookSnapshot', book('NVDA', c.ts, { bids: [{ price: 99, quantity: 1 }, { price: 99.5, quantity: 1 }] })),
  }));
  add('book with a negative level quantity', B, RULE('SIZE_NEGATIVE'), (c) => ({ value: encode('BookSnapshot', book('NVDA', c.ts, { asks: [{ price: 100.5, quantity: -2 }] })) }));
  add('book with 1001 bid levels', B, RULE('BOOK_TOO_DEEP'), (c) => ({
    value: encode('BookSnapshot', book('NVDA', c.ts, { bids: Array.from({ length: 1001 }, (_, i) => ({ price: 99 - i * 0.01, quantity: 1 })) })),
  }));
  return specs;
}

const STATUSES = ['FILLED', 'NEW', 'CANCELLED', 'FILLED', 'REJECTED', 'PARTIALLY_FILLED', 'FILLED', 'NEW'];

/**
 * Builds the first batch: `validCount` valid trades (Avro, and every 4th as outside JSON) over the
 * known symbols plus two unknown ones, a bad record after every 5th valid trade, a valid quote every
 * 8th and a valid book every 16th. Event time grows by 25 ms per slot, so no valid trade is late.
 */
function buildCorpus(reference: ReadonlyMap<string, Reference>, nowMs: number, validCount: number): { inputs: Input[]; lastTs: number } {
  const rand = prng(20240808);
  const symbols = [...reference.keys(), 'ZZNOTLISTED', 'NOPE-X'];
  const partitionOf = (symbol: string) => Math.max(0, symbols.indexOf(symbol)) % PARTITIONS;
  const specs = badSpecs(rand, nowMs);
  const inputs: Input[] = [];
  const earlier = new Map<string, Input>();
  let ts = nowMs - 30 * 60_000;
  let badIndex = 0;
  const pushBad = (spec: BadSpec) => {
    const fallback = badIndex % PARTITIONS;
    const made = spec.make({ ts, earlier });
    inputs.push({ label: spec.label, topic: spec.topic, partition: made.partition ?? fallback, key: 'BAD', value: made.value, eventTs: made.eventTs ?? String(ts), expected: spec.expected, offset: -1 });
    badIndex++;
  };
  for (let i = 0; i < validCount; i++) {
    ts += 25;
    const symbol = symbols[i % symbols.length]!;
    const status = i === 37 || i === 171 ? 'filled' : STATUSES[i % STATUSES.length]!; // the router is case-insensitive
    const id = `V-${String(i).padStart(4, '0')}`;
    const trade = rawTrade(id, symbol, ts, { price: 100 + (i % 7) * 0.25, quantity: 1 + (i % 5), side: i % 3 === 0 ? 'SELL' : 'BUY', status });
    const asJson = i % 4 === 3;
    const value = asJson ? Buffer.from((i % 8 === 7 ? '\uFEFF  ' : '') + JSON.stringify(outsideJson(trade))) : encode('RawTrade', trade);
    const routedTo = ROUTE_OF_STATUS[status.toUpperCase()]!;
    const input: Input = {
      label: `valid ${status} ${symbol} ${asJson ? 'JSON' : 'Avro'} trade ${id}`,
      topic: TOPICS.rawTrades,
      partition: partitionOf(symbol),
      key: symbol,
      value,
      eventTs: String(ts),
      expected: null,
      trade: { trade, routedTo, enriched: routedTo === TOPICS.tradesFilled },
      offset: -1,
    };
    inputs.push(input);
    earlier.set(id, input);
    if (i % 8 === 4) {
      ts += 25;
      const q = quote(symbol, ts, i % 16 === 4 ? { bid: 100, ask: 100, last: 100 } : {}); // every other one locked (bid = ask): valid
      inputs.push({ label: `valid quote ${symbol}`, topic: TOPICS.rawMarketData, partition: partitionOf(symbol), key: symbol, value: encode('Quote', q), eventTs: String(ts), expected: null, offset: -1 });
    }
    if (i % 16 === 9) {
      ts += 25;
      const crossed = i % 32 === 9;
      const b = crossed ? book(symbol, ts, { bids: [{ price: 101, quantity: 1 }, { price: 100, quantity: 1 }] }) : book(symbol, ts);
      inputs.push({
        label: `valid ${crossed ? 'crossed ' : ''}book ${symbol}`,
        topic: TOPICS.rawOrderBook,
        partition: partitionOf(symbol),
        key: symbol,
        value: encode('BookSnapshot', b),
        eventTs: String(ts),
        expected: null,
        book: { symbol, timestampMs: ts, crossed },
        offset: -1,
      });
    }
    if (i % 5 === 4 && badIndex < specs.length) {
      ts += 25;
      pushBad(specs[badIndex]!);
    }
  }
  while (badIndex < specs.length) {
    ts += 25;
    pushBad(specs[badIndex]!);
  }
  return { inputs, lastTs: ts };
}

/** Valid trades produced after the garbage, with later event times. */
function secondBatch(firstTs: number, count: number): Input[] {
  return Array.from({ length: count }, (_, i) => {
    const ts = firstTs + i * 25;
    const symbol = i % 2 === 0 ? 'AAPL' : 'MSFT';
    const status = i % 3 === 0 ? 'NEW' : 'FILLED';
    const id = `W-${String(i).padStart(4, '0')}`;
    const trade = rawTrade(id, symbol, ts, { price: 101 + i * 0.01, status });
    const routedTo = ROUTE_OF_STATUS[status]!;
    return {
      label: `second-batch ${status} ${symbol} trade ${id}`,
      topic: TOPICS.rawTrades,
      partition: i % PARTITIONS,
      key: symbol,
      value: i % 4 === 1 ? Buffer.from(JSON.stringify(outsideJson(trade))) : encode('RawTrade', trade),
      eventTs: String(ts),
      expected: null,
      trade: { trade, routedTo, enriched: routedTo === TOPICS.tradesFilled },
      offset: -1,
    } satisfies Input;
  });
}

/**
 * Produces the inputs, in order within each partition, with explicit partitions, and records each
 * one's offset from the broker's reply (base offset of its send + position in it).
 */
async function produceInputs(kafka: Kafka, prefix: string, inputs: readonly Input[]): Promise<void> {
  const byPartition = new Map<string, Input[]>();
  for (const input of inputs) {
    const k = `${input.topic}|${input.partition}`;
    const list = byPartition.get(k) ?? [];
    list.push(input);
    byPartition.set(k, list);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const list of byPartition.values()) {
      for (let start = 0; start < list.length; ) {
        let end = start;
        let bytes = 0;
        while (end < list.length && (end === start || bytes + (list[end]!.value?.length ?? 0) + 64 <= MAX_SEND_BYTES)) bytes += (list[end++]!.value?.length ?? 0) + 64;
        const chunk = list.slice(start, end);
        const messages: Message[] = chunk.map((i) => ({ key: i.key, value: i.value, partition: i.partition, headers: { [EVENT_TS_HEADER]: i.eventTs } }));
        const [meta, ...more] = await producer.send({ topic: prefix + chunk[0]!.topic, acks: -1, messages });
        const base = Number(meta?.baseOffset ?? meta?.offset);
        if (!meta || more.length > 0 || meta.partition !== chunk[0]!.partition || !Number.isInteger(base) || base < 0) {
          throw new Error(`unexpected produce reply for ${chunk[0]!.topic}/${chunk[0]!.partition}: ${JSON.stringify([meta, ...more])}`);
        }
        chunk.forEach((input, j) => (input.offset = base + j));
        start = end;
      }
    }
  } finally {
    await producer.disconnect();
  }
}

const coord = (topic: string, partition: number, offset: number | string) => `${topic}|${partition}|${offset}`;
const tradeId = (r: Row) => String(r['trade_id']);

describe('a bad-input corpus through `tickflow process` on the real broker: each record lands in its DLQ, nothing valid is lost, the processor keeps running', () => {
  const prefix = `badin${process.pid}x${Date.now()}.`;
  const groupId = `${prefix}processor`;
  const reference = loadReferenceCsv();
  const nowMs = Date.now();
  const { inputs, lastTs } = buildCorpus(reference, nowMs, 320);
  const bad = inputs.filter((i) => i.expected !== null);
  const validTrades = inputs.filter((i) => i.trade !== undefined);
  const validBooks = inputs.filter((i) => i.book !== undefined);
  const later = secondBatch(lastTs + 5_000, 24);
  const byCoord = new Map<string, Input>();

  let kafka: Kafka;
  let admin: Admin;
  let processor: ReturnType<typeof startProcessor>;
  let firstOutputs: Promise<Map<string, Row[]>> | null = null;

  const logTail = () => processor.logs.slice(-5).join(' | ');

  async function waitCaughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await caughtUp(admin, prefix, groupId))) {
      if (processor.exitCode !== null || processor.signalCode !== null) throw new Error(`processor exited (${processor.exitCode ?? processor.signalCode}) before catching up: ${logTail()}`);
      if (Date.now() > deadline) throw new Error(`processor did not commit the end of its input within ${timeoutMs} ms: ${logTail()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** Every committed record of the topics, read in parallel. */
  async function readTopics(topics: readonly string[]): Promise<Map<string, Row[]>> {
    const rows = await Promise.all(topics.map((t) => readAll(kafka, prefix, t)));
    return new Map(topics.map((t, i) => [t, rows[i]!]));
  }

  /** The outputs of the first batch, read once, after the processor has committed all of it. */
  function outputsOfFirstBatch(): Promise<Map<string, Row[]>> {
    firstOutputs ??= waitCaughtUp(90_000).then(() => readTopics([...DLQ_TOPICS, ...ROUTED_TOPICS, TOPICS.enrichedTrades, TOPICS.orderBookMetrics]));
    return firstOutputs;
  }

  /** DLQ records by the source coordinates they name (topic without the test prefix). */
  function dlqByCoord(outputs: Map<string, Row[]>): Map<string, Array<{ topic: string; row: DlqRecord }>> {
    const found = new Map<string, Array<{ topic: string; row: DlqRecord }>>();
    for (const topic of DLQ_TOPICS) {
      for (const row of outputs.get(topic)!) {
        const d = row as unknown as DlqRecord;
        const source = d.source_topic.startsWith(prefix) ? d.source_topic.slice(prefix.length) : d.source_topic;
        const k = coord(source, d.source_partition, d.source_offset);
        const list = found.get(k) ?? [];
        list.push({ topic, row: d });
        found.set(k, list);
      }
    }
    return found;
  }

  /** Problems with the routing of `trades` in `outputs` (empty = each routed once, intact, and enriched iff filled). */
  function routingProblems(outputs: Map<string, Row[]>, trades: readonly Input[]): string[] {
    const problems: string[] = [];
    const routed = new Map<string, Array<{ topic: string; row: Row }>>();
    for (const topic of ROUTED_TOPICS) for (const row of outputs.get(topic)!) routed.set(tradeId(row), [...(routed.get(tradeId(row)) ?? []), { topic, row }]);
    const enriched = new Map<string, Row[]>();
    for (const row of outputs.get(TOPICS.enrichedTrades)!) enriched.set(tradeId(row), [...(enriched.get(tradeId(row)) ?? []), row]);
    const pick = (r: Row) => ({ order_id: r['order_id'], symbol: r['symbol'], side: r['side'], quantity: r['quantity'], price: r['price'], status: r['status'], timestamp_ms: r['timestamp_ms'] });
    for (const input of trades) {
      const { trade, routedTo } = input.trade!;
      const got = routed.get(trade.trade_id) ?? [];
      if (got.length !== 1 || got[0]!.topic !== routedTo) {
        problems.push(`${input.label}: expected once on ${routedTo}, found on [${got.map((g) => g.topic).join(', ')}]`);
        continue;
      }
      if (JSON.stringify(pick(got[0]!.row)) !== JSON.stringify(pick(trade as unknown as Row))) problems.push(`${input.label}: routed fields differ: ${JSON.stringify(pick(got[0]!.row))}`);
      const e = enriched.get(trade.trade_id) ?? [];
      if (!input.trade!.enriched) {
        if (e.length > 0) problems.push(`${input.label}: not an execution, yet on enriched.trades`);
        continue;
      }
      if (e.length !== 1) {
        problems.push(`${input.label}: expected once on enriched.trades, found ${e.length}`);
        continue;
      }
      const ref = reference.get(trade.symbol);
      const want = ref
        ? { company_name: ref.company_name, sector: ref.sector, industry: ref.industry, market_cap_tier: ref.market_cap_tier, listed_exchange: ref.exchange }
        : { company_name: 'UNKNOWN', sector: 'UNKNOWN', industry: 'UNKNOWN', market_cap_tier: 'UNKNOWN', listed_exchange: 'UNKNOWN' };
      const row = e[0]!;
      const gotRef = { company_name: row['company_name'], sector: row['sector'], industry: row['industry'], market_cap_tier: row['market_cap_tier'], listed_exchange: row['listed_exchange'] };
      if (JSON.stringify(gotRef) !== JSON.stringify(want)) problems.push(`${input.label}: enriched with ${JSON.stringify(gotRef)}, expected ${JSON.stringify(want)}`);
      if (JSON.stringify(pick(row)) !== JSON.stringify(pick(trade as unknown as Row))) problems.push(`${input.label}: enriched fields differ: ${JSON.stringify(pick(row))}`);
    }
    const wanted = new Set(trades.map((t) => t.trade!.trade.trade_id));
    for (const id of routed.keys()) if (!wanted.has(id)) problems.push(`routed a trade that is not a valid input: ${JSON.stringify(id.slice(0, 80))}`);
    for (const id of enriched.keys()) if (!wanted.has(id)) problems.push(`enriched a trade that is not a valid input: ${JSON.stringify(id.slice(0, 80))}`);
    return problems;
  }

  beforeAll(async () => {
    const { brokers, redisUrl } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, PARTITIONS);
    await produceInputs(kafka, prefix, inputs);
    for (const i of inputs) byCoord.set(coord(i.topic, i.partition, i.offset), i);
    // The offsets from the produce replies account for every record and nothing else.
    for (const topic of [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook]) {
      const highs = await admin.fetchTopicOffsets(prefix + topic);
      for (const h of highs) expect(Number(h.high), `${topic}/${h.partition} end offset`).toBe(inputs.filter((i) => i.topic === topic && i.partition === h.partition).length);
    }
    expect(byCoord.size).toBe(inputs.length);
    processor = startProcessor({ KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_GROUP: groupId, TICKFLOW_CHECKPOINT_MS: '300' });
  }, 180_000);

  afterAll(async () => {
    if (processor) await stopProcessor(processor, 'SIGKILL');
    await admin?.disconnect();
  });

  it('the corpus covers every input topic and both partitions, with huge values under the broker limit', () => {
    expect(bad.length).toBeGreaterThanOrEqual(60);
    expect(validTrades.length).toBe(320);
    for (const topic of [TOPICS.rawTrades, TOPICS.rawMarketData, TOPICS.rawOrderBook]) {
      for (let p = 0; p < PARTITIONS; p++) expect(inputs.some((i) => i.topic === topic && i.partition === p), `${topic}/${p}`).toBe(true);
    }
    expect(Math.max(...inputs.map((i) => i.value?.length ?? 0))).toBeGreaterThan(150_000);
    expect(Math.max(...inputs.map((i) => i.value?.length ?? 0))).toBeLessThan(MAX_SEND_BYTES);
  });

  it('commits the end of the whole first batch and is still running', async () => {
    await outputsOfFirstBatch();
    expect(processor.exitCode, logTail()).toBeNull();
    expect(processor.signalCode).toBeNull();
  }, 150_000);

  it.each(bad.map((i) => [`${i.topic}: ${i.label} → ${i.expected!.dlq} ${i.expected!.type}/${i.expected!.code}`, i] as const))('%s', async (_title, input) => {
    const hits = dlqByCoord(await outputsOfFirstBatch()).get(coord(input.topic, input.partition, input.offset)) ?? [];
    expect(hits.map((h) => h.topic), `DLQ topics holding ${input.topic}/${input.partition}@${input.offset}`).toEqual([input.expected!.dlq]);
    const d = hits[0]!.row;
    expect({ error_type: d.error_type, error_code: d.error_code }, d.error_message).toEqual({ error_type: input.expected!.type, error_code: input.expected!.code });
    expect(d.error_message.length).toBeGreaterThan(0);
    const original = Buffer.from(d.original);
    const want = input.value ?? Buffer.alloc(0);
    expect(original.length, 'length of the DLQ original').toBe(want.length);
    expect(original.equals(want), 'the DLQ original is the input byte for byte').toBe(true);
  }, 150_000);

  it('the DLQs hold nothing but the bad corpus: exact counts per topic, no record twice, no processing errors or late events', async () => {
    const outputs = await outputsOfFirstBatch();
    const problems: string[] = [];
    for (const [k, hits] of dlqByCoord(outputs)) {
      const input = byCoord.get(k);
      const what = hits.map((h) => `${h.topic} ${h.row.error_type}:${h.row.error_code} (${h.row.error_message.slice(0, 120)})`).join('; ');
      if (!input) problems.push(`DLQ record for an input that was never produced, ${k}: ${what}`);
      else if (!input.expected) problems.push(`valid input rejected: ${input.label} @${k}: ${what}`);
      else if (hits.length > 1) problems.push(`${input.label} @${k} is in the DLQs ${hits.length} times: ${what}`);
    }
    expect(problems).toEqual([]);
    const counts = (pick: (t: string) => number) => Object.fromEntries(DLQ_TOPICS.map((t) => [t, pick(t)]));
    expect(counts((t) => outputs.get(t)!.length)).toEqual(counts((t) => bad.filter((i) => i.expected!.dlq === t).length));
  }, 150_000);

  it('every valid trade is routed exactly once to its status topic, intact; executions are enriched, unknown symbols with UNKNOWN', async () => {
    const outputs = await outputsOfFirstBatch();
    expect(validTrades.some((i) => !reference.has(i.trade!.trade.symbol) && i.trade!.enriched)).toBe(true);
    expect(routingProblems(outputs, validTrades)).toEqual([]);
  }, 150_000);

  it('every valid book (a crossed one too) yields order-book metrics exactly once; rejected books yield none', async () => {
    const metrics = (await outputsOfFirstBatch()).get(TOPICS.orderBookMetrics)!;
    const got = metrics.map((m) => `${String(m['symbol'])}@${String(m['timestamp_ms'])} crossed=${String(m['crossed'])}`).sort();
    const want = validBooks.map((i) => `${i.book!.symbol}@${i.book!.timestampMs} crossed=${i.book!.crossed}`).sort();
    expect(want.some((w) => w.endsWith('crossed=true'))).toBe(true);
    expect(got).toEqual(want);
  }, 150_000);

  it('keeps processing: valid trades produced after the garbage are routed and enriched, and the DLQs do not grow', async () => {
    await outputsOfFirstBatch();
    expect(processor.exitCode, logTail()).toBeNull();
    await produceInputs(kafka, prefix, later);
    await waitCaughtUp(90_000);
    const outputs = await readTopics([...DLQ_TOPICS, ...ROUTED_TOPICS, TOPICS.enrichedTrades]);
    expect(routingProblems(outputs, [...validTrades, ...later])).toEqual([]);
    expect(Object.fromEntries(DLQ_TOPICS.map((t) => [t, outputs.get(t)!.length]))).toEqual(Object.fromEntries(DLQ_TOPICS.map((t) => [t, bad.filter((i) => i.expected!.dlq === t).length])));
    expect(processor.exitCode, logTail()).toBeNull();
    expect(processor.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  }, 150_000);

  it('drains and exits 0 on SIGTERM', async () => {
    expect(processor.exitCode, logTail()).toBeNull();
    const code = await stopProcessor(processor, 'SIGTERM');
    expect(code, logTail()).toBe(0);
    expect(processor.logs.some((l) => l.includes('draining and checkpointing before exit'))).toBe(true);
  }, 60_000);
});

/*
 * A raw record the broker accepts — value just under the topic's max.message.bytes — must still reach
 * its DLQ: wrapped whole in a DLQ record it would exceed the same limit, every checkpoint of its
 * partition would fail and the valid trades behind it would never commit. The DLQ record keeps the
 * head of the original and says it was cut (ProcessorTaskOptions.maxDlqOriginalBytes).
 */
describe('a raw record just under the broker\'s message size limit', () => {
  const prefix = `badbig${process.pid}x${Date.now()}.`;
  const groupId = `${prefix}processor`;
  let kafka: Kafka;
  let admin: Admin;
  let processor: ReturnType<typeof startProcessor> | undefined;

  afterAll(async () => {
    if (processor) await stopProcessor(processor, 'SIGKILL');
    await admin?.disconnect();
  });

  it('is rejected into dlq.validation like any other bad symbol, and the valid trades around it are processed', async () => {
    const { brokers, redisUrl } = ensureServices();
    kafka = kafkaClient(brokers);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, prefix, 1);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: prefix + TOPICS.rawTrades, configNames: ['max.message.bytes'] }] });
    const limit = Number(described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    expect(limit).toBeGreaterThan(100_000);
    const nowMs = Date.now();
    const before = rawTrade('V-BEFORE', 'AAPL', nowMs - 60_000);
    const after = rawTrade('V-AFTER', 'AAPL', nowMs - 50_000);
    const base = outsideJson(rawTrade('B-SYM-NEAR-LIMIT', 'AAPL', nowMs - 55_000));
    const emptySymbolBytes = Buffer.byteLength(JSON.stringify({ ...base, symbol: '' }));
    // A record batch adds ~100 bytes (batch header, record header, key, event-ts header) to the value.
    const value = Buffer.from(JSON.stringify({ ...base, symbol: 'A'.repeat(limit - 120 - emptySymbolBytes) }));
    const trade = (t: RawTrade): Input => ({ label: t.trade_id, topic: TOPICS.rawTrades, partition: 0, key: 'AAPL', value: encode('RawTrade', t), eventTs: String(t.timestamp_ms), expected: null, offset: -1 });
    const big: Input = { label: 'near-limit symbol', topic: TOPICS.rawTrades, partition: 0, key: 'BAD', value, eventTs: String(nowMs - 55_000), expected: RULE('SYMBOL_FORMAT'), offset: -1 };
    await produceInputs(kafka, prefix, [trade(before), big, trade(after)]); // the broker accepts it
    expect(big.offset).toBe(1);

    processor = startProcessor({ KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, TICKFLOW_TOPIC_PREFIX: prefix, TICKFLOW_GROUP: groupId, TICKFLOW_CHECKPOINT_MS: '300' });
    const deadline = Date.now() + 40_000;
    while (!(await caughtUp(admin, prefix, groupId)) && Date.now() < deadline && processor.exitCode === null) await new Promise((r) => setTimeout(r, 300));
    const errors = processor.logs.filter((l) => l.includes('"level":"error"'));
    expect(processor.exitCode, processor.logs.slice(-3).join(' | ')).toBeNull();
    expect(await caughtUp(admin, prefix, groupId), `processor errors: ${errors.length}, first: ${errors[0] ?? 'none'}`).toBe(true);
    const [filled, dlq] = await Promise.all([readAll(kafka, prefix, TOPICS.tradesFilled), readAll(kafka, prefix, TOPICS.dlqValidation)]);
    expect(filled.map(tradeId).sort()).toEqual(['V-AFTER', 'V-BEFORE']);
    const d = dlq.map((r) => r as unknown as DlqRecord);
    expect(d.map((r) => ({ source: `${r.source_partition}@${r.source_offset}`, error_type: r.error_type, error_code: r.error_code }))).toEqual([
      { source: '0@1', error_type: 'BUSINESS_RULE_VIOLATION', error_code: 'SYMBOL_FORMAT' },
    ]);
    // The DLQ keeps the head of the original and says it was cut.
    const original = Buffer.from(d[0]!.original);
    expect(original.length).toBeLessThan(value.length);
    expect(value.subarray(0, original.length).equals(original)).toBe(true);
    expect(d[0]!.error_message).toMatch(new RegExp(`original truncated: first ${original.length} of ${value.length} bytes kept`));
  }, 110_000);
});
