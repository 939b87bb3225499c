import { applyFill, FLAT_POSITION, valuePosition, type Fill, type PositionState } from './position-accounting';

/** An executed trade of the account, as read from `enriched_trades`. */
export interface AccountFill extends Fill {
  symbol: string;
  /** Exchange timestamp, epoch ms. */
  tradeTsMs: number;
}

/** The latest trade of a symbol across all accounts: the price positions are valued at. */
export interface LatestTrade {
  price: number;
  /** Exchange timestamp, epoch ms. */
  atMs: number;
}

export interface PositionView {
  symbol: string;
  netQuantity: number;
  /** null when flat. */
  averageCost: number | null;
  costBasis: number;
  realizedPnl: number;
  unrealizedPnl: number;
  marketValue: number;
  latestPrice: number;
  latestPriceAtMs: number;
  boughtQuantity: number;
  soldQuantity: number;
  tradeCount: number;
  lastTradeAtMs: number;
}

export interface PortfolioView {
  accountId: string;
  /** One per symbol the account traded, flat ones included (they carry realized P&L); by symbol. */
  positions: PositionView[];
  realizedPnl: number;
  unrealizedPnl: number;
  marketValue: number;
  costBasis: number;
}

/**
 * The account's portfolio from its fills grouped by symbol and, within a symbol, in trade order
 * (as `TradeAnalyticsQueries.accountFills` returns them), valued at each symbol's latest trade.
 * A symbol missing from `latest` (its trades expired between the two reads) is valued at the
 * account's own last fill. Pure.
 */
export function buildPortfolio(accountId: string, fills: readonly AccountFill[], latest: ReadonlyMap<string, LatestTrade>): PortfolioView {
  const positions: PositionView[] = [];
  let i = 0;
  while (i < fills.length) {
    const symbol = fills[i]!.symbol;
    let state: PositionState = FLAT_POSITION;
    let last = fills[i]!;
    for (; i < fills.length && fills[i]!.symbol === symbol; i++) {
      last = fills[i]!;
      state = applyFill(state, last);
    }
    const mark = latest.get(symbol) ?? { price: last.price, atMs: last.tradeTsMs };
    const v = valuePosition(state, mark.price);
    positions.push({
      symbol,
      netQuantity: state.quantity,
      averageCost: state.quantity === 0 ? null : state.averageCost,
      costBasis: v.costBasis,
      realizedPnl: state.realizedPnl,
      unrealizedPnl: v.unrealizedPnl,
      marketValue: v.marketValue,
      latestPrice: mark.price,
      latestPriceAtMs: mark.atMs,
      boughtQuantity: state.boughtQuantity,
      soldQuantity: state.soldQuantity,
      tradeCount: state.tradeCount,
      lastTradeAtMs: last.tradeTsMs,
    });
  }
  positions.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const sum = (f: (p: PositionView) => number): number => positions.reduce((acc, p) => acc + f(p), 0);
  return {
    accountId,
    positions,
    realizedPnl: sum((p) => p.realizedPnl),
    unrealizedPnl: sum((p) => p.unrealizedPnl),
    marketValue: sum((p) => p.marketValue),
    costBasis: sum((p) => p.costBasis),
  };
}
