import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey, verifyApiKey } from './api-keys';
import { FileApiKeyStore } from './file-api-key-store';
import { StoreFileError } from './json-file';

let dir: string;
let n = 0;
const nextPath = (): string => join(dir, `keys-${++n}`, 'api-keys.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-file-api-key-store-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileApiKeyStore', () => {
  it('stores records, never keys: put, get, list (oldest first), verify', async () => {
    const path = nextPath();
    const store = await FileApiKeyStore.open(path);
    const older = newApiKey('alice', ['read'], 'laptop', 1_000);
    const newer = newApiKey('ops', ['read', 'admin'], '', 2_000);
    await store.put(newer.record);
    await store.put(older.record);
    expect(await store.get(older.record.id)).toEqual(older.record);
    expect(await store.get('000000000000')).toBeNull();
    expect(await store.list()).toEqual([older.record, newer.record]);
    expect(await verifyApiKey(store, newer.key)).toEqual({ keyId: newer.record.id, owner: 'ops', scopes: ['read', 'admin'] });
    expect(await verifyApiKey(store, older.key.slice(0, -1) + (older.key.endsWith('A') ? 'B' : 'A'))).toBeNull();

    const text = await readFile(path, 'utf8');
    for (const k of [older.key, newer.key]) {
      expect(text).not.toContain(k);
      expect(text).not.toContain(k.slice(16)); // the secret part
    }
    expect(text).toContain(newer.record.hash);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('a missing file is an empty store; the first put creates it and its directory; another open reads it back', async () => {
    const path = nextPath();
    const store = await FileApiKeyStore.open(path);
    expect(await store.list()).toEqual([]);
    await expect(stat(dirname(path))).rejects.toMatchObject({ code: 'ENOENT' });
    const k = newApiKey('alice', ['read']);
    await store.put(k.record);
    const again = await FileApiKeyStore.open(path);
    expect(await again.list()).toEqual([k.record]);
    expect(await verifyApiKey(again, k.key)).not.toBeNull();
  });

  it('sees keys another process created or revoked in the file at once (the CLI beside a running API)', async () => {
    const path = nextPath();
    const server = await FileApiKeyStore.open(path);
    const cli = await FileApiKeyStore.open(path);
    const k = newApiKey('bob', ['read']);
    expect(await verifyApiKey(server, k.key)).toBeNull();
    await cli.put(k.record);
    expect(await verifyApiKey(server, k.key)).toMatchObject({ owner: 'bob' });
    await (await FileApiKeyStore.open(path)).put({ ...k.record, revokedAtMs: Date.now() });
    expect(await verifyApiKey(server, k.key)).toBeNull();
    // The server's own write keeps what the CLI wrote (it reloads before writing).
    const other = newApiKey('carol', ['read']);
    await server.put(other.record);
    expect((await (await FileApiKeyStore.open(path)).list()).map((r) => [r.owner, r.revokedAtMs !== null])).toEqual([
      ['bob', true],
      ['carol', false],
    ]);
    // A removed file is an empty store.
    await rm(path);
    expect(await server.list()).toEqual([]);
  });

  it('writes atomically: concurrent puts all land, no temporary file stays, a crash leftover is ignored', async () => {
    const path = nextPath();
    const store = await FileApiKeyStore.open(path);
    const keys = Array.from({ length: 25 }, (_, i) => newApiKey(`owner-${i}`, ['read'], '', 1_000 + i));
    await Promise.all(keys.map((k) => store.put(k.record)));
    expect((await (await FileApiKeyStore.open(path)).list()).map((r) => r.owner)).toEqual(keys.map((k) => k.record.owner));
    expect(await readdir(dirname(path))).toEqual(['api-keys.json']);
    await writeFile(`${path}.999-0badf00d.tmp`, '{"kind":');
    expect(await (await FileApiKeyStore.open(path)).list()).toHaveLength(25);
  });

  const record = newApiKey('alice', ['read']).record;
  it.each<[string, string, RegExp]>([
    ['not JSON', '{"kind": "tickflow.api-keys", "keys": [', /it is not valid JSON/],
    ['another kind of file (the webhook file)', JSON.stringify({ kind: 'tickflow.webhooks', version: 1, endpoints: [] }), /kind: expected "tickflow.api-keys", got "tickflow.webhooks" \(is this the key file\?\)/],
    ['a version this code does not know', JSON.stringify({ kind: 'tickflow.api-keys', version: 7, keys: [] }), /version: expected 1, got 7/],
    ['a record without a hash', JSON.stringify({ kind: 'tickflow.api-keys', version: 1, keys: [{ ...record, hash: 'tf_plaintext?' }] }), /keys\[0\]\.hash: expected a hex SHA-256 \(64 digits\), got "tf_plaintext\?"/],
    ['an unknown scope', JSON.stringify({ kind: 'tickflow.api-keys', version: 1, keys: [{ ...record, scopes: ['root'] }] }), /keys\[0\]\.scopes: expected a non-empty list of read, admin/],
    ['the same id twice', JSON.stringify({ kind: 'tickflow.api-keys', version: 1, keys: [record, record] }), /keys\[1\]\.id: [0-9a-f]{12} appears twice/],
  ])('refuses a file that is %s, naming it, and never overwrites it', async (_what, content, detail) => {
    const path = nextPath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    const err = await FileApiKeyStore.open(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFileError);
    expect((err as Error).message).toContain(`the API key file ${path} cannot be used: `);
    expect((err as Error).message).toMatch(detail);
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('a file broken while the API runs fails the next read, naming it; a put does not overwrite it', async () => {
    const path = nextPath();
    const store = await FileApiKeyStore.open(path);
    await store.put(record);
    await writeFile(path, 'garbage');
    await expect(store.get(record.id)).rejects.toThrow(`the API key file ${path} cannot be used: it is not valid JSON`);
    await expect(store.put(newApiKey('x', ['read']).record)).rejects.toBeInstanceOf(StoreFileError);
    expect(await readFile(path, 'utf8')).toBe('garbage');
  });
});
