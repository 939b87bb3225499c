import { describe, expect, it } from 'vitest';
import { LiveHub, isChannelPattern, type LiveMessage } from './live-hub';

const msg = (channel: string): LiveMessage => ({ channel, kind: 'alert', data: {}, eventTsMs: 1, receivedAtMs: 2 });

describe('LiveHub', () => {
  it.each([
    ['bars.1s.AAPL', true],
    ['bars.15m.BTCUSDT', true],
    ['bars.2s.AAPL', false],
    ['signals.*', true],
    ['alerts.*', true],
    ['orderbook.SYM0001', true],
    ['alerts', false],
    ['alerts.aapl', false],
    ['quotes.AAPL', false],
    ['signals.A.*', false],
    ['alerts.BRK.B', true],
    ['bars.1m.BTC/USD', true],
  ])('%s is a channel pattern: %s', (pattern, ok) => {
    expect(isChannelPattern(pattern)).toBe(ok);
  });

  it('delivers to exact and wildcard subscribers only, and stops after unsubscribe', () => {
    const hub = new LiveHub();
    const got: string[] = [];
    const offA = hub.subscribe('alerts.AAPL', (m) => got.push(`exact:${m.channel}`));
    hub.subscribe('alerts.*', (m) => got.push(`wild:${m.channel}`));
    hub.subscribe('signals.AAPL', (m) => got.push(`signals:${m.channel}`));
    hub.publish(msg('alerts.AAPL'));
    hub.publish(msg('alerts.MSFT'));
    hub.publish(msg('alerts.BRK.B'));
    offA();
    hub.publish(msg('alerts.AAPL'));
    expect(got).toEqual(['exact:alerts.AAPL', 'wild:alerts.AAPL', 'wild:alerts.MSFT', 'wild:alerts.BRK.B', 'wild:alerts.AAPL']);
    expect(hub.listenerCount).toBe(2);
  });

  it('a throwing listener does not keep the message from the others', () => {
    const hub = new LiveHub();
    const got: string[] = [];
    hub.subscribe('bars.1s.X', () => {
      throw new Error('bug');
    });
    hub.subscribe('bars.1s.X', (m) => got.push(m.channel));
    hub.publish(msg('bars.1s.X'));
    expect(got).toEqual(['bars.1s.X']);
  });

  it('refuses unknown channels', () => {
    expect(() => new LiveHub().subscribe('nope', () => undefined)).toThrow(/unknown channel/);
  });
});
