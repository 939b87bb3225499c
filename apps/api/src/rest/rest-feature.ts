import type { FastifyPluginAsync } from 'fastify';
import { LakeAnalytics } from '@tickflow/analytics';
import type { ClickHouse } from '@tickflow/clickhouse';
import { HistoryQueries } from '../history/history-queries';
import { analyticsHandlers } from './analytics-handlers';
import { registerApiDocs } from './api-docs';
import { historyHandlers } from './history-handlers';
import { DEFAULT_OPENAPI_PATH, readOpenApiDocument } from './openapi-document';
import { specOperations } from './openapi-operations';
import { registerOperations, type OperationHandlers } from './openapi-routes';
import { withErrorMapping } from './rest-errors';

export interface RestFeatureDeps {
  /** History store; the feature only reads (a `ClickHouse` of its own keeps it off the writer's connection). */
  ch: ClickHouse;
  /**
   * Root of the Parquet lake for `/v1/analytics/*` (trusted configuration).
   * @defaultValue none: the analytics operations answer 503 UNAVAILABLE
   */
  lakeDir?: string;
  /** Reference symbols (.csv or .parquet) giving the analytics their sectors. @defaultValue none: sectors as the trades were enriched */
  referencePath?: string;
}

/**
 * The spec-first REST history API (design §5) as a `buildApp` feature. At registration it reads
 * `openapi/openapi.yaml`, turns each operation into a route (params and query validated against
 * the document, responses serialised through it so no undocumented field leaves) bound to its
 * handler by operationId, and refuses to start when the two disagree. Serves the document at
 * `GET /openapi.json` and interactive docs at `/docs` (both public). The DuckDB lake database, when
 * configured, is opened here and closed with the app.
 */
export function restFeature(deps: RestFeatureDeps): FastifyPluginAsync {
  return async (app) => {
    const doc = readOpenApiDocument(DEFAULT_OPENAPI_PATH);
    const operations = specOperations(doc);
    const analytics = deps.lakeDir === undefined ? null : await LakeAnalytics.open({ lakeRoot: deps.lakeDir, ...(deps.referencePath !== undefined ? { referencePath: deps.referencePath } : {}) });
    try {
      await registerApiDocs(app, doc);
      const handlers: OperationHandlers = {
        ...historyHandlers(new HistoryQueries(deps.ch)),
        ...analyticsHandlers(analytics),
        getOpenApiDocument: async (req) => req.server.swagger(),
      };
      registerOperations(app, operations, withErrorMapping(handlers));
    } catch (err) {
      analytics?.close(); // the app never started, so its onClose will not run
      throw err;
    }
    if (analytics) app.addHook('onClose', async () => analytics.close());
  };
}
