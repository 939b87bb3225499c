import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { ClickHouse } from '@tickflow/clickhouse';
import type { ApiKeyStore } from './auth/api-keys';
import { dashboardFeature } from './dashboard/index';
import { graphqlFeature } from './graphql/index';
import { liveFeature, type LiveHub } from './live/index';
import { restFeature } from './rest/rest-feature';
import type { UrlGuard } from './webhooks/url-guard';
import type { WebhookStore } from './webhooks/webhook-store';
import { webhooksFeature } from './webhooks/webhooks-feature';

/** What the API's features read from; the backends behind each port differ per profile. */
export interface ApiFeatureDeps {
  ch: ClickHouse;
  keys: ApiKeyStore;
  hub: LiveHub;
  metrics: Registry;
  webhookStore: WebhookStore;
  guard: UrlGuard;
  /** Root of the Parquet lake for /v1/analytics; unset: those routes answer 503. */
  lakeDir?: string;
  /** Reference symbols (.csv/.parquet) for the analytics' sectors. */
  referencePath?: string;
}

/**
 * Every feature of the API, in the order they must be registered: REST, the live feed, GraphQL
 * (after the live feed: mercurius reuses its @fastify/websocket), webhooks, the dashboard. Both
 * profiles serve exactly this list, so their routes cannot drift apart.
 */
export function apiFeatures(deps: ApiFeatureDeps): FastifyPluginAsync[] {
  return [
    restFeature({ ch: deps.ch, ...(deps.lakeDir ? { lakeDir: deps.lakeDir } : {}), ...(deps.referencePath ? { referencePath: deps.referencePath } : {}) }),
    liveFeature({ hub: deps.hub, keys: deps.keys, metrics: deps.metrics }),
    graphqlFeature({ ch: deps.ch, hub: deps.hub, keys: deps.keys }),
    webhooksFeature({ store: deps.webhookStore, guard: deps.guard }),
    dashboardFeature(),
  ];
}
