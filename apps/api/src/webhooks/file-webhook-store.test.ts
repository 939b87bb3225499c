import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreFileError } from '../auth/json-file';
import type { DeliveryAttempt, LoggedDeliveryAttempt } from './delivery-attempt';
import { FileWebhookStore } from './file-webhook-store';
import { attemptFixture, endpointFixture, webhookStoreContract } from './testing/webhook-store-contract';
import type { WebhookEndpoint, WebhookEndpointPatch } from './webhook-endpoint';
import type { WebhookStore } from './webhook-store';

let dir: string;
let n = 0;
const nextPath = (): string => join(dir, `store-${++n}`, 'webhooks.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-file-webhook-store-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

webhookStoreContract('FileWebhookStore', ({ maxLogEntries }) => FileWebhookStore.open(nextPath(), { maxLogEntries, flushDelayMs: 10 }));

/**
 * A FileWebhookStore closed and opened again from its file after every call, one call at a time:
 * the contract then holds only if everything it promises is in the file.
 */
class ReopenedEachCall implements WebhookStore {
  private queue: Promise<unknown> = Promise.resolve();
  private constructor(
    private store: FileWebhookStore,
    private readonly path: string,
    private readonly maxLogEntries: number,
  ) {}

  static async open(maxLogEntries: number): Promise<ReopenedEachCall> {
    const path = nextPath();
    return new ReopenedEachCall(await FileWebhookStore.open(path, { maxLogEntries }), path, maxLogEntries);
  }

  private call<T>(fn: (s: FileWebhookStore) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const result = await fn(this.store);
      await this.store.close();
      this.store = await FileWebhookStore.open(this.path, { maxLogEntries: this.maxLogEntries });
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  create(e: WebhookEndpoint): Promise<void> {
    return this.call((s) => s.create(e));
  }
  get(id: string): Promise<WebhookEndpoint | null> {
    return this.call((s) => s.get(id));
  }
  listByOwner(owner: string): Promise<WebhookEndpoint[]> {
    return this.call((s) => s.listByOwner(owner));
  }
  listActive(): Promise<WebhookEndpoint[]> {
    return this.call((s) => s.listActive());
  }
  update(id: string, patch: WebhookEndpointPatch, opts?: { ifUrl?: string; nowMs?: number }): Promise<WebhookEndpoint | null> {
    return this.call((s) => s.update(id, patch, opts));
  }
  delete(id: string): Promise<boolean> {
    return this.call((s) => s.delete(id));
  }
  appendAttempt(id: string, a: DeliveryAttempt): Promise<boolean> {
    return this.call((s) => s.appendAttempt(id, a));
  }
  listAttempts(id: string, opts: { limit: number; beforeSeq?: number }): Promise<LoggedDeliveryAttempt[]> {
    return this.call((s) => s.listAttempts(id, opts));
  }
  close(): Promise<void> {
    return this.call((s) => s.close());
  }
}

webhookStoreContract('FileWebhookStore, reopened from its file after every call', ({ maxLogEntries }) => ReopenedEachCall.open(maxLogEntries));

const readDoc = async (path: string): Promise<{ endpoints: Array<{ endpoint: WebhookEndpoint; lastSeq: number; log: LoggedDeliveryAttempt[] }> }> => JSON.parse(await readFile(path, 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FileWebhookStore: the file', () => {
  it('a missing file is an empty store; nothing is written until a change, then the directory and file (0600) appear', async () => {
    const path = nextPath();
    const store = await FileWebhookStore.open(path);
    expect(await store.listActive()).toEqual([]);
    await store.flush();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.create(endpointFixture());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('endpoint changes are on disk when they resolve', async () => {
    const path = nextPath();
    const store = await FileWebhookStore.open(path, { flushDelayMs: 60_000 });
    const e = endpointFixture({ symbols: ['AAPL'] });
    await store.create(e);
    expect((await readDoc(path)).endpoints.map((x) => x.endpoint)).toEqual([e]);
    await store.update(e.id, { description: 'changed' }, { nowMs: 5 });
    expect((await readDoc(path)).endpoints[0]!.endpoint).toMatchObject({ description: 'changed', updatedAtMs: 5 });
    await store.delete(e.id);
    expect((await readDoc(path)).endpoints).toEqual([]);
    await store.close();
  });

  it('coalesces a burst of log appends into one write, flushDelayMs later; flush() writes at once', async () => {
    const path = nextPath();
    const store = await FileWebhookStore.open(path, { flushDelayMs: 150, maxLogEntries: 1000 });
    const e = endpointFixture();
    await store.create(e);
    expect(store.writes).toBe(1);
    const started = Date.now();
    for (let i = 1; i <= 300; i++) await store.appendAttempt(e.id, attemptFixture(i));
    expect(store.writes).toBe(1); // nothing written per attempt
    expect((await readDoc(path)).endpoints[0]!.log).toEqual([]);
    while (store.writes < 2) await sleep(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const written = (await readDoc(path)).endpoints[0]!;
    expect(written.log).toHaveLength(300);
    expect(written.lastSeq).toBe(300);
    await sleep(400);
    expect(store.writes).toBe(2); // the burst cost one write

    await store.appendAttempt(e.id, attemptFixture(301));
    await store.flush();
    expect(store.writes).toBe(3);
    expect((await readDoc(path)).endpoints[0]!.log.at(-1)).toMatchObject({ seq: 301, deliveryId: 'msg_301' });
    await store.flush(); // nothing pending: no write
    expect(store.writes).toBe(3);
    await store.close();
  });

  it('close() writes pending appends, then refuses changes; reads keep working', async () => {
    const path = nextPath();
    const store = await FileWebhookStore.open(path, { flushDelayMs: 60_000 });
    const e = endpointFixture();
    await store.create(e);
    await store.appendAttempt(e.id, attemptFixture(1));
    await store.close();
    expect((await readDoc(path)).endpoints[0]!.log).toHaveLength(1);
    await expect(store.appendAttempt(e.id, attemptFixture(2))).rejects.toThrow(/is closed/);
    await expect(store.create(endpointFixture())).rejects.toThrow(/is closed/);
    expect(await store.get(e.id)).toEqual(e);
  });

  it('keeps endpoints and logs across a reopen; seq goes on from where it was, even past trimmed entries', async () => {
    const path = nextPath();
    const first = await FileWebhookStore.open(path, { maxLogEntries: 3 });
    const e = endpointFixture();
    await first.create(e);
    for (let i = 1; i <= 5; i++) await first.appendAttempt(e.id, attemptFixture(i));
    await first.close();
    const second = await FileWebhookStore.open(path, { maxLogEntries: 3 });
    expect(await second.get(e.id)).toEqual(e);
    expect((await second.listAttempts(e.id, { limit: 10 })).map((a) => a.seq)).toEqual([5, 4, 3]);
    await second.appendAttempt(e.id, attemptFixture(6));
    expect((await second.listAttempts(e.id, { limit: 1 }))[0]!.seq).toBe(6);
    await second.close();
    // A smaller cap on the next start trims the log as it loads.
    const third = await FileWebhookStore.open(path, { maxLogEntries: 2 });
    expect((await third.listAttempts(e.id, { limit: 10 })).map((a) => a.seq)).toEqual([6, 5]);
    await third.close();
  });

  it('replaces the file atomically: a reader never sees part of it, and no temporary file stays behind', async () => {
    const path = nextPath();
    const store = await FileWebhookStore.open(path, { flushDelayMs: 0, maxLogEntries: 5000 });
    const e = endpointFixture();
    await store.create(e);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        expect(() => JSON.parse(text), `read #${reads} of ${text.length} bytes`).not.toThrow();
        reads++;
      }
    })();
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 100; i++) await store.appendAttempt(e.id, attemptFixture(round * 100 + i, { error: 'x'.repeat(200) }));
      await store.flush();
    }
    writing = false;
    await reader;
    await store.close();
    expect(reads).toBeGreaterThan(10);
    expect((await readDoc(path)).endpoints[0]!.log).toHaveLength(4000);
    expect(await readdir(join(path, '..'))).toEqual(['webhooks.json']);
  });

  it('ignores a temporary file a crash left behind', async () => {
    const path = nextPath();
    const store = await FileWebhookStore.open(path);
    const e = endpointFixture();
    await store.create(e);
    await store.close();
    await writeFile(`${path}.4242-deadbeef.tmp`, '{"kind":"tickflow.webhooks","vers');
    const again = await FileWebhookStore.open(path);
    expect(await again.get(e.id)).toEqual(e);
    await again.close();
  });

  const valid = { endpoint: endpointFixture({ id: 'wh_0123456789abcdef0123' }), lastSeq: 2, log: [{ seq: 1, ...attemptFixture(1) }, { seq: 2, ...attemptFixture(2) }] };
  it.each<[string, string, RegExp]>([
    ['not JSON', '{"kind":"tickflow.webhooks",', /it is not valid JSON/],
    ['empty', '', /it is not valid JSON/],
    ['an array', '[]', /the document: expected an object/],
    ['another kind of file (the key file)', JSON.stringify({ kind: 'tickflow.api-keys', version: 1, keys: [] }), /kind: expected "tickflow.webhooks", got "tickflow.api-keys" \(is this the webhook file\?\)/],
    ['a version this code does not know', JSON.stringify({ kind: 'tickflow.webhooks', version: 2, endpoints: [] }), /version: expected 1, got 2/],
    ['an endpoint without its secret', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [{ ...valid, endpoint: { ...valid.endpoint, secret: undefined } }] }), /endpoints\[0\]\.endpoint\.secret: expected a non-empty string, got undefined/],
    ['an unknown severity', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [{ ...valid, endpoint: { ...valid.endpoint, minSeverity: 'LOW' } }] }), /endpoints\[0\]\.endpoint\.minSeverity: expected MEDIUM \| HIGH \| CRITICAL, got "LOW"/],
    ['the same id twice', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [valid, valid] }), /endpoints\[1\]\.endpoint\.id: wh_0123456789abcdef0123 appears twice/],
    ['a log out of order', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [{ ...valid, log: [...valid.log].reverse() }] }), /endpoints\[0\]\.log\[1\]\.seq: expected more than 2/],
    ['a seq past lastSeq', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [{ ...valid, lastSeq: 1 }] }), /endpoints\[0\]\.log\[1\]\.seq: expected more than 1 and at most lastSeq 1, got 2/],
    ['an unknown outcome', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [{ ...valid, log: [{ ...valid.log[0], outcome: 'lost' }] }] }), /endpoints\[0\]\.log\[0\]\.outcome: expected delivered \| retrying \| dead \| disabled, got "lost"/],
  ])('refuses a file that is %s, naming it, and leaves it as it is', async (_what, content, detail) => {
    const path = nextPath();
    await FileWebhookStore.open(path).then((s) => s.create(endpointFixture()).then(() => s.close())); // creates the directory
    await writeFile(path, content);
    const err = await FileWebhookStore.open(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFileError);
    expect((err as StoreFileError).code).toBe('STORE_FILE_INVALID');
    expect((err as Error).message).toContain(`the webhook file ${path} cannot be used: `);
    expect((err as Error).message).toMatch(detail);
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('accepts the file it wrote, as written', async () => {
    const path = nextPath();
    await FileWebhookStore.open(path).then((s) => s.create(endpointFixture()).then(() => s.close()));
    await writeFile(path, JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [valid] }));
    const store = await FileWebhookStore.open(path);
    expect(await store.get(valid.endpoint.id)).toEqual(valid.endpoint);
    expect(await store.listAttempts(valid.endpoint.id, { limit: 10 })).toEqual([...valid.log].reverse());
    await store.close();
  });

  it.each([
    [{ maxLogEntries: 0 }, /maxLogEntries must be a positive integer/],
    [{ flushDelayMs: -1 }, /flushDelayMs must be a non-negative integer/],
  ])('refuses options %j', async (opts, message) => {
    await expect(FileWebhookStore.open(nextPath(), opts)).rejects.toThrow(message);
  });
});
