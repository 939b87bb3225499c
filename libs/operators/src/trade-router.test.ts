import { describe, expect, it } from 'vitest';
import { isExecution, routeTrade } from './trade-router';

describe('routeTrade (seed 000 §9.1 router cases)', () => {
  it.each([
    ['NEW', 'processed.trades.new'],
    ['FILLED', 'processed.trades.filled'],
    ['PARTIALLY_FILLED', 'processed.trades.filled'],
    ['CANCELLED', 'processed.trades.cancelled'],
    ['REJECTED', 'processed.trades.rejected'],
    ['filled', 'processed.trades.filled'],
    ['UNKNOWN_STATUS', null],
    ['', null],
    ['toString', null],
    ['__proto__', null],
  ])('%j → %s', (status, topic) => {
    expect(routeTrade(status)).toBe(topic);
  });

  it('treats only fills as executions', () => {
    expect(isExecution('FILLED')).toBe(true);
    expect(isExecution('PARTIALLY_FILLED')).toBe(true);
    expect(isExecution('NEW')).toBe(false);
    expect(isExecution('CANCELLED')).toBe(false);
  });
});
