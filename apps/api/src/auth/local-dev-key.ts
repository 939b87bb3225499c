import { newApiKey, type ApiKeyRecord, type ApiKeyStore } from './api-keys';

export interface LocalDevKeyOptions {
  /** Owner of the key created. @defaultValue 'local' */
  owner?: string;
  /** Its label in `tickflow keys list`. @defaultValue 'local development key (created at start)' */
  name?: string;
  /** @defaultValue Date.now() */
  nowMs?: number;
}

/**
 * Gives a fresh embedded install a key to log in with: when `store` holds no active (unrevoked)
 * `admin` key, creates one (owner `local`, scopes `read` and `admin`) and returns it with its
 * plaintext key, which the caller prints once (see `localDevKeyNotice`). Returns null when an
 * active admin key exists — on every later start: the key is stored only as a hash, so it cannot
 * be shown again; `tickflow keys create --keys-file <the same file>` makes another, and revoking
 * every admin key makes the next start create a new one.
 */
export async function ensureLocalDevKey(store: ApiKeyStore, opts: LocalDevKeyOptions = {}): Promise<{ key: string; record: ApiKeyRecord } | null> {
  const existing = await store.list();
  if (existing.some((r) => r.revokedAtMs === null && r.scopes.includes('admin'))) return null;
  const created = newApiKey(opts.owner ?? 'local', ['read', 'admin'], opts.name ?? 'local development key (created at start)', opts.nowMs ?? Date.now());
  await store.put(created.record);
  return created;
}

/** What to print, once, about a key `ensureLocalDevKey` created in `keysFile`. */
export function localDevKeyNotice(key: string, keysFile: string): string {
  return [
    `Created an admin API key for this install (stored hashed in ${keysFile}); it is shown only now:`,
    `  ${key}`,
    `Use it as "Authorization: Bearer <key>". It cannot be shown again: make another with`,
    `  tickflow keys create --keys-file ${keysFile} --owner local --scopes read,admin`,
  ].join('\n');
}
