import type { IResolvers } from 'mercurius';
import { MIN_DATETIME64_MS } from '@tickflow/clickhouse';
import type { AlertSeverity } from '@tickflow/schemas';
import type { Principal } from '../auth/api-keys';
import { isChannelPattern, type LiveHub, type LiveMessage } from '../live/live-hub';
import { ApiError } from '../errors';
import { decodeCursor, encodeCursor, type CursorKeys, type CursorListing } from '../history/history-cursor';
import type { HistoryQueries } from '../history/history-queries';
import type { Page, TimeRange } from '../history/history-rows';
import { DateTimeScalar } from './date-time-scalar';
import { GraphqlApiError, graphqlErrorFromApiError } from './graphql-errors';
import type { ResolvedGraphqlFeatureOptions } from './graphql-feature-options';
import { alertPayload, BAR_INTERVALS, barPayload, orderBookPayload, signalPayload, type BarInterval } from './live-payloads';
import { LiveSubscription } from './live-subscription';
import {
  AGGREGATE_SCOPES,
  AGGREGATE_WINDOWS,
  aggregateFromRow,
  alertFromRow,
  barFromRow,
  orderBookFromRow,
  signalFromRow,
  type AggregateScopeName,
  type AggregateWindow,
} from './history-payloads';
import { buildPortfolio, type PortfolioView, type PositionView } from './portfolio';
import { DEFAULT_PAGE_ROWS, MAX_LATEST_SYMBOLS, MAX_LIMIT } from './schema';
import { summarizeSectors, TIME_WINDOW_MS, type SectorPerformanceRow, type TimeWindow } from './sector-performance';
import type { SymbolInfo, TradeAnalyticsQueries } from './trade-analytics-queries';

/** What resolvers see: the caller, and on a WebSocket the state its subscriptions share. */
export interface GraphqlContext {
  principal: Principal | null;
  /** Set by the WS `onConnect`; the same object for every subscription of the connection. */
  connection?: ConnectionState;
}

export interface ConnectionState {
  activeSubscriptions: number;
}

export interface ResolverDeps {
  queries: TradeAnalyticsQueries;
  /** The history reads REST /v1 serves, shared rather than duplicated. */
  history: HistoryQueries;
  hub: LiveHub;
  options: ResolvedGraphqlFeatureOptions;
}

export interface SectorPerformanceView {
  window: TimeWindow;
  fromMs: number;
  toMs: number;
  sectors: SectorPerformanceRow[];
}

/** A history page as the `*Page` types resolve it (REST's `{ data, next_cursor }`). */
export interface HistoryPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** Arguments every history listing takes. */
interface PageArgs {
  from?: number | null;
  to?: number | null;
  limit?: number | null;
  after?: string | null;
}

const MAX_ACCOUNT_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 100;
/** A sector name (or a symbol) for `aggregates`, as REST's path parameter: 1–64, no control characters. */
const MAX_AGGREGATE_NAME_LENGTH = 64;
// eslint-disable-next-line no-control-regex -- finding control characters is the point (REST's path pattern refuses the same)
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Query and Subscription resolvers. Arguments are checked here, once, before any I/O. */
export function createResolvers({ queries, history, hub, options }: ResolverDeps): IResolvers {
  function stream<T>(ctx: GraphqlContext, channels: readonly string[], map: (m: LiveMessage) => T | null): LiveSubscription<T> {
    const connection = ctx.connection;
    if (!ctx.principal || !connection) throw new GraphqlApiError('UNAUTHENTICATED', 'subscriptions run over a WebSocket authenticated with connectionParams { apiKey }');
    const max = options.maxSubscriptionsPerConnection;
    if (connection.activeSubscriptions >= max) throw new GraphqlApiError('RATE_LIMITED', `this connection already holds ${max} subscriptions, the maximum; complete one or open another connection`);
    // Counted before the hub subscription: a failure there runs onClose, which un-counts it.
    connection.activeSubscriptions++;
    return new LiveSubscription(hub, channels, map, {
      bufferSize: options.subscriptionBufferSize,
      onClose: () => connection.activeSubscriptions--,
    });
  }

  function symbolList(value: readonly string[], arg: string): string[] {
    const unique = [...new Set(value.map((s) => symbol(s, arg)))];
    if (unique.length === 0) throw invalid(`${arg} must name at least one symbol`);
    if (unique.length > options.maxSymbolsPerSubscription) throw invalid(`${arg} names ${unique.length} symbols; the maximum is ${options.maxSymbolsPerSubscription}`);
    return unique;
  }

  const identity = (payload: unknown): unknown => payload;

  return {
    DateTime: DateTimeScalar,
    Query: {
      async portfolio(_root: unknown, args: { accountId: string }): Promise<PortfolioView> {
        const accountId = args.accountId;
        if (accountId.length === 0 || accountId.length > MAX_ACCOUNT_ID_LENGTH) throw invalid(`accountId must be 1–${MAX_ACCOUNT_ID_LENGTH} characters, got ${accountId.length}`);
        const fills = await queries.accountFills(accountId);
        const latest = await queries.latestTrades([...new Set(fills.map((f) => f.symbol))]);
        return buildPortfolio(accountId, fills, latest);
      },

      async sectorPerformance(_root: unknown, args: { window: TimeWindow; asOf?: number | null }): Promise<SectorPerformanceView> {
        const toMs = args.asOf ?? (await queries.latestTradeMs()) ?? Date.now();
        const fromMs = Math.max(MIN_DATETIME64_MS, toMs - TIME_WINDOW_MS[args.window]); // asOf is checked; its window start is not
        return { window: args.window, fromMs, toMs, sectors: summarizeSectors(await queries.sectorSymbolStats(fromMs, toMs)) };
      },

      async symbols(_root: unknown, args: { sector?: string | null; after?: string | null; limit?: number | null }): Promise<SymbolInfo[]> {
        const limit = args.limit ?? 100;
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid(`limit must be 1–${MAX_LIMIT}, got ${limit}`);
        const sector = args.sector ?? '';
        const after = args.after ?? '';
        if (sector.length > MAX_NAME_LENGTH) throw invalid(`sector must be at most ${MAX_NAME_LENGTH} characters`);
        if (after.length > MAX_NAME_LENGTH) throw invalid(`after must be at most ${MAX_NAME_LENGTH} characters`);
        return queries.symbols({ sector, after, limit });
      },

      // History: the reads of REST /v1, through HistoryQueries (no SQL here).
      async bars(_root: unknown, args: PageArgs & { symbol: string; interval?: BarInterval | null }) {
        const interval = args.interval ?? 'ONE_SECOND';
        const q = { symbol: symbol(args.symbol, 'symbol'), interval: BAR_INTERVALS[interval], ...pageRequest('bars', args) };
        return toPage('bars', await history.bars(q), (r) => barFromRow(r, interval));
      },

      async aggregates(_root: unknown, args: PageArgs & { symbol: string; window?: AggregateWindow | null; scope?: AggregateScopeName | null }) {
        const name = args.symbol;
        if (name.length === 0 || name.length > MAX_AGGREGATE_NAME_LENGTH || CONTROL_CHARACTER.test(name)) {
          throw invalid(`symbol must be a symbol or sector name of 1–${MAX_AGGREGATE_NAME_LENGTH} characters without control characters`);
        }
        const q = {
          symbol: name,
          window: AGGREGATE_WINDOWS[args.window ?? 'ONE_MINUTE'],
          scope: AGGREGATE_SCOPES[args.scope ?? 'SYMBOL'],
          ...pageRequest('aggregates', args),
        };
        return toPage('aggregates', await history.aggregates(q), aggregateFromRow);
      },

      async signals(_root: unknown, args: PageArgs & { symbol: string }) {
        const q = { symbol: symbol(args.symbol, 'symbol'), ...pageRequest('signals', args) };
        return toPage('signals', await history.signals(q), signalFromRow);
      },

      async latestSignal(_root: unknown, args: { symbol: string }) {
        const row = await history.latestSignal(symbol(args.symbol, 'symbol'));
        return row === null ? null : signalFromRow(row);
      },

      async latestSignals(_root: unknown, args: { symbols: string[] }) {
        const symbols = [...new Set(args.symbols.map((s) => symbol(s, 'symbols')))];
        if (symbols.length === 0) throw invalid('symbols must name at least one symbol');
        if (symbols.length > MAX_LATEST_SYMBOLS) throw invalid(`symbols names ${symbols.length} symbols; the maximum is ${MAX_LATEST_SYMBOLS}`);
        return (await history.latestSignals(symbols)).map(signalFromRow);
      },

      async orderbook(_root: unknown, args: PageArgs & { symbol: string }) {
        const q = { symbol: symbol(args.symbol, 'symbol'), ...pageRequest('orderbook', args) };
        return toPage('orderbook', await history.orderbook(q), orderBookFromRow);
      },

      async alerts(_root: unknown, args: PageArgs & { symbol?: string | null; severity?: AlertSeverity | null; minSeverity?: AlertSeverity | null }) {
        const q = {
          ...(args.symbol != null ? { symbol: symbol(args.symbol, 'symbol') } : {}),
          ...(args.severity != null ? { severity: args.severity } : {}),
          ...(args.minSeverity != null ? { minSeverity: args.minSeverity } : {}),
          ...pageRequest('alerts', args),
        };
        return toPage('alerts', await history.alerts(q), alertFromRow);
      },
    },

    Position: {
      latestPriceAt: (p: PositionView) => p.latestPriceAtMs,
      lastTradeAt: (p: PositionView) => p.lastTradeAtMs,
    },
    SectorPerformance: {
      from: (s: SectorPerformanceView) => s.fromMs,
      to: (s: SectorPerformanceView) => s.toMs,
    },
    SymbolInfo: {
      lastTradeAt: (s: SymbolInfo) => s.lastTradeAtMs,
    },

    Subscription: {
      signals: {
        subscribe: (_root: unknown, args: { symbols: string[] }, ctx: GraphqlContext) =>
          stream(ctx, symbolList(args.symbols, 'symbols').map((s) => `signals.${s}`), signalPayload),
        resolve: identity,
      },
      bars: {
        subscribe: (_root: unknown, args: { symbol: string; interval: BarInterval }, ctx: GraphqlContext) => {
          const interval = args.interval;
          return stream(ctx, [`bars.${BAR_INTERVALS[interval]}.${symbol(args.symbol, 'symbol')}`], (m) => barPayload(m, interval));
        },
        resolve: identity,
      },
      alerts: {
        subscribe: (_root: unknown, args: { minSeverity?: AlertSeverity | null; symbols?: string[] | null }, ctx: GraphqlContext) => {
          const minSeverity = args.minSeverity ?? 'MEDIUM';
          const channels = args.symbols ? symbolList(args.symbols, 'symbols').map((s) => `alerts.${s}`) : ['alerts.*'];
          return stream(ctx, channels, (m) => alertPayload(m, minSeverity));
        },
        resolve: identity,
      },
      orderbook: {
        subscribe: (_root: unknown, args: { symbol: string }, ctx: GraphqlContext) =>
          stream(ctx, [`orderbook.${symbol(args.symbol, 'symbol')}`], orderBookPayload),
        resolve: identity,
      },
    },
  } as IResolvers;
}

/** A symbol as the live hub names channels: 1–32 of A–Z 0–9 . _ / -, starting with a letter or digit. */
function symbol(value: string, arg: string): string {
  if (value === '*' || !isChannelPattern(`signals.${value}`)) {
    throw invalid(`${arg} ${JSON.stringify(value.slice(0, 40))} is not a symbol: 1–32 of A–Z, 0–9, '.', '_', '/', '-', starting with a letter or digit`);
  }
  return value;
}

/**
 * `limit`, `[from, to)` and `after` of a history listing, checked: limit 1–MAX_LIMIT, from not after
 * to, a cursor this API issued for this listing (else BAD_CURSOR). DateTime already checked the
 * instants (ISO-8601 with a zone, 1900–2299).
 */
function pageRequest<L extends CursorListing>(listing: L, args: PageArgs): TimeRange & { limit: number; after: CursorKeys[L] | null } {
  const limit = args.limit ?? DEFAULT_PAGE_ROWS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid(`limit must be 1–${MAX_LIMIT}, got ${limit}`);
  const fromMs = args.from ?? undefined;
  const toMs = args.to ?? undefined;
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    throw invalid(`from (${new Date(fromMs).toISOString()}) is after to (${new Date(toMs).toISOString()}); ranges are [from, to)`);
  }
  let after: CursorKeys[L] | null = null;
  if (args.after != null) {
    try {
      after = decodeCursor(listing, args.after);
    } catch (err) {
      throw err instanceof ApiError ? graphqlErrorFromApiError(err, 'after') : err;
    }
  }
  return { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}), limit, after };
}

function toPage<L extends CursorListing, Row, T>(listing: L, page: Page<Row, CursorKeys[L]>, map: (row: Row) => T): HistoryPage<T> {
  return { items: page.rows.map(map), nextCursor: encodeCursor(listing, page.nextKey) };
}

function invalid(message: string): GraphqlApiError {
  return new GraphqlApiError('VALIDATION_FAILED', message);
}
