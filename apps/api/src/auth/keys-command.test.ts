import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyApiKey } from './api-keys';
import { FileApiKeyStore } from './file-api-key-store';
import { keysCommand, KEYS_USAGE } from './keys-command';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-keys-command-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await keysCommand(args, (l) => lines.push(l), env);
  return { code, lines };
}

describe('tickflow keys with a keys file (no Redis)', () => {
  it('--help names the flag and its variable', async () => {
    const { code, lines } = await run(['--help']);
    expect(code).toBe(0);
    expect(lines.join('\n')).toBe(KEYS_USAGE);
    expect(KEYS_USAGE).toMatch(/--keys-file FILE .*env TICKFLOW_KEYS_FILE/);
  });

  it('create, list and revoke with --keys-file; the created key works against the file', async () => {
    const file = join(dir, 'flag', 'api-keys.json');
    const created = await run(['create', '--keys-file', file, '--owner', 'alice', '--scopes', 'read,admin', '--name', 'laptop']);
    expect(created.code).toBe(0);
    expect(created.lines[0]).toMatch(/^created key [0-9a-f]{12} for alice \(read, admin\); it is shown only now:$/);
    const key = created.lines[1]!;
    const id = /^created key ([0-9a-f]{12})/.exec(created.lines[0]!)![1]!;
    expect(await verifyApiKey(await FileApiKeyStore.open(file), key)).toEqual({ keyId: id, owner: 'alice', scopes: ['read', 'admin'] });

    const listed = await run(['list', '--keys-file', file]);
    expect(listed.lines).toHaveLength(1);
    expect(listed.lines[0]).toMatch(new RegExp(`^${id}  alice\\s+read,admin\\s+\\d{4}-.*Z  active  laptop$`));

    expect((await run(['revoke', id, '--keys-file', file])).lines).toEqual([`revoked key ${id} (alice)`]);
    expect((await run(['list', '--keys-file', file])).lines[0]).toMatch(/ revoked \d{4}-/);
    expect(await verifyApiKey(await FileApiKeyStore.open(file), key)).toBeNull();
  });

  it('TICKFLOW_KEYS_FILE selects the file too', async () => {
    const file = join(dir, 'env', 'api-keys.json');
    expect((await run(['list'], { TICKFLOW_KEYS_FILE: file })).lines).toEqual(['no API keys']);
    expect((await run(['create', '--owner', 'bob'], { TICKFLOW_KEYS_FILE: file })).code).toBe(0);
    expect(await (await FileApiKeyStore.open(file)).list()).toMatchObject([{ owner: 'bob', scopes: ['read'] }]);
  });

  it('refuses --keys-file with --redis-url', async () => {
    await expect(run(['list', '--keys-file', join(dir, 'x.json'), '--redis-url', 'redis://127.0.0.1:6379'])).rejects.toThrow(/--keys-file \/ --redis-url: expected one of them/);
  });

  it('names a broken keys file', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{');
    await expect(run(['list', '--keys-file', file])).rejects.toThrow(`the API key file ${file} cannot be used: it is not valid JSON`);
  });
});
