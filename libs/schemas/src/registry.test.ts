import { readFileSync, readdirSync } from 'node:fs';
import avro from 'avsc';
import type { types } from 'avsc';
import { describe, expect, it } from 'vitest';
import { crc64Avro } from './crc64-avro';
import { EVENT_NAMES } from './event-names';
import { FIXTURES } from './fixtures';
import { AVRO_DIR, SchemaRegistry, fingerprintOf, registry } from './registry';
import { DLQ_ERROR_TYPES, TRADE_STATUSES } from './types';
import type { AggregateScope, AlertDirection, AlertSeverity, DlqErrorType, PriceAlert, Side } from './types';

function readSchema(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(path, AVRO_DIR), 'utf8')) as Record<string, unknown>;
}

function fieldNames(type: avro.Type): string[] {
  return (type as types.RecordType).fields.map((f) => f.name);
}

const ENVELOPE = ['event_ts', 'ingest_ts', 'seq', 'source', 'correlation_id', 'version'];

describe('avro/*.avsc', () => {
  it('has one file per event and nothing else', () => {
    const files = readdirSync(AVRO_DIR).filter((f) => f.endsWith('.avsc'));
    expect(files.sort()).toEqual(EVENT_NAMES.map((e) => `${e}.avsc`).sort());
  });

  it.each(EVENT_NAMES)('%s: field names are the keys of the typed fixture', (eventName) => {
    const type = registry.reader(eventName).type;
    expect([...fieldNames(type)].sort()).toEqual(Object.keys(FIXTURES[eventName]).sort());
  });

  it('BookLevel fields are the keys of a typed book level', () => {
    const bids = (registry.reader('BookSnapshot').type as types.RecordType).field('bids').type as types.ArrayType;
    expect(fieldNames(bids.itemsType).sort()).toEqual(Object.keys(FIXTURES.BookSnapshot.bids[0] ?? {}).sort());
  });

  it.each(EVENT_NAMES)('%s: carries the envelope unless it is ReferenceSymbol or DlqRecord', (eventName) => {
    const names = fieldNames(registry.reader(eventName).type);
    const expected = eventName === 'ReferenceSymbol' || eventName === 'DlqRecord' ? [] : ENVELOPE;
    expect(names.filter((n) => ENVELOPE.includes(n))).toEqual(expected);
    if (expected.length) {
      const record = registry.reader(eventName).type as types.RecordType;
      expect(ENVELOPE.map((n) => record.field(n).type.typeName)).toEqual(['long', 'long', 'long', 'string', 'string', 'int']);
    }
  });

  it.each(EVENT_NAMES)('%s: every nullable field is ["null", T] with default null', (eventName) => {
    for (const field of (registry.reader(eventName).type as types.RecordType).fields) {
      if (!field.type.typeName.startsWith('union')) continue;
      const branches = (field.type as types.UnwrappedUnionType).types.map((t) => t.typeName);
      expect({ field: field.name, branches, default: field.defaultValue() }).toEqual({
        field: field.name,
        branches: ['null', branches[1]],
        default: null,
      });
    }
  });

  it('RawTrade keeps the seed record name, a BUY/SELL enum and a string status', () => {
    const raw = readSchema('RawTrade.avsc');
    expect([raw.name, raw.namespace]).toEqual(['RawTradeEvent', 'tickflow.events']);
    const type = registry.reader('RawTrade').type as types.RecordType;
    expect((type.field('side').type as types.EnumType).symbols).toEqual(['BUY', 'SELL'] satisfies Side[]);
    expect(type.field('status').type.typeName).toBe('string');
    expect(TRADE_STATUSES.every((s) => type.field('status').type.isValid(s))).toBe(true);
  });

  it('enum symbols are exactly the TS unions', () => {
    const symbols = (eventName: (typeof EVENT_NAMES)[number], field: string): string[] =>
      ((registry.reader(eventName).type as types.RecordType).field(field).type as types.EnumType).symbols;
    expect(symbols('DlqRecord', 'error_type')).toEqual([...DLQ_ERROR_TYPES] satisfies DlqErrorType[]);
    expect(symbols('TradeAggregate', 'scope')).toEqual(['symbol', 'sector'] satisfies AggregateScope[]);
    expect(symbols('PriceAlert', 'direction')).toEqual(['UP', 'DOWN'] satisfies AlertDirection[]);
    expect(symbols('PriceAlert', 'severity')).toEqual(['MEDIUM', 'HIGH', 'CRITICAL'] satisfies AlertSeverity[]);
    expect(symbols('PriceAlert', 'trigger')).toEqual(['TRADE', 'QUOTE'] satisfies PriceAlert['trigger'][]);
    expect(symbols('PriceAlert', 'alert_type')).toEqual(['PRICE_MOVEMENT'] satisfies PriceAlert['alert_type'][]);
  });
});

describe('SchemaRegistry', () => {
  it.each(EVENT_NAMES)('%s: fingerprint is CRC-64-AVRO of the canonical form, and in the header', (eventName) => {
    const reader = registry.reader(eventName);
    // The strict types export the same canonical form as plain avsc types of the same file.
    const plain = avro.Type.forSchema(readSchema(`${eventName}.avsc`) as avro.Schema);
    expect(reader.canonicalForm).toBe(JSON.stringify(plain.schema()));
    expect(reader.canonicalForm).not.toMatch(/"doc"|"default"|"namespace"|\s/);
    expect(reader.fingerprint).toBe(crc64Avro(reader.canonicalForm));
    expect(fingerprintOf(eventName)).toMatch(/^[0-9a-f]{16}$/);
    expect(reader.header.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(reader.header.readBigUInt64LE(2)).toBe(reader.fingerprint);
    expect(registry.lookup(reader.fingerprintLow, reader.fingerprintHigh)).toBe(reader);
  });

  it('knows the older MicroBar schema from avro/history and resolves it to the reader', () => {
    const versions = registry.versions('MicroBar');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]).toBe(registry.reader('MicroBar'));
    expect(versions[0]?.resolver).toBeUndefined();
    expect(versions[1]?.resolver).toBeDefined();
    expect(fieldNames(versions[0]!.type).filter((n) => !fieldNames(versions[1]!.type).includes(n))).toEqual(['is_final']);
    expect(registry.versions('RawTrade').map((v) => v.version)).toEqual([1]);
  });

  it('refuses, at construction, a writer the reader cannot resolve', () => {
    const reader = readSchema('MicroBar.avsc');
    const fields = reader.fields as Record<string, unknown>[];
    // A v0 whose `count` is a string: no Avro promotion from string to long.
    const writer = { ...reader, fields: fields.map((f) => (f.name === 'count' ? { name: 'count', type: 'string' } : f)) };
    expect(
      () => new SchemaRegistry([{ eventName: 'MicroBar', version: 2, schema: reader }], [{ eventName: 'MicroBar', version: 1, schema: writer, origin: 'MicroBar.v1.avsc' }]),
    ).toThrow(/MicroBar\.v1\.avsc cannot be read with the MicroBar reader schema/);
  });

  it('refuses a history file identical to the current schema', () => {
    const schema = readSchema('Quote.avsc');
    expect(() => new SchemaRegistry([{ eventName: 'Quote', version: 2, schema }], [{ eventName: 'Quote', version: 1, schema }])).toThrow(
      /same fingerprint/,
    );
  });

  it('refuses Avro types the strict codec does not check (float, map, fixed)', () => {
    for (const type of ['float', { type: 'map', values: 'string' }, { type: 'fixed', name: 'F', size: 4 }]) {
      const schema = { type: 'record', name: 'Quote', fields: [{ name: 'x', type }] };
      expect(() => new SchemaRegistry([{ eventName: 'Quote', version: 1, schema }])).toThrow(/not supported/);
    }
  });

  it('throws a TypeError for an event it does not hold', () => {
    expect(() => registry.reader('Nope' as 'RawTrade')).toThrow(TypeError);
  });
});
