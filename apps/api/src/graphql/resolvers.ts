import type { IResolvers } from 'mercurius';
import { MIN_DATETIME64_MS } from '@tickflow/clickhouse';
import type { AlertSeverity } from '@tickflow/schemas';
import type { Principal } from '../auth/api-keys';
import { isChannelPattern, type LiveHub, type LiveMessage } from '../live/live-hub';
import { DateTimeScalar } from './date-time-scalar';
import { GraphqlApiError } from './graphql-errors';
import type { ResolvedGraphqlFeatureOptions } from './graphql-feature-options';
import { alertPayload, BAR_INTERVALS, barPayload, orderBookPayload, signalPayload, type BarInterval } from './live-payloads';
import { LiveSubscription } from './live-subscription';
import { buildPortfolio, type PortfolioView, type PositionView } from './portfolio';
import { MAX_LIMIT } from './schema';
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
  hub: LiveHub;
  options: ResolvedGraphqlFeatureOptions;
}

export interface SectorPerformanceView {
  window: TimeWindow;
  fromMs: number;
  toMs: number;
  sectors: SectorPerformanceRow[];
}

const MAX_ACCOUNT_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 100;

/** Query and Subscription resolvers. Arguments are checked here, once, before any I/O. */
export function createResolvers({ queries, hub, options }: ResolverDeps): IResolvers {
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

function invalid(message: string): GraphqlApiError {
  return new GraphqlApiError('VALIDATION_FAILED', message);
}
