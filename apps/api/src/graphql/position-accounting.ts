/**
 * Average-cost accounting of one account's position in one symbol, as pure functions over its
 * executed trades in trade order (exchange timestamp, then stream position).
 *
 * - A trade in the direction of the position (a buy when long or flat, a sell when short or flat)
 *   grows it; the average cost becomes the quantity-weighted mean of the old average and the
 *   trade price. Nothing is realized.
 * - A trade against the position reduces it at the unchanged average cost and realizes
 *   `(price − averageCost) × closed` for a long, `(averageCost − price) × closed` for a short.
 * - A trade against the position larger than it closes the position (realizing as above) and
 *   opens the remainder in the other direction at the trade price: selling 150 while long 100
 *   leaves short 50 at that sale's price. Shorts are the exact mirror of longs.
 * - A position within `DUST` (relative) of zero after a reduction is flat: 0.1 + 0.2 − 0.3 is
 *   5.6e-17 in binary floating point, not a position.
 *
 * Unrealized P&L is `(latestPrice − averageCost) × quantity` (negative quantity for a short, so a
 * short gains when the price falls); market value is `quantity × latestPrice` (negative for a
 * short). Fees are not modelled: the trades carry none.
 */

export type Side = 'BUY' | 'SELL';

/** One execution of the account in the symbol. */
export interface Fill {
  side: Side;
  /** > 0 */
  quantity: number;
  /** > 0 */
  price: number;
}

export interface PositionState {
  /** Net quantity: > 0 long, < 0 short, 0 flat. */
  readonly quantity: number;
  /** Average cost per unit of the open quantity; 0 when flat. */
  readonly averageCost: number;
  /** P&L realized by reductions so far. */
  readonly realizedPnl: number;
  readonly boughtQuantity: number;
  readonly soldQuantity: number;
  readonly tradeCount: number;
}

export interface PositionValuation {
  /** `quantity × averageCost`: what the open position cost (negative for a short). */
  costBasis: number;
  /** `(latestPrice − averageCost) × quantity`. */
  unrealizedPnl: number;
  /** `quantity × latestPrice`. */
  marketValue: number;
}

/** Relative size below which a remaining quantity counts as zero. */
export const DUST = 1e-9;

export const FLAT_POSITION: PositionState = Object.freeze({ quantity: 0, averageCost: 0, realizedPnl: 0, boughtQuantity: 0, soldQuantity: 0, tradeCount: 0 });

/** The position after `fill`; `position` is not changed. */
export function applyFill(position: PositionState, fill: Fill): PositionState {
  const signed = fill.side === 'BUY' ? fill.quantity : -fill.quantity;
  const held = position.quantity;
  const counts = {
    boughtQuantity: position.boughtQuantity + (fill.side === 'BUY' ? fill.quantity : 0),
    soldQuantity: position.soldQuantity + (fill.side === 'SELL' ? fill.quantity : 0),
    tradeCount: position.tradeCount + 1,
  };
  if (held === 0 || Math.sign(held) === Math.sign(signed)) {
    const quantity = held + signed;
    const averageCost = (Math.abs(held) * position.averageCost + fill.quantity * fill.price) / Math.abs(quantity);
    return { quantity, averageCost, realizedPnl: position.realizedPnl, ...counts };
  }
  const closed = Math.min(fill.quantity, Math.abs(held));
  const realizedPnl = position.realizedPnl + closed * (fill.price - position.averageCost) * Math.sign(held);
  const remaining = held + signed;
  if (Math.abs(remaining) <= DUST * Math.max(Math.abs(held), fill.quantity)) return { quantity: 0, averageCost: 0, realizedPnl, ...counts };
  // Still on the same side: reduced at the same average. Crossed zero: the rest opened at this price.
  const averageCost = Math.sign(remaining) === Math.sign(held) ? position.averageCost : fill.price;
  return { quantity: remaining, averageCost, realizedPnl, ...counts };
}

/** The position after `fills`, in order, from flat. */
export function positionFromFills(fills: Iterable<Fill>): PositionState {
  let p = FLAT_POSITION;
  for (const f of fills) p = applyFill(p, f);
  return p;
}

/** Cost basis, unrealized P&L and market value of `position` at `latestPrice`. */
export function valuePosition(position: PositionState, latestPrice: number): PositionValuation {
  if (position.quantity === 0) return { costBasis: 0, unrealizedPnl: 0, marketValue: 0 };
  return {
    costBasis: position.quantity * position.averageCost,
    unrealizedPnl: (latestPrice - position.averageCost) * position.quantity,
    marketValue: position.quantity * latestPrice,
  };
}
