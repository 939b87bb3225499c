import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from './history-cursor';

const forge = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function badCursor(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('BAD_CURSOR');
    return (err as ApiError).detail;
  }
  throw new Error('expected BAD_CURSOR');
}

describe('pagination cursors', () => {
  it.each([
    ['symbols', { symbol: "BRK.B/X'\"" }],
    ['bars', { timeMs: 1723123800000 }],
    ['aggregates', { timeMs: -2208988800000 }],
    ['signals', { timeMs: 0 }],
    ['orderbook', { timeMs: 1723123800005, seq: 9007199254740991 }],
    ['alerts', { timeMs: 1723123800000, alertId: 'pa:AAPL:1723123800000:c-1' }],
  ] as const)('round-trip a %s key as URL-safe text', (listing, key) => {
    const cursor = encodeCursor(listing, key)!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(listing, cursor)).toEqual(key);
  });

  it('the last page has no cursor', () => {
    expect(encodeCursor('bars', null)).toBeNull();
  });

  it.each([
    ['not base64url', 'abc$'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['an object', forge({ k: 'bars', t: 1 })],
    ['another version', forge([2, 'bars', 1])],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
  ])('refuses %s', (_what, cursor) => {
    expect(badCursor(() => decodeCursor('bars', cursor))).toMatch(/not one this API issued/);
  });

  it('refuses a cursor of another listing, by name', () => {
    expect(badCursor(() => decodeCursor('bars', encodeCursor('signals', { timeMs: 1 })!))).toMatch(/another listing \(signals\), not bars/);
  });

  it.each([
    ['bars', [1, 'bars', '1723123800000']],
    ['bars', [1, 'bars', 1.5]],
    ['bars', [1, 'bars', 1, 2]],
    ['bars', [1, 'bars', 1e20]],
    ['orderbook', [1, 'orderbook', 1]],
    ['orderbook', [1, 'orderbook', 1, '2']],
    ['alerts', [1, 'alerts', 1, '']],
    ['alerts', [1, 'alerts', 1, 42]],
    ['symbols', [1, 'symbols', null]],
  ] as const)('refuses a %s cursor whose key has the wrong shape: %j', (listing, value) => {
    expect(badCursor(() => decodeCursor(listing, forge(value)))).toMatch(/invalid position/);
  });
});
