import { describe, expect, it } from 'vitest';
import { LiveHub, type LiveMessage } from '../live/live-hub';
import { GraphqlApiError } from './graphql-errors';
import { LiveSubscription } from './live-subscription';

const msg = (channel: string, n: number): LiveMessage => ({ channel, kind: 'signal', data: { n }, eventTsMs: n, receivedAtMs: n });
const value = (m: LiveMessage): number | null => (m.data['n'] as number) % 2 === 0 ? (m.data['n'] as number) : null; // even only

describe('LiveSubscription', () => {
  it('listens on its channels, emits mapped values in order, skips nulls', async () => {
    const hub = new LiveHub();
    const sub = new LiveSubscription(hub, ['signals.A', 'signals.B'], value, { bufferSize: 10 });
    expect(hub.listenerCount).toBe(2);
    const pending = sub.next(); // waiting before anything arrives
    hub.publish(msg('signals.A', 2));
    hub.publish(msg('signals.C', 4)); // not subscribed
    hub.publish(msg('signals.B', 3)); // filtered
    hub.publish(msg('signals.B', 6));
    expect(await pending).toEqual({ value: 2, done: false });
    expect(await sub.next()).toEqual({ value: 6, done: false });
  });

  it('return() stops listening, ends a pending next(), and reports done afterwards', async () => {
    const hub = new LiveHub();
    let closes = 0;
    const sub = new LiveSubscription(hub, ['signals.A', 'signals.*'], value, { bufferSize: 10, onClose: () => closes++ });
    const pending = sub.next();
    await sub.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await sub.next()).toEqual({ value: undefined, done: true });
    expect(hub.listenerCount).toBe(0);
    await sub.return();
    expect(closes).toBe(1);
  });

  it('a consumer more than bufferSize behind gets UNAVAILABLE; the hub forgets it at once', async () => {
    const hub = new LiveHub();
    const sub = new LiveSubscription(hub, ['signals.A'], value, { bufferSize: 3 });
    for (const n of [2, 4, 6, 8]) hub.publish(msg('signals.A', n));
    expect(hub.listenerCount).toBe(0);
    const err = await sub.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphqlApiError);
    expect((err as GraphqlApiError).extensions['code']).toBe('UNAVAILABLE');
    expect((err as Error).message).toMatch(/more than 3 events behind/);
    expect(await sub.next()).toEqual({ value: undefined, done: true });
  });

  it('buffers up to bufferSize and hands them over in order', async () => {
    const hub = new LiveHub();
    const sub = new LiveSubscription(hub, ['signals.A'], value, { bufferSize: 3 });
    for (const n of [2, 4, 6]) hub.publish(msg('signals.A', n));
    const got = [await sub.next(), await sub.next()].map((r) => r.value);
    hub.publish(msg('signals.A', 8));
    hub.publish(msg('signals.A', 10)); // the ring wraps around
    got.push((await sub.next()).value, (await sub.next()).value, (await sub.next()).value);
    expect(got).toEqual([2, 4, 6, 8, 10]);
  });

  it('a bad channel leaves no listener behind', () => {
    const hub = new LiveHub();
    let closes = 0;
    expect(() => new LiveSubscription(hub, ['signals.A', 'nope'], value, { bufferSize: 3, onClose: () => closes++ })).toThrow(/unknown channel/);
    expect(hub.listenerCount).toBe(0);
    expect(closes).toBe(1);
  });
});
