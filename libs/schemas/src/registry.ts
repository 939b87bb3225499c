import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Resolver, Type } from 'avsc';
import { crc64Avro } from './crc64-avro';
import { createStrictType } from './create-strict-type';
import { EVENT_NAMES, isEventName } from './event-names';
import type { EventName } from './event-names';

/** A schema to register: one version of one event. */
export interface SchemaSource {
  eventName: EventName;
  /** Schema version: 1 for the first, +1 per evolution. Not the envelope's record `version`. */
  version: number;
  /** The parsed `.avsc` JSON. */
  schema: unknown;
  /** Where it came from, for error messages. */
  origin?: string;
}

/** One registered version of an event's schema. */
export interface SchemaVersion {
  readonly eventName: EventName;
  readonly version: number;
  readonly type: Type;
  /** Avro Parsing Canonical Form, the text the fingerprint is taken of. */
  readonly canonicalForm: string;
  /** CRC-64-AVRO of the canonical form, unsigned. */
  readonly fingerprint: bigint;
  /** `fingerprint` as 16 lowercase hex digits (big-endian, as Avro tools print it). */
  readonly fingerprintHex: string;
  /** Header bytes 2–5 and 6–9 read as little-endian int32: how the decode hot path matches a payload. */
  readonly fingerprintLow: number;
  readonly fingerprintHigh: number;
  /** `C3 01` + the fingerprint, little-endian: the first 10 bytes of every payload written with this version. */
  readonly header: Buffer;
  /**
   * Resolver from this version (as writer) to the event's reader schema, built once at
   * registration; `undefined` for the reader schema itself.
   */
  readonly resolver: Resolver | undefined;
}

export const SINGLE_OBJECT_MAGIC_0 = 0xc3;
export const SINGLE_OBJECT_MAGIC_1 = 0x01;
/** Magic (2 bytes) + fingerprint (8 bytes). */
export const SINGLE_OBJECT_HEADER_BYTES = 10;

/** The directory holding the `.avsc` files of this package. */
export const AVRO_DIR = new URL('../avro/', import.meta.url);

const HISTORY_FILE = /^([A-Za-z]+)\.v([1-9][0-9]*)\.avsc$/;

/**
 * Event name → reader schema, plus every known writer version, keyed by fingerprint. Each event has
 * exactly one reader (the schema this process decodes to and encodes with); the other versions are
 * writers it can still read, resolved against the reader by Avro's schema-resolution rules.
 */
export class SchemaRegistry {
  private readonly readers = new Map<EventName, SchemaVersion>();
  /** Every version of every event by `fingerprintLow`; chains are almost always one long. */
  private readonly byFingerprintLow = new Map<number, SchemaVersion[]>();
  private readonly byEvent = new Map<EventName, SchemaVersion[]>();

  /**
   * @param readers the current schema of each event (decoded to, encoded with).
   * @param writers older (or, for a reader that is behind, newer) versions it must still read.
   * @throws Error if a writer cannot be resolved against its event's reader, or two versions share
   *   a fingerprint — at start-up, not at the first message.
   */
  constructor(readers: readonly SchemaSource[], writers: readonly SchemaSource[] = []) {
    for (const source of readers) {
      if (this.readers.has(source.eventName)) throw new Error(`two reader schemas for ${source.eventName}`);
      this.readers.set(source.eventName, this.add(source, undefined));
    }
    for (const source of writers) {
      const reader = this.readers.get(source.eventName);
      if (!reader) throw new Error(`${describe(source)}: no reader schema for ${source.eventName}`);
      this.add(source, reader);
    }
  }

  /**
   * Loads `<dir>/<Event>.avsc` for every event in EVENT_NAMES (the readers; all must exist) and
   * `<dir>/history/<Event>.v<N>.avsc` (writers). A reader's version is one more than its newest
   * history file, 1 without history.
   */
  static fromDirectory(dir: URL = AVRO_DIR): SchemaRegistry {
    const historyDir = new URL('history/', dir);
    const history: SchemaSource[] = [];
    if (existsSync(historyDir)) {
      for (const file of readdirSync(historyDir).sort()) {
        if (!file.endsWith('.avsc')) continue;
        const match = HISTORY_FILE.exec(file);
        const eventName = match?.[1];
        if (!match || !eventName || !isEventName(eventName)) {
          throw new Error(`avro/history/${file}: expected <Event>.v<N>.avsc with a known event name`);
        }
        history.push({ eventName, version: Number(match[2]), schema: readJson(new URL(file, historyDir)), origin: `avro/history/${file}` });
      }
    }
    const readers = EVENT_NAMES.map((eventName): SchemaSource => {
      const versions = history.filter((h) => h.eventName === eventName).map((h) => h.version);
      return {
        eventName,
        version: Math.max(0, ...versions) + 1,
        schema: readJson(new URL(`${eventName}.avsc`, dir)),
        origin: `avro/${eventName}.avsc`,
      };
    });
    return new SchemaRegistry(readers, history);
  }

  has(eventName: string): eventName is EventName {
    return this.readers.has(eventName as EventName);
  }

  /** The reader (current) schema of an event. @throws TypeError for an event this registry does not hold. */
  reader(eventName: EventName): SchemaVersion {
    const reader = this.readers.get(eventName);
    if (!reader) throw new TypeError(`unknown event ${JSON.stringify(eventName)}`);
    return reader;
  }

  /** All registered versions of an event, reader first. */
  versions(eventName: EventName): readonly SchemaVersion[] {
    return this.byEvent.get(eventName) ?? [];
  }

  /** The version, of any event, with this fingerprint (as the two int32 halves of the header). */
  lookup(fingerprintLow: number, fingerprintHigh: number): SchemaVersion | undefined {
    const chain = this.byFingerprintLow.get(fingerprintLow);
    if (!chain) return undefined;
    for (const version of chain) if (version.fingerprintHigh === fingerprintHigh) return version;
    return undefined;
  }

  private add(source: SchemaSource, reader: SchemaVersion | undefined): SchemaVersion {
    let type: Type;
    try {
      type = createStrictType(source.schema);
    } catch (err) {
      throw new Error(`${describe(source)}: ${(err as Error).message}`, { cause: err });
    }
    if (type.typeName !== 'record') throw new Error(`${describe(source)}: top-level type must be a record`);
    let resolver: Resolver | undefined;
    if (reader) {
      try {
        resolver = reader.type.createResolver(type);
      } catch (err) {
        throw new Error(`${describe(source)} cannot be read with the ${source.eventName} reader schema: ${(err as Error).message}`, { cause: err });
      }
    }
    const canonicalForm = JSON.stringify(type.schema());
    const fingerprint = crc64Avro(canonicalForm);
    const header = Buffer.alloc(SINGLE_OBJECT_HEADER_BYTES);
    header[0] = SINGLE_OBJECT_MAGIC_0;
    header[1] = SINGLE_OBJECT_MAGIC_1;
    header.writeBigUInt64LE(fingerprint, 2);
    const version: SchemaVersion = {
      eventName: source.eventName,
      version: source.version,
      type,
      canonicalForm,
      fingerprint,
      fingerprintHex: fingerprint.toString(16).padStart(16, '0'),
      fingerprintLow: header.readInt32LE(2),
      fingerprintHigh: header.readInt32LE(6),
      header,
      resolver,
    };
    const clash = this.lookup(version.fingerprintLow, version.fingerprintHigh);
    if (clash) {
      throw new Error(`${describe(source)} has the same fingerprint as ${clash.eventName} v${clash.version} (identical schema?)`);
    }
    const sameVersion = this.byEvent.get(source.eventName)?.find((v) => v.version === source.version);
    if (sameVersion) throw new Error(`${describe(source)}: ${source.eventName} v${source.version} registered twice`);
    const chain = this.byFingerprintLow.get(version.fingerprintLow);
    if (chain) chain.push(version);
    else this.byFingerprintLow.set(version.fingerprintLow, [version]);
    const versions = this.byEvent.get(source.eventName);
    if (versions) versions.push(version);
    else this.byEvent.set(source.eventName, [version]);
    return Object.freeze(version);
  }
}

function readJson(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'));
}

function describe(source: SchemaSource): string {
  return source.origin ?? `${source.eventName} v${source.version}`;
}

/** The registry of this package's `avro/` directory, loaded once at module load. */
export const registry: SchemaRegistry = SchemaRegistry.fromDirectory();

/** The current schema fingerprint of an event: 16 hex digits (the header carries it little-endian). */
export function fingerprintOf(eventName: EventName): string {
  return registry.reader(eventName).fingerprintHex;
}
