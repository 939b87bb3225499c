/**
 * The `WebhookStore` contract as one table-driven suite, run against every backend: Redis
 * (`test/webhooks-store.int.test.ts`) and the file (`file-webhook-store.test.ts`). A backend passes
 * when it behaves as the delivery worker and the REST routes rely on. Test support only; not
 * exported from the package.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryAttempt } from '../delivery-attempt';
import { newWebhookId, type WebhookEndpoint, type WebhookEndpointPatch } from '../webhook-endpoint';
import type { WebhookStore } from '../webhook-store';

/** Opens a fresh, empty store of the backend under test; `close` (if any) is called after the suite. */
export type OpenWebhookStore = (opts: { maxLogEntries: number }) => Promise<WebhookStore & { close?: () => Promise<void> }>;

const MAX_LOG = 5;

export function endpointFixture(over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: newWebhookId(),
    owner: 'alice',
    url: 'https://hooks.example.com/a',
    description: '',
    symbols: null,
    minSeverity: 'MEDIUM',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    status: 'active',
    disabledReason: null,
    createdAtMs: 1_000,
    updatedAtMs: 1_000,
    ...over,
  };
}

export function attemptFixture(n: number, over: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { deliveryId: `msg_${n}`, alertId: `pa:AAPL:${n}`, attempt: 1, atMs: 1_700_000_000_000 + n, statusCode: 500, error: 'HTTP 500', durationMs: n, outcome: 'retrying', ...over };
}

export function webhookStoreContract(backend: string, open: OpenWebhookStore): void {
  describe(`WebhookStore contract: ${backend}`, () => {
    const opened: Array<WebhookStore & { close?: () => Promise<void> }> = [];
    const fresh = async (): Promise<WebhookStore> => {
      const store = await open({ maxLogEntries: MAX_LOG });
      opened.push(store);
      return store;
    };
    afterAll(async () => {
      for (const s of opened) await s.close?.();
    });

    it('create then get gives the endpoint back; an unknown id is null', async () => {
      const store = await fresh();
      const e = endpointFixture({ symbols: ['AAPL', 'MSFT'], minSeverity: 'HIGH', description: 'desk' });
      await store.create(e);
      expect(await store.get(e.id)).toEqual(e);
      expect(await store.get(newWebhookId())).toBeNull();
    });

    it('hands out copies: changing what it returned changes nothing stored', async () => {
      const store = await fresh();
      const e = endpointFixture({ symbols: ['AAPL'] });
      await store.create(e);
      e.symbols!.push('CHANGED');
      const got = (await store.get(e.id))!;
      expect(got.symbols).toEqual(['AAPL']);
      got.symbols!.push('MSFT');
      got.url = 'https://evil.example.com/';
      expect(await store.get(e.id)).toMatchObject({ symbols: ['AAPL'], url: 'https://hooks.example.com/a' });
    });

    it("listByOwner gives only that owner's endpoints, oldest first (ties by id)", async () => {
      const store = await fresh();
      const [a, b, c, d] = ['wh_00000000000000000003', 'wh_00000000000000000001', 'wh_00000000000000000002', 'wh_00000000000000000004'];
      await store.create(endpointFixture({ id: a!, createdAtMs: 3 }));
      await store.create(endpointFixture({ id: b!, createdAtMs: 5 }));
      await store.create(endpointFixture({ id: c!, createdAtMs: 3 }));
      await store.create(endpointFixture({ id: d!, owner: 'bob', createdAtMs: 1 }));
      expect((await store.listByOwner('alice')).map((e) => e.id)).toEqual([c, a, b]);
      expect((await store.listByOwner('bob')).map((e) => e.id)).toEqual([d]);
      expect(await store.listByOwner('carol')).toEqual([]);
    });

    it("listActive gives every owner's active endpoints, oldest first", async () => {
      const store = await fresh();
      const on1 = endpointFixture({ createdAtMs: 2 });
      const on2 = endpointFixture({ owner: 'bob', createdAtMs: 1 });
      const off = endpointFixture({ status: 'disabled', disabledReason: 'disabled by its owner', createdAtMs: 0 });
      for (const e of [on1, on2, off]) await store.create(e);
      expect(await store.listActive()).toEqual([on2, on1]);
    });

    type UpdateCase = [what: string, over: Partial<WebhookEndpoint>, patch: WebhookEndpointPatch, opts: { ifUrl?: string }, expected: Partial<WebhookEndpoint> | null];
    it.each<UpdateCase>([
      ['applies a patch and stamps updatedAtMs', {}, { description: 'moved', url: 'https://hooks.example.com/b', minSeverity: 'CRITICAL' }, {}, { description: 'moved', url: 'https://hooks.example.com/b', minSeverity: 'CRITICAL' }],
      ['sets nulls: every symbol again, reason cleared', { symbols: ['AAPL'], status: 'disabled', disabledReason: 'gone' }, { symbols: null, status: 'active', disabledReason: null }, {}, { symbols: null, status: 'active', disabledReason: null }],
      ['leaves undefined values alone', { description: 'keep' }, { description: undefined, symbols: ['MSFT'] }, {}, { description: 'keep', symbols: ['MSFT'] }],
      ['with ifUrl equal to the URL, applies it', {}, { status: 'disabled', disabledReason: '410' }, { ifUrl: 'https://hooks.example.com/a' }, { status: 'disabled', disabledReason: '410' }],
      ['with ifUrl different from the URL, changes nothing and returns null', {}, { status: 'disabled', disabledReason: '410' }, { ifUrl: 'https://hooks.example.com/old' }, null],
      ['an empty patch still stamps updatedAtMs', {}, {}, {}, {}],
    ])('update %s', async (_what, over, patch, opts, expected) => {
      const store = await fresh();
      const e = endpointFixture(over);
      await store.create(e);
      const result = await store.update(e.id, patch, { ...opts, nowMs: 9_999 });
      if (expected === null) {
        expect(result).toBeNull();
        expect(await store.get(e.id)).toEqual(e);
      } else {
        const after = { ...e, ...expected, updatedAtMs: 9_999 };
        expect(result).toEqual(after);
        expect(await store.get(e.id)).toEqual(after);
        expect(after.createdAtMs).toBe(e.createdAtMs);
      }
    });

    it('update of an unknown endpoint is null and creates nothing', async () => {
      const store = await fresh();
      const id = newWebhookId();
      expect(await store.update(id, { description: 'x' })).toBeNull();
      expect(await store.update(id, { description: 'x' }, { ifUrl: 'https://hooks.example.com/a' })).toBeNull();
      expect(await store.get(id)).toBeNull();
      expect(await store.listActive()).toEqual([]);
    });

    it('delete is true once, then false; the endpoint leaves every list and its log goes; a late append or update writes nothing', async () => {
      const store = await fresh();
      const e = endpointFixture();
      const other = endpointFixture();
      await store.create(e);
      await store.create(other);
      await store.appendAttempt(e.id, attemptFixture(1));
      expect(await store.delete(e.id)).toBe(true);
      expect(await store.delete(e.id)).toBe(false);
      expect(await store.get(e.id)).toBeNull();
      expect((await store.listByOwner('alice')).map((x) => x.id)).toEqual([other.id]);
      expect((await store.listActive()).map((x) => x.id)).toEqual([other.id]);
      expect(await store.listAttempts(e.id, { limit: 10 })).toEqual([]);
      expect(await store.appendAttempt(e.id, attemptFixture(2))).toBe(false);
      expect(await store.update(e.id, { status: 'disabled' })).toBeNull();
      expect(await store.get(e.id)).toBeNull();
      expect(await store.listAttempts(e.id, { limit: 10 })).toEqual([]);
    });

    it('an id deleted and created again starts a new log at seq 1', async () => {
      const store = await fresh();
      const e = endpointFixture();
      await store.create(e);
      for (let i = 1; i <= 3; i++) await store.appendAttempt(e.id, attemptFixture(i));
      await store.delete(e.id);
      await store.create(e);
      expect(await store.listAttempts(e.id, { limit: 10 })).toEqual([]);
      await store.appendAttempt(e.id, attemptFixture(9));
      expect((await store.listAttempts(e.id, { limit: 10 })).map((a) => a.seq)).toEqual([1]);
    });

    it('refuses to log for an unknown endpoint, whose log is empty', async () => {
      const store = await fresh();
      const id = newWebhookId();
      expect(await store.appendAttempt(id, attemptFixture(1))).toBe(false);
      expect(await store.listAttempts(id, { limit: 10 })).toEqual([]);
      expect(await store.get(id)).toBeNull();
    });

    it('numbers log entries 1, 2, 3… per endpoint and lists them newest first with every field', async () => {
      const store = await fresh();
      const e = endpointFixture();
      const f = endpointFixture();
      await store.create(e);
      await store.create(f);
      const first = attemptFixture(1, { statusCode: null, error: 'refused to connect: 10.0.0.1 is a private address', durationMs: 0 });
      const second = attemptFixture(2, { attempt: 2, statusCode: 200, error: null, outcome: 'delivered' });
      expect(await store.appendAttempt(e.id, first)).toBe(true);
      expect(await store.appendAttempt(f.id, attemptFixture(7))).toBe(true);
      expect(await store.appendAttempt(e.id, second)).toBe(true);
      expect(await store.listAttempts(e.id, { limit: 10 })).toEqual([
        { seq: 2, ...second },
        { seq: 1, ...first },
      ]);
      expect(await store.listAttempts(f.id, { limit: 10 })).toEqual([{ seq: 1, ...attemptFixture(7) }]);
    });

    it('caps the log: the oldest entries go, and their seq is never reused', async () => {
      const store = await fresh();
      const e = endpointFixture();
      await store.create(e);
      for (let i = 1; i <= MAX_LOG + 3; i++) await store.appendAttempt(e.id, attemptFixture(i));
      const log = await store.listAttempts(e.id, { limit: 100 });
      expect(log.map((a) => [a.seq, a.deliveryId])).toEqual([8, 7, 6, 5, 4].map((n) => [n, `msg_${n}`]));
      await store.appendAttempt(e.id, attemptFixture(9));
      expect((await store.listAttempts(e.id, { limit: 1 }))[0]).toMatchObject({ seq: 9, deliveryId: 'msg_9' });
    });

    it.each<[{ limit: number; beforeSeq?: number }, number[]]>([
      [{ limit: 100 }, [8, 7, 6, 5, 4]],
      [{ limit: 2 }, [8, 7]],
      [{ limit: 2, beforeSeq: 7 }, [6, 5]],
      [{ limit: 100, beforeSeq: 5 }, [4]],
      [{ limit: 100, beforeSeq: 4 }, []],
      [{ limit: 100, beforeSeq: 2 }, []],
      [{ limit: 3, beforeSeq: 100 }, [8, 7, 6]],
      [{ limit: 1, beforeSeq: 9 }, [8]],
    ])('pages the log newest first: %j → seqs %j', async (page, seqs) => {
      const store = await fresh();
      const e = endpointFixture();
      await store.create(e);
      for (let i = 1; i <= 8; i++) await store.appendAttempt(e.id, attemptFixture(i));
      expect((await store.listAttempts(e.id, page)).map((a) => a.seq)).toEqual(seqs);
    });

    it('keeps pages stable while attempts are appended', async () => {
      const store = await fresh();
      const e = endpointFixture();
      await store.create(e);
      for (let i = 1; i <= 4; i++) await store.appendAttempt(e.id, attemptFixture(i));
      const page1 = await store.listAttempts(e.id, { limit: 2 });
      await store.appendAttempt(e.id, attemptFixture(5));
      const page2 = await store.listAttempts(e.id, { limit: 2, beforeSeq: page1[1]!.seq });
      expect([...page1, ...page2].map((a) => a.deliveryId)).toEqual(['msg_4', 'msg_3', 'msg_2', 'msg_1']);
    });

    it('gives concurrent appends each their own seq', async () => {
      const store = await fresh();
      const e = endpointFixture();
      await store.create(e);
      const results = await Promise.all(Array.from({ length: MAX_LOG }, (_, i) => store.appendAttempt(e.id, attemptFixture(i + 1))));
      expect(results.every(Boolean)).toBe(true);
      const log = await store.listAttempts(e.id, { limit: 100 });
      expect(log.map((a) => a.seq)).toEqual([5, 4, 3, 2, 1]);
      expect(new Set(log.map((a) => a.deliveryId)).size).toBe(MAX_LOG);
    });
  });
}
