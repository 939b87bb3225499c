import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey, verifyApiKey } from './api-keys';
import { FileApiKeyStore } from './file-api-key-store';
import { ensureLocalDevKey, localDevKeyNotice } from './local-dev-key';

let dir: string;
let n = 0;
const nextPath = (): string => join(dir, `keys-${++n}.json`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-local-dev-key-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureLocalDevKey', () => {
  it('creates an admin key for owner local on the first start, returns it once, and nothing on later starts', async () => {
    const path = nextPath();
    const created = await ensureLocalDevKey(await FileApiKeyStore.open(path), { nowMs: 1_234 });
    expect(created).not.toBeNull();
    expect(created!.record).toMatchObject({ owner: 'local', scopes: ['read', 'admin'], createdAtMs: 1_234, revokedAtMs: null });
    const store = await FileApiKeyStore.open(path); // the next start
    expect(await verifyApiKey(store, created!.key)).toEqual({ keyId: created!.record.id, owner: 'local', scopes: ['read', 'admin'] });
    expect(await ensureLocalDevKey(store)).toBeNull();
    expect(await ensureLocalDevKey(await FileApiKeyStore.open(path))).toBeNull();
    expect(await store.list()).toHaveLength(1);
    expect(await readFile(path, 'utf8')).not.toContain(created!.key); // not recoverable from the file
  });

  it('creates none when an admin key made by hand is active; creates one when only read keys are', async () => {
    const withAdmin = await FileApiKeyStore.open(nextPath());
    await withAdmin.put(newApiKey('ops', ['admin']).record);
    expect(await ensureLocalDevKey(withAdmin)).toBeNull();

    const readOnly = await FileApiKeyStore.open(nextPath());
    await readOnly.put(newApiKey('alice', ['read']).record);
    const created = await ensureLocalDevKey(readOnly, { owner: 'me', name: 'mine' });
    expect(created!.record).toMatchObject({ owner: 'me', name: 'mine', scopes: ['read', 'admin'] });
  });

  it('creates a new one after every admin key was revoked', async () => {
    const store = await FileApiKeyStore.open(nextPath());
    const first = (await ensureLocalDevKey(store))!;
    await store.put({ ...first.record, revokedAtMs: Date.now() });
    const second = await ensureLocalDevKey(store);
    expect(second).not.toBeNull();
    expect(second!.record.id).not.toBe(first.record.id);
    expect(await verifyApiKey(store, first.key)).toBeNull();
    expect(await verifyApiKey(store, second!.key)).not.toBeNull();
  });

  it('the notice shows the key and how to make another', () => {
    const text = localDevKeyNotice('tf_0123456789ab_secret', './data/api-keys.json');
    expect(text).toContain('tf_0123456789ab_secret');
    expect(text).toContain('shown only now');
    expect(text).toContain('tickflow keys create --keys-file ./data/api-keys.json --owner local --scopes read,admin');
  });
});
