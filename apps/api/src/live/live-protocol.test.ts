import { describe, expect, it } from 'vitest';
import { ClientAction, LiveErrorCode, LiveProtocolError, MAX_CHANNELS_PER_MESSAGE, decodeClientMessage, parseClientMessage, type ClientMessage } from './live-protocol';

const KEY = `tf_0123456789ab_${'A'.repeat(43)}`;

describe('decodeClientMessage', () => {
  it.each<[string, unknown, ClientMessage]>([
    ['auth', { action: 'auth', key: KEY }, { action: ClientAction.Auth, key: KEY }],
    ['auth with an id', { action: 'auth', key: KEY, id: 'a1' }, { action: ClientAction.Auth, key: KEY, id: 'a1' }],
    ['subscribe', { action: 'subscribe', channels: ['bars.1s.AAPL', 'alerts.*'] }, { action: ClientAction.Subscribe, channels: ['bars.1s.AAPL', 'alerts.*'] }],
    ['subscribe with a numeric id', { action: 'subscribe', channels: ['signals.MSFT'], id: 7 }, { action: ClientAction.Subscribe, channels: ['signals.MSFT'], id: 7 }],
    ['subscribe, duplicates removed', { action: 'subscribe', channels: ['orderbook.X', 'orderbook.X'] }, { action: ClientAction.Subscribe, channels: ['orderbook.X'] }],
    ['unsubscribe', { action: 'unsubscribe', channels: ['bars.15m.BRK.B'], id: 'u' }, { action: ClientAction.Unsubscribe, channels: ['bars.15m.BRK.B'], id: 'u' }],
    ['extra fields ignored', { action: 'subscribe', channels: ['alerts.*'], client: 'dash/1.2' }, { action: ClientAction.Subscribe, channels: ['alerts.*'] }],
  ])('accepts %s', (_what, val, expected) => {
    expect(decodeClientMessage(val)).toEqual(expected);
  });

  it.each<[string, unknown, LiveErrorCode, RegExp, (string | number)?]>([
    ['null', null, LiveErrorCode.BadMessage, /must be a JSON object, got null/],
    ['an array', [1], LiveErrorCode.BadMessage, /must be a JSON object, got an array/],
    ['a string', 'auth', LiveErrorCode.BadMessage, /must be a JSON object, got string "auth"/],
    ['no action', { key: KEY }, LiveErrorCode.BadMessage, /"action" must be a string \(auth, subscribe, unsubscribe\), got nothing/],
    ['a numeric action', { action: 1 }, LiveErrorCode.BadMessage, /"action" must be a string/],
    ['an unknown action', { action: 'publish', id: 'p' }, LiveErrorCode.UnknownAction, /unknown action "publish"; expected auth, subscribe, unsubscribe/, 'p'],
    ['auth without key', { action: 'auth' }, LiveErrorCode.BadMessage, /"key" must be an API key string .* got nothing/],
    ['auth with an empty key', { action: 'auth', key: '' }, LiveErrorCode.BadMessage, /got a string of 0 characters/],
    ['auth with a numeric key', { action: 'auth', key: 42, id: 3 }, LiveErrorCode.BadMessage, /"key" must be/, 3],
    ['subscribe without channels', { action: 'subscribe', id: 's' }, LiveErrorCode.BadMessage, /"channels" must be a non-empty array/, 's'],
    ['subscribe with a string', { action: 'subscribe', channels: 'alerts.*' }, LiveErrorCode.BadMessage, /"channels" must be a non-empty array .* got string/],
    ['subscribe with no channel', { action: 'subscribe', channels: [] }, LiveErrorCode.BadMessage, /non-empty array/],
    ['a non-string channel', { action: 'subscribe', channels: ['alerts.*', 5] }, LiveErrorCode.BadMessage, /"channels\[1\]" must be a string, got number 5/],
    ['an unknown channel', { action: 'subscribe', channels: ['quotes.AAPL'], id: 9 }, LiveErrorCode.UnknownChannel, /unknown channel "quotes.AAPL"; channels are bars/, 9],
    ['a bad interval', { action: 'unsubscribe', channels: ['bars.2s.AAPL', 'bars.1s.aapl'] }, LiveErrorCode.UnknownChannel, /unknown channels "bars.2s.AAPL", "bars.1s.aapl"/],
    ['too many channels in one message', { action: 'subscribe', channels: Array.from({ length: MAX_CHANNELS_PER_MESSAGE + 1 }, (_, i) => `alerts.S${i}`) }, LiveErrorCode.BadMessage, /at most 1000 channels, got 1001/],
    ['an object id', { action: 'subscribe', channels: ['alerts.*'], id: {} }, LiveErrorCode.BadMessage, /"id" must be a string .* or an integer, got an object/],
    ['a fractional id', { action: 'subscribe', channels: ['alerts.*'], id: 1.5 }, LiveErrorCode.BadMessage, /"id" must be/],
    ['a huge id', { action: 'subscribe', channels: ['alerts.*'], id: 'x'.repeat(129) }, LiveErrorCode.BadMessage, /"id" must be a string of at most 128/],
  ])('refuses %s', (_what, val, code, message, id) => {
    const err = catchError(() => decodeClientMessage(val));
    expect(err).toBeInstanceOf(LiveProtocolError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.id).toBe(id);
  });

  it('never echoes a key in an error', () => {
    const secret = `tf_0123456789ab_${'S'.repeat(300)}`;
    const err = catchError(() => decodeClientMessage({ action: 'auth', key: secret }));
    expect(err.message).not.toContain('SSSS');
  });
});

describe('parseClientMessage', () => {
  it('parses then decodes', () => {
    expect(parseClientMessage('{"action":"subscribe","channels":["alerts.*"],"id":1}')).toEqual({ action: 'subscribe', channels: ['alerts.*'], id: 1 });
  });

  it.each(['', '{', 'hello', '{"action":"auth",}'])('reports %j as BAD_JSON', (text) => {
    const err = catchError(() => parseClientMessage(text));
    expect([err.code, err.message]).toEqual([LiveErrorCode.BadJson, expect.stringMatching(/^the message is not valid JSON: /)]);
  });
});

function catchError(fn: () => unknown): LiveProtocolError {
  try {
    fn();
  } catch (err) {
    return err as LiveProtocolError;
  }
  throw new Error('expected a LiveProtocolError');
}
