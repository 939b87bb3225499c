import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a key may do: `read` = every GET, live feeds, own webhooks; `admin` = also keys, ad-hoc SQL. */
export type Scope = 'read' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'admin'];

/** A stored API key: never the secret, only its SHA-256. */
export interface ApiKeyRecord {
  /** Public identifier, the part of the key before the secret (`tf_<id>_…`). */
  id: string;
  /** Who owns it: webhooks and alerts are scoped to the owner. */
  owner: string;
  scopes: Scope[];
  name: string;
  createdAtMs: number;
  revokedAtMs: number | null;
  /** hex SHA-256 of the whole key string. */
  hash: string;
}

/** The identity a verified key grants to a request. */
export interface Principal {
  keyId: string;
  owner: string;
  scopes: readonly Scope[];
}

/** Keys look like `tf_<12 hex id>_<43 base64url secret>`: greppable in logs and by secret scanners. */
const KEY_FORMAT = /^tf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * Stores API keys hashed. SHA-256 (not a slow KDF) is enough: the secret is 256 random bits, not a
 * password, so there is nothing to brute-force, and every request pays for the check.
 */
export interface ApiKeyStore {
  put(record: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  close(): Promise<void>;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A fresh key and the record to store for it; the key itself is shown once and never stored. */
export function newApiKey(owner: string, scopes: readonly Scope[], name = '', nowMs = Date.now()): { key: string; record: ApiKeyRecord } {
  if (!/^[\w.@-]{1,100}$/.test(owner)) throw new RangeError(`owner must be 1–100 letters, digits or . _ @ -, got ${JSON.stringify(owner)}`);
  if (scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s))) throw new RangeError(`scopes must be a non-empty subset of ${SCOPES.join(', ')}`);
  const id = randomBytes(6).toString('hex');
  const key = `tf_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, record: { id, owner, scopes: [...new Set(scopes)], name, createdAtMs: nowMs, revokedAtMs: null, hash: hashKey(key) } };
}

/** The principal for `key`, or null when it is malformed, unknown, revoked or does not match. */
export async function verifyApiKey(store: ApiKeyStore, key: string): Promise<Principal | null> {
  const m = KEY_FORMAT.exec(key);
  if (!m) return null;
  const record = await store.get(m[1]!);
  if (!record || record.revokedAtMs !== null) return null;
  const given = Buffer.from(hashKey(key), 'hex');
  const stored = Buffer.from(record.hash, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return null;
  return { keyId: record.id, owner: record.owner, scopes: record.scopes };
}

export function hasScope(principal: Principal, needed: Scope): boolean {
  return needed === 'read' ? principal.scopes.length > 0 : principal.scopes.includes('admin');
}
