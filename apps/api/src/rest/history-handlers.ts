import type { AggregateScope, AggregateWindowSize, AlertSeverity } from '@tickflow/schemas';
import { ApiError } from '../errors';
import { decodeCursor, encodeCursor, type CursorKeys, type CursorListing } from '../history/history-cursor';
import type { HistoryQueries } from '../history/history-queries';
import type { BarInterval, Page } from '../history/history-rows';
import type { OperationHandlers } from './openapi-routes';
import { parseRange } from './request-inputs';

// Query shapes as the operation schemas guarantee them (defaults applied, enums checked).
interface PageQuery {
  limit: number;
  cursor?: string;
}
interface RangeQuery extends PageQuery {
  from?: string;
  to?: string;
}
interface SymbolParams {
  symbol: string;
}

/** Handlers of the history operations, by operationId, over `HistoryQueries`. */
export function historyHandlers(history: HistoryQueries): OperationHandlers {
  return {
    async listSymbols(req) {
      const q = req.query as PageQuery;
      return page('symbols', await history.symbols({ limit: q.limit, after: after('symbols', q.cursor) }));
    },

    async getBars(req) {
      const q = req.query as RangeQuery & { interval: BarInterval };
      const { symbol } = req.params as SymbolParams;
      return page('bars', await history.bars({ symbol, interval: q.interval, ...parseRange(q), limit: q.limit, after: after('bars', q.cursor) }));
    },

    async getAggregates(req) {
      const q = req.query as RangeQuery & { window: AggregateWindowSize; scope: AggregateScope };
      const { symbol } = req.params as SymbolParams;
      return page('aggregates', await history.aggregates({ symbol, window: q.window, scope: q.scope, ...parseRange(q), limit: q.limit, after: after('aggregates', q.cursor) }));
    },

    async getSignals(req) {
      const q = req.query as RangeQuery;
      const { symbol } = req.params as SymbolParams;
      return page('signals', await history.signals({ symbol, ...parseRange(q), limit: q.limit, after: after('signals', q.cursor) }));
    },

    async getLatestSignal(req) {
      const { symbol } = req.params as SymbolParams;
      const signal = await history.latestSignal(symbol);
      if (!signal) throw new ApiError('NOT_FOUND', `no signals are stored for ${symbol}`);
      return signal;
    },

    async getLatestSignals(req) {
      const q = req.query as { symbols: string[] };
      return { data: await history.latestSignals(q.symbols) };
    },

    async getOrderBookMetrics(req) {
      const q = req.query as RangeQuery;
      const { symbol } = req.params as SymbolParams;
      return page('orderbook', await history.orderbook({ symbol, ...parseRange(q), limit: q.limit, after: after('orderbook', q.cursor) }));
    },

    async listAlerts(req) {
      const q = req.query as RangeQuery & { symbol?: string; severity?: AlertSeverity; min_severity?: AlertSeverity };
      return page(
        'alerts',
        await history.alerts({
          ...(q.symbol !== undefined ? { symbol: q.symbol } : {}),
          ...(q.severity !== undefined ? { severity: q.severity } : {}),
          ...(q.min_severity !== undefined ? { minSeverity: q.min_severity } : {}),
          ...parseRange(q),
          limit: q.limit,
          after: after('alerts', q.cursor),
        }),
      );
    },
  };
}

function after<L extends CursorListing>(listing: L, cursor: string | undefined): CursorKeys[L] | null {
  return cursor === undefined ? null : decodeCursor(listing, cursor);
}

function page<L extends CursorListing, Row>(listing: L, p: Page<Row, CursorKeys[L]>): { data: Row[]; next_cursor: string | null } {
  return { data: p.rows, next_cursor: encodeCursor(listing, p.nextKey) };
}
