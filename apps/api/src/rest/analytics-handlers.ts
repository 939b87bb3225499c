import type { LakeAnalytics, TopTradedBy } from '@tickflow/analytics';
import { ApiError } from '../errors';
import type { OperationHandlers } from './openapi-routes';
import { isoInstant, parseInstant, parseRange } from './request-inputs';

const DAY_MS = 86_400_000;

/**
 * Handlers of the lake analytics operations. Defaults are resolved here, not in the library, so
 * each report says which range it covers (`from`, `to`, `as_of`, `day`): a client can repeat the
 * exact query. Without a lake (`analytics` null) every one of them is a 503 saying so.
 */
export function analyticsHandlers(analytics: LakeAnalytics | null, now: () => number = Date.now): OperationHandlers {
  const lake = (): LakeAnalytics => {
    if (analytics) return analytics;
    throw new ApiError('UNAVAILABLE', 'analytics need the Parquet lake, and this API was started without one (lake directory, e.g. TICKFLOW_LAKE_DIR)');
  };
  /** `[from, to)` with the defaults: to = now, from = to − 24 h. */
  const range = (q: { from?: string; to?: string }): { fromMs: number; toMs: number } => {
    const r = parseRange(q);
    const toMs = r.toMs ?? now();
    return { fromMs: r.fromMs ?? toMs - DAY_MS, toMs };
  };

  return {
    async getTopSymbols(req) {
      const q = req.query as { from?: string; to?: string; limit: number; by: TopTradedBy };
      const { fromMs, toMs } = range(q);
      const data = await lake().topTradedSymbols({ from: fromMs, to: toMs, limit: q.limit, by: q.by });
      return { from: isoInstant(fromMs), to: isoInstant(toMs), by: q.by, data };
    },

    async getPortfolio(req) {
      const { accountId } = req.params as { accountId: string };
      const q = req.query as { as_of?: string };
      const asOfMs = q.as_of === undefined ? now() : parseInstant(q.as_of, 'as_of');
      const data = await lake().portfolio(accountId, { asOf: asOfMs });
      return { account_id: accountId, as_of: isoInstant(asOfMs), data };
    },

    async getVolumeVsHistory(req) {
      const { symbol } = req.params as { symbol: string };
      const q = req.query as { day?: string };
      const day = q.day ?? isoInstant(now()).slice(0, 10);
      return { symbol, day, data: await lake().volumeVsHistory(symbol, day) };
    },

    async getSectorPerformance(req) {
      const { fromMs, toMs } = range(req.query as { from?: string; to?: string });
      const data = await lake().sectorPerformance({ from: fromMs, to: toMs });
      return { from: isoInstant(fromMs), to: isoInstant(toMs), data };
    },
  };
}
