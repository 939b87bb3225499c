import { describe, expect, it } from 'vitest';
import { applyFill, FLAT_POSITION, positionFromFills, valuePosition, type Fill } from './position-accounting';
import { buildPortfolio, type AccountFill } from './portfolio';

const buy = (quantity: number, price: number): Fill => ({ side: 'BUY', quantity, price });
const sell = (quantity: number, price: number): Fill => ({ side: 'SELL', quantity, price });

// One path through every rule, each step computed by hand (binary-exact prices, so toEqual holds):
//  1 buy 100 @ 10                      → long 100 @ 10
//  2 buy 50 @ 16    avg (1000+800)/150 → long 150 @ 12
//  3 sell 60 @ 15   realize 60×(15−12)=180            → long 90 @ 12, realized 180
//  4 sell 120 @ 11  close 90: 90×(11−12)=−90 → 90; open short 30 @ 11
//  5 buy 10 @ 9     short reduced: 10×(11−9)=+20 → 110; short 20 @ 11
//  6 sell 20 @ 13   short grows: avg (20×11+20×13)/40 = 12 → short 40 @ 12
//  7 buy 40 @ 12.5  short closed: 40×(12−12.5)=−20 → 90; flat
const PATH: Array<[string, Fill, { quantity: number; averageCost: number; realizedPnl: number }]> = [
  ['opens a long', buy(100, 10), { quantity: 100, averageCost: 10, realizedPnl: 0 }],
  ['grows it at the weighted average cost', buy(50, 16), { quantity: 150, averageCost: 12, realizedPnl: 0 }],
  ['reduces it, realizing (price − avg) × qty, the average unchanged', sell(60, 15), { quantity: 90, averageCost: 12, realizedPnl: 180 }],
  ['closes it and opens a short with the rest at the sale price', sell(120, 11), { quantity: -30, averageCost: 11, realizedPnl: 90 }],
  ['reduces the short, realizing (avg − price) × qty', buy(10, 9), { quantity: -20, averageCost: 11, realizedPnl: 110 }],
  ['grows the short at the weighted average', sell(20, 13), { quantity: -40, averageCost: 12, realizedPnl: 110 }],
  ['closes the short to flat (average 0)', buy(40, 12.5), { quantity: 0, averageCost: 0, realizedPnl: 90 }],
];

describe('average-cost accounting', () => {
  it.each(PATH.map(([what, fill, expected], i) => [i + 1, what, fill, expected] as const))('step %i %s', (step, _what, _fill, expected) => {
    const p = positionFromFills(PATH.slice(0, step).map(([, f]) => f));
    expect({ quantity: p.quantity, averageCost: p.averageCost, realizedPnl: p.realizedPnl }).toEqual(expected);
    expect(p.tradeCount).toBe(step);
  });

  it('counts bought and sold quantities', () => {
    const p = positionFromFills(PATH.map(([, f]) => f));
    expect([p.boughtQuantity, p.soldQuantity]).toEqual([100 + 50 + 10 + 40, 60 + 120 + 20]);
  });

  it('a short from flat mirrors a long: sell 10 @ 50, buy 4 @ 45 realizes 4 × (50 − 45) = 20', () => {
    const p = positionFromFills([sell(10, 50), buy(4, 45)]);
    expect([p.quantity, p.averageCost, p.realizedPnl]).toEqual([-6, 50, 20]);
  });

  it('an exact close is flat; a later buy starts a fresh average', () => {
    const p = positionFromFills([buy(10, 100), sell(10, 110), buy(5, 90)]);
    expect([p.quantity, p.averageCost, p.realizedPnl]).toEqual([5, 90, 100]);
  });

  it('dust left by binary fractions is flat: buy 0.1 and 0.2 @ 10, sell 0.3 @ 11', () => {
    const p = positionFromFills([buy(0.1, 10), buy(0.2, 10), sell(0.3, 11)]);
    expect(p.quantity).toBe(0);
    expect(p.averageCost).toBe(0);
    expect(p.realizedPnl).toBeCloseTo(0.3, 12);
  });

  it('does not change the position it is given', () => {
    const before = positionFromFills([buy(10, 10)]);
    const copy = { ...before };
    applyFill(before, sell(4, 12));
    expect(before).toEqual(copy);
    expect(FLAT_POSITION.quantity).toBe(0);
  });

  it.each([
    ['long 90 @ 12 at 14', positionFromFills(PATH.slice(0, 3).map(([, f]) => f)), 14, { costBasis: 1080, unrealizedPnl: 180, marketValue: 1260 }],
    ['short 30 @ 11 at 14 (loses as the price rises)', positionFromFills(PATH.slice(0, 4).map(([, f]) => f)), 14, { costBasis: -330, unrealizedPnl: -90, marketValue: -420 }],
    ['short 30 @ 11 at 8 (gains as it falls)', positionFromFills(PATH.slice(0, 4).map(([, f]) => f)), 8, { costBasis: -330, unrealizedPnl: 90, marketValue: -240 }],
    ['flat', FLAT_POSITION, 14, { costBasis: 0, unrealizedPnl: 0, marketValue: 0 }],
  ])('values %s', (_what, position, price, expected) => {
    expect(valuePosition(position, price)).toEqual(expected);
  });
});

describe('buildPortfolio', () => {
  const fill = (symbol: string, f: Fill, tradeTsMs: number): AccountFill => ({ ...f, symbol, tradeTsMs });

  it('folds each symbol in order, values it at the latest trade, sums the totals', () => {
    const fills = [fill('AAPL', buy(10, 100), 1), fill('AAPL', sell(4, 110), 2), fill('MSFT', sell(5, 400), 3), fill('ZZZ', buy(1, 8), 4), fill('ZZZ', sell(1, 9), 5)];
    const latest = new Map([
      ['AAPL', { price: 105, atMs: 10 }],
      ['MSFT', { price: 390, atMs: 11 }],
    ]);
    const p = buildPortfolio('acct', fills, latest);
    // AAPL long 6 @ 100, realized 4 × 10 = 40, unrealized 6 × 5 = 30, value 630.
    // MSFT short 5 @ 400, unrealized (390 − 400) × −5 = 50, value −1950.
    // ZZZ flat, realized 1, valued at its own last fill (no latest trade given).
    expect(p.positions.map((x) => [x.symbol, x.netQuantity, x.averageCost, x.realizedPnl, x.unrealizedPnl, x.marketValue, x.latestPrice, x.latestPriceAtMs, x.lastTradeAtMs])).toEqual([
      ['AAPL', 6, 100, 40, 30, 630, 105, 10, 2],
      ['MSFT', -5, 400, 0, 50, -1950, 390, 11, 3],
      ['ZZZ', 0, null, 1, 0, 0, 9, 5, 5],
    ]);
    expect([p.realizedPnl, p.unrealizedPnl, p.marketValue, p.costBasis]).toEqual([41, 80, 630 - 1950, 600 - 2000]);
  });

  it('an account without fills has no positions', () => {
    expect(buildPortfolio('nobody', [], new Map())).toEqual({ accountId: 'nobody', positions: [], realizedPnl: 0, unrealizedPnl: 0, marketValue: 0, costBasis: 0 });
  });
});
