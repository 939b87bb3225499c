import { resolve } from 'node:path';
import { expectRecord, readJsonFile, StoreFileError, writeFileAtomic } from '../auth/json-file';
import { DELIVERY_OUTCOMES, type DeliveryAttempt, type LoggedDeliveryAttempt, type WebhookLog } from './delivery-attempt';
import type { FileWebhookStoreOptions } from './file-webhook-store-options';
import { ALERT_SEVERITIES, type WebhookEndpoint, type WebhookEndpointPatch } from './webhook-endpoint';
import type { WebhookStore } from './webhook-store';

/** Where the embedded profile keeps webhook endpoints and delivery logs unless told otherwise. */
export const DEFAULT_WEBHOOKS_FILE = './data/webhooks.json';

const FILE_KIND = 'tickflow.webhooks';
const FILE_VERSION = 1;
const WHAT = 'the webhook file';
/** A background write that failed is tried again after this long at the least, ms. */
const RETRY_WRITE_MS = 1000;

/** One endpoint with its log: `lastSeq` is the log's sequence, which trimming never lowers. */
interface EndpointEntry {
  endpoint: WebhookEndpoint;
  lastSeq: number;
  /** Oldest first (ascending `seq`), at most `maxLogEntries`. */
  log: LoggedDeliveryAttempt[];
}

/**
 * Webhook endpoints and their delivery logs in one JSON file, for the embedded profile (no Redis);
 * the same semantics as `RedisWebhookStore` (the shared contract suite runs against both):
 * owners' lists oldest first, `update` applied atomically and guarded by `ifUrl`, a capped log per
 * endpoint numbered by its own `seq` (never reused, reset when the endpoint is deleted), paged
 * newest first with `beforeSeq`, and nothing written for an endpoint that no longer exists.
 *
 * Everything is held in memory and the file (`{"kind":"tickflow.webhooks","version":1,
 * "endpoints":[{endpoint, lastSeq, log}…]}`, mode 0600 — it holds the signing secrets) is replaced
 * atomically (temporary file + rename). Endpoint changes (`create`, `update`, `delete`) resolve
 * once they are on disk; log appends are written at most `flushDelayMs` later, so a burst of
 * attempts costs one rewrite (an appended entry can be lost in a crash within that delay). One
 * write at a time; a failed background write is logged and tried again; a failed write-through
 * rejects the change's promise, the change staying in memory for the next write. `flush()` writes
 * what is pending; `close()` writes it and refuses further changes.
 *
 * One process owns the file: it is read only at `open`. A file that cannot be read as a webhook
 * file fails `open` with a `StoreFileError` naming it, and is never overwritten.
 */
export class FileWebhookStore implements WebhookStore {
  /** Absolute path of the file. */
  readonly path: string;
  private readonly maxLogEntries: number;
  private readonly flushDelayMs: number;
  private readonly log: WebhookLog;
  private readonly entries = new Map<string, EndpointEntry>();
  /** Changes made / changes on disk, counted: the file is current when they are equal. */
  private changes = 0;
  private written = 0;
  private writeCount = 0;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(path: string, opts: FileWebhookStoreOptions) {
    this.path = resolve(path);
    this.maxLogEntries = opts.maxLogEntries ?? 1000;
    this.flushDelayMs = opts.flushDelayMs ?? 200;
    this.log = opts.log ?? (() => undefined);
    if (!Number.isSafeInteger(this.maxLogEntries) || this.maxLogEntries < 1) throw new RangeError('maxLogEntries must be a positive integer');
    if (!Number.isSafeInteger(this.flushDelayMs) || this.flushDelayMs < 0) throw new RangeError('flushDelayMs must be a non-negative integer (ms)');
  }

  /**
   * Loads the file (a missing file is an empty store; it is created, with its directory, on the
   * first write, mode 0600: it holds the signing secrets).
   * @throws StoreFileError when the file is unreadable, not JSON, or not a webhook file.
   * @throws RangeError when an option is out of range.
   */
  static async open(path: string = DEFAULT_WEBHOOKS_FILE, opts: FileWebhookStoreOptions = {}): Promise<FileWebhookStore> {
    const store = new FileWebhookStore(path, opts);
    const read = await readJsonFile(store.path, WHAT);
    if (read) {
      try {
        for (const entry of decodeWebhookFile(read.value, store.maxLogEntries)) store.entries.set(entry.endpoint.id, entry);
      } catch (err) {
        throw new StoreFileError(store.path, WHAT, (err as Error).message, { cause: err });
      }
    }
    return store;
  }

  /** How many times the file has been written by this store (bursts of appends coalesce into one). */
  get writes(): number {
    return this.writeCount;
  }

  async create(endpoint: WebhookEndpoint): Promise<void> {
    this.assertOpen();
    // As in Redis, creating over an existing id replaces its fields and keeps its log.
    const existing = this.entries.get(endpoint.id);
    this.entries.set(endpoint.id, { endpoint: copyEndpoint(endpoint), lastSeq: existing?.lastSeq ?? 0, log: existing?.log ?? [] });
    await this.persist();
  }

  async get(id: string): Promise<WebhookEndpoint | null> {
    const entry = this.entries.get(id);
    return entry ? copyEndpoint(entry.endpoint) : null;
  }

  async listByOwner(owner: string): Promise<WebhookEndpoint[]> {
    return this.select((e) => e.owner === owner);
  }

  async listActive(): Promise<WebhookEndpoint[]> {
    return this.select((e) => e.status === 'active');
  }

  async update(id: string, patch: WebhookEndpointPatch, opts: { ifUrl?: string; nowMs?: number } = {}): Promise<WebhookEndpoint | null> {
    this.assertOpen();
    const entry = this.entries.get(id);
    if (!entry) return null;
    if (opts.ifUrl !== undefined && entry.endpoint.url !== opts.ifUrl) return null;
    const next: Record<string, unknown> = { ...entry.endpoint };
    for (const [k, v] of Object.entries({ ...patch, updatedAtMs: opts.nowMs ?? Date.now() })) if (v !== undefined) next[k] = v;
    entry.endpoint = copyEndpoint(next as unknown as WebhookEndpoint);
    const after = copyEndpoint(entry.endpoint); // as of this change, whatever follows while it is written
    await this.persist();
    return after;
  }

  async delete(id: string): Promise<boolean> {
    this.assertOpen();
    if (!this.entries.delete(id)) return false;
    await this.persist();
    return true;
  }

  async appendAttempt(endpointId: string, attempt: DeliveryAttempt): Promise<boolean> {
    this.assertOpen();
    const entry = this.entries.get(endpointId);
    if (!entry) return false;
    entry.lastSeq++;
    entry.log.push(loggedAttempt(entry.lastSeq, attempt));
    if (entry.log.length > this.maxLogEntries) entry.log.splice(0, entry.log.length - this.maxLogEntries);
    this.changes++;
    this.scheduleWrite(this.flushDelayMs);
    return true;
  }

  async listAttempts(endpointId: string, opts: { limit: number; beforeSeq?: number }): Promise<LoggedDeliveryAttempt[]> {
    const log = this.entries.get(endpointId)?.log;
    if (!log) return [];
    const end = opts.beforeSeq === undefined ? log.length : firstIndexAtLeast(log, opts.beforeSeq);
    const out: LoggedDeliveryAttempt[] = [];
    for (let i = end - 1; i >= 0 && out.length < opts.limit; i--) out.push({ ...log[i]! });
    return out;
  }

  /** Writes every change made so far (resolves at once when there is none). */
  async flush(): Promise<void> {
    const target = this.changes;
    this.cancelTimer(); // its changes are at most `target`: written below
    while (this.written < target) {
      if (this.writing) {
        await this.writing.catch(() => undefined); // its failure is its caller's; this one tries itself
        continue;
      }
      await this.writeNow();
    }
  }

  /** Refuses further changes, then writes what is pending. Reads keep working. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the webhook store ${this.path} is closed`);
  }

  private async persist(): Promise<void> {
    this.changes++;
    await this.flush();
  }

  private select(keep: (e: WebhookEndpoint) => boolean): WebhookEndpoint[] {
    const out: WebhookEndpoint[] = [];
    for (const { endpoint } of this.entries.values()) if (keep(endpoint)) out.push(copyEndpoint(endpoint));
    return out.sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
  }

  private scheduleWrite(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((err: unknown) => {
        this.log('error', 'could not write the webhook file; will try again', { path: this.path, error: err instanceof Error ? err.message : String(err) });
        this.scheduleWrite(Math.max(this.flushDelayMs, RETRY_WRITE_MS));
      });
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Writes the whole state as it is now; one write at a time (callers wait for `writing`). */
  private writeNow(): Promise<void> {
    const upTo = this.changes;
    const text = encodeWebhookFile(this.entries.values());
    const write = writeFileAtomic(this.path, text)
      .then(() => {
        this.written = Math.max(this.written, upTo);
        this.writeCount++;
      })
      .finally(() => {
        this.writing = null;
      });
    this.writing = write;
    return write;
  }
}

const ENDPOINT_FIELDS = ['id', 'owner', 'url', 'description', 'symbols', 'minSeverity', 'secret', 'status', 'disabledReason', 'createdAtMs', 'updatedAtMs'] as const;

/** A copy holding the endpoint's fields only (as `RedisWebhookStore` reads them back). */
function copyEndpoint(e: WebhookEndpoint): WebhookEndpoint {
  const out: Record<string, unknown> = {};
  for (const f of ENDPOINT_FIELDS) {
    const v = e[f] as unknown;
    out[f] = v === undefined ? null : Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  return out as unknown as WebhookEndpoint;
}

function loggedAttempt(seq: number, a: DeliveryAttempt): LoggedDeliveryAttempt {
  return { seq, deliveryId: a.deliveryId, alertId: a.alertId, attempt: a.attempt, atMs: a.atMs, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, outcome: a.outcome };
}

/** The index of the first entry whose seq is ≥ `seq` (log.length when none): a binary search. */
function firstIndexAtLeast(log: readonly LoggedDeliveryAttempt[], seq: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function encodeWebhookFile(entries: Iterable<EndpointEntry>): string {
  return JSON.stringify({ kind: FILE_KIND, version: FILE_VERSION, endpoints: [...entries] }) + '\n';
}

/** @throws TypeError naming the first thing wrong (`endpoints[1].log[4].outcome: …`). */
export function decodeWebhookFile(value: unknown, maxLogEntries: number): EndpointEntry[] {
  const doc = expectRecord(value, 'the document');
  if (doc['kind'] !== FILE_KIND) throw new TypeError(`kind: expected ${JSON.stringify(FILE_KIND)}, got ${show(doc['kind'])} (is this the webhook file?)`);
  if (doc['version'] !== FILE_VERSION) throw new TypeError(`version: expected ${FILE_VERSION}, got ${show(doc['version'])}`);
  if (!Array.isArray(doc['endpoints'])) throw new TypeError('endpoints: expected an array');
  const seen = new Set<string>();
  return doc['endpoints'].map((raw: unknown, i: number) => {
    const at = `endpoints[${i}]`;
    const entry = expectRecord(raw, at);
    const endpoint = decodeEndpoint(entry['endpoint'], `${at}.endpoint`);
    if (seen.has(endpoint.id)) throw new TypeError(`${at}.endpoint.id: ${endpoint.id} appears twice`);
    seen.add(endpoint.id);
    const lastSeq = entry['lastSeq'];
    if (!isCount(lastSeq)) throw new TypeError(`${at}.lastSeq: expected a non-negative integer, got ${show(lastSeq)}`);
    if (!Array.isArray(entry['log'])) throw new TypeError(`${at}.log: expected an array`);
    let previous = 0;
    const log = entry['log'].map((a: unknown, j: number) => {
      const logged = decodeAttempt(a, `${at}.log[${j}]`);
      if (logged.seq <= previous || logged.seq > lastSeq) throw new TypeError(`${at}.log[${j}].seq: expected more than ${previous} and at most lastSeq ${lastSeq}, got ${logged.seq}`);
      previous = logged.seq;
      return logged;
    });
    return { endpoint, lastSeq, log: log.length > maxLogEntries ? log.slice(log.length - maxLogEntries) : log };
  });
}

function decodeEndpoint(raw: unknown, at: string): WebhookEndpoint {
  const e = expectRecord(raw, at);
  const check = (field: string, ok: boolean, expected: string): void => {
    if (!ok) throw new TypeError(`${at}.${field}: expected ${expected}, got ${show(e[field])}`);
  };
  for (const f of ['id', 'owner', 'url', 'secret'] as const) check(f, typeof e[f] === 'string' && e[f] !== '', 'a non-empty string');
  check('description', typeof e['description'] === 'string', 'a string');
  const symbols = e['symbols'];
  check('symbols', symbols === null || (Array.isArray(symbols) && symbols.every((s) => typeof s === 'string')), 'null or a list of symbols');
  check('minSeverity', ALERT_SEVERITIES.includes(e['minSeverity'] as never), ALERT_SEVERITIES.join(' | '));
  check('status', e['status'] === 'active' || e['status'] === 'disabled', 'active | disabled');
  check('disabledReason', e['disabledReason'] === null || typeof e['disabledReason'] === 'string', 'a string or null');
  for (const f of ['createdAtMs', 'updatedAtMs'] as const) check(f, Number.isFinite(e[f]), 'epoch ms');
  return copyEndpoint(e as unknown as WebhookEndpoint);
}

function decodeAttempt(raw: unknown, at: string): LoggedDeliveryAttempt {
  const a = expectRecord(raw, at);
  const check = (field: string, ok: boolean, expected: string): void => {
    if (!ok) throw new TypeError(`${at}.${field}: expected ${expected}, got ${show(a[field])}`);
  };
  check('seq', isCount(a['seq']) && (a['seq'] as number) > 0, 'a positive integer');
  check('deliveryId', typeof a['deliveryId'] === 'string', 'a string');
  check('alertId', typeof a['alertId'] === 'string', 'a string');
  check('attempt', isCount(a['attempt']) && (a['attempt'] as number) > 0, 'a positive integer');
  check('atMs', Number.isFinite(a['atMs']), 'epoch ms');
  check('statusCode', a['statusCode'] === null || Number.isSafeInteger(a['statusCode']), 'an HTTP status or null');
  check('error', a['error'] === null || typeof a['error'] === 'string', 'a string or null');
  check('durationMs', Number.isFinite(a['durationMs']), 'a number of ms');
  check('outcome', DELIVERY_OUTCOMES.includes(a['outcome'] as never), DELIVERY_OUTCOMES.join(' | '));
  return loggedAttempt(a['seq'] as number, a as unknown as DeliveryAttempt);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
