import { resolve } from 'node:path';
import { SCOPES, type ApiKeyRecord, type ApiKeyStore, type Scope } from './api-keys';
import { expectRecord, fileStamp, readJsonFile, sameStamp, StoreFileError, writeFileAtomic, type FileStamp } from './json-file';

/** Where the embedded profile keeps its API keys unless told otherwise (`TICKFLOW_KEYS_FILE`). */
export const DEFAULT_KEYS_FILE = './data/api-keys.json';

const FILE_KIND = 'tickflow.api-keys';
const FILE_VERSION = 1;
const WHAT = 'the API key file';

/**
 * API keys in one JSON file (the embedded profile: no Redis). Like `RedisApiKeyStore` it holds
 * records only — the SHA-256 of each key, never the key. The file is
 * `{"kind":"tickflow.api-keys","version":1,"keys":[record…]}`, created (mode 0600, directory too)
 * on the first `put`, and replaced atomically on every change (temporary file + rename).
 *
 * Several processes may share the file — the API server and `tickflow keys --keys-file` — so every
 * read first checks (one `stat`) whether the file was replaced since it was loaded and reloads it
 * if so: a key created or revoked by the CLI counts on the server's next request. A `put` reloads,
 * changes and writes in one step within a process; two processes writing at the same instant are
 * not locked against each other (the later rename wins), which key management by hand never does.
 * A file that is not a key file fails `open` (and a later reload) with a `StoreFileError` naming
 * it; it is never overwritten.
 */
export class FileApiKeyStore implements ApiKeyStore {
  private records = new Map<string, ApiKeyRecord>();
  /** The stamp of the file `records` came from or went to; null = there was no file. */
  private stamp: FileStamp | null = null;
  /** Serialises puts (each is read-modify-write of the whole file). */
  private writes: Promise<void> = Promise.resolve();
  /** A reload under way, shared by the reads that asked for it. */
  private refreshing: Promise<void> | null = null;

  private constructor(
    /** Absolute path of the file. */
    readonly path: string,
  ) {}

  /**
   * Loads the file (a missing file is an empty store, written on the first `put`).
   * @throws StoreFileError when the file is unreadable, not JSON, or not a key file.
   */
  static async open(path: string = DEFAULT_KEYS_FILE): Promise<FileApiKeyStore> {
    const store = new FileApiKeyStore(resolve(path));
    await store.load();
    return store;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    const write = this.writes.then(async () => {
      await this.refresh();
      const next = new Map(this.records);
      next.set(record.id, copyRecord(record));
      const stamp = await writeFileAtomic(this.path, encodeKeyFile(next));
      // Memory changes only once the file has: a failed write changes nothing.
      this.records = next;
      this.stamp = stamp;
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    await this.refresh();
    const r = this.records.get(id);
    return r ? copyRecord(r) : null;
  }

  /** Oldest first, as `RedisApiKeyStore.list`. */
  async list(): Promise<ApiKeyRecord[]> {
    await this.refresh();
    return [...this.records.values()].map(copyRecord).sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  /** Waits for writes under way. Holds no handle: nothing else to release. */
  async close(): Promise<void> {
    await this.writes;
  }

  /** Reloads when the file was replaced (or removed) since this store last read or wrote it. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      if (!sameStamp(await fileStamp(this.path), this.stamp)) await this.load();
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const read = await readJsonFile(this.path, WHAT);
    if (!read) {
      this.records = new Map();
      this.stamp = null;
      return;
    }
    try {
      this.records = decodeKeyFile(read.value);
    } catch (err) {
      throw new StoreFileError(this.path, WHAT, (err as Error).message, { cause: err });
    }
    this.stamp = read.stamp;
  }
}

function copyRecord(r: ApiKeyRecord): ApiKeyRecord {
  return { id: r.id, owner: r.owner, scopes: [...r.scopes], name: r.name, createdAtMs: r.createdAtMs, revokedAtMs: r.revokedAtMs, hash: r.hash };
}

function encodeKeyFile(records: Map<string, ApiKeyRecord>): string {
  const keys = [...records.values()].sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
  return JSON.stringify({ kind: FILE_KIND, version: FILE_VERSION, keys }, null, 2) + '\n';
}

/** @throws TypeError naming the first thing wrong (`keys[2].hash: …`). */
export function decodeKeyFile(value: unknown): Map<string, ApiKeyRecord> {
  const doc = expectRecord(value, 'the document');
  if (doc['kind'] !== FILE_KIND) throw new TypeError(`kind: expected ${JSON.stringify(FILE_KIND)}, got ${JSON.stringify(doc['kind'])} (is this the key file?)`);
  if (doc['version'] !== FILE_VERSION) throw new TypeError(`version: expected ${FILE_VERSION}, got ${JSON.stringify(doc['version'])}`);
  if (!Array.isArray(doc['keys'])) throw new TypeError('keys: expected an array');
  const out = new Map<string, ApiKeyRecord>();
  doc['keys'].forEach((raw: unknown, i: number) => {
    const at = `keys[${i}]`;
    const r = expectRecord(raw, at);
    const fail = (field: string, expected: string): never => {
      throw new TypeError(`${at}.${field}: expected ${expected}, got ${JSON.stringify(r[field])}`);
    };
    if (typeof r['id'] !== 'string' || !/^[0-9a-f]{12}$/.test(r['id'])) fail('id', '12 hex digits');
    if (typeof r['owner'] !== 'string' || r['owner'] === '') fail('owner', 'a non-empty string');
    const scopes = r['scopes'];
    if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s as Scope))) fail('scopes', `a non-empty list of ${SCOPES.join(', ')}`);
    if (typeof r['name'] !== 'string') fail('name', 'a string');
    if (!Number.isSafeInteger(r['createdAtMs'])) fail('createdAtMs', 'epoch ms');
    if (r['revokedAtMs'] !== null && !Number.isSafeInteger(r['revokedAtMs'])) fail('revokedAtMs', 'epoch ms or null');
    if (typeof r['hash'] !== 'string' || !/^[0-9a-f]{64}$/.test(r['hash'])) fail('hash', 'a hex SHA-256 (64 digits)');
    const record = r as unknown as ApiKeyRecord;
    if (out.has(record.id)) throw new TypeError(`${at}.id: ${record.id} appears twice`);
    out.set(record.id, copyRecord(record));
  });
  return out;
}
