import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AlertSeverity } from '@tickflow/schemas';
import { ApiError } from '../errors';
import { DEFAULT_OPENAPI_PATH, readOpenApiDocument } from '../rest/openapi-document';
import { specOperations } from '../rest/openapi-operations';
import { registerOperations, type OperationHandlers } from '../rest/openapi-routes';
import type { LoggedDeliveryAttempt } from './delivery-attempt';
import { newWebhookId, WEBHOOK_ID_PATTERN, type WebhookEndpoint, type WebhookEndpointPatch, type WebhookStatus } from './webhook-endpoint';
import { newWebhookSecret } from './webhook-signature';
import type { WebhooksFeatureOptions } from './webhooks-feature-options';

/** An endpoint as the API shows it (never its secret, except once in the creation response). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  symbols: string[] | null;
  min_severity: AlertSeverity;
  status: WebhookStatus;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryAttemptView {
  delivery_id: string;
  alert_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  outcome: LoggedDeliveryAttempt['outcome'];
}

export function endpointView(e: WebhookEndpoint): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    symbols: e.symbols,
    min_severity: e.minSeverity,
    status: e.status,
    disabled_reason: e.disabledReason,
    created_at: new Date(e.createdAtMs).toISOString(),
    updated_at: new Date(e.updatedAtMs).toISOString(),
  };
}

export function deliveryView(a: LoggedDeliveryAttempt): DeliveryAttemptView {
  return {
    delivery_id: a.deliveryId,
    alert_id: a.alertId,
    attempt: a.attempt,
    at: new Date(a.atMs).toISOString(),
    status_code: a.statusCode,
    error: a.error,
    duration_ms: a.durationMs,
    outcome: a.outcome,
  };
}

interface CreateBody {
  url: string;
  description?: string;
  symbols?: string[] | null;
  min_severity?: AlertSeverity;
}
interface PatchBody extends Partial<CreateBody> {
  status?: WebhookStatus;
}
interface IdParams {
  id: string;
}
interface DeliveriesQuery {
  limit: number;
  cursor?: string;
}

/**
 * Alert webhooks (design §5): `/v1/webhooks` CRUD and `/v1/webhooks/{id}/deliveries`, the
 * operations of `openapi/openapi.yaml` marked `x-tickflow-routed-by: webhooks`. The document is
 * their only schema: it validates params, query and body (unknown fields and parameters refused)
 * and closes the responses, so the signing secret can leave only through the creation response.
 * Registration fails with `OPENAPI_HANDLERS_MISMATCH` when the document and {@link webhookHandlers}
 * disagree. Any API key may call them (the `read` scope covers one's own webhooks); each owner
 * sees only its own endpoints — another owner's id is a 404, as is an id that never existed.
 */
export function webhooksFeature(deps: WebhooksFeatureOptions): FastifyPluginAsync {
  const handlers = webhookHandlers(deps);
  return async (app) => {
    registerOperations(app, specOperations(readOpenApiDocument(DEFAULT_OPENAPI_PATH)), handlers, 'webhooks');
  };
}

/**
 * The webhook operations' handlers, by operationId. Bodies, params and queries arrive as the
 * document's schemas guarantee them (defaults applied, enums and patterns checked). URLs pass the
 * SSRF guard on creation and on every change (422 UNSAFE_URL with the reason). Times are ISO-8601 UTC.
 */
export function webhookHandlers(deps: WebhooksFeatureOptions): OperationHandlers {
  const { store, guard } = deps;
  const maxPerOwner = deps.maxEndpointsPerOwner ?? 25;

  async function checkedUrl(raw: string): Promise<string> {
    const verdict = await guard.check(raw);
    if (!verdict.ok && verdict.kind === 'invalid') {
      throw new ApiError('VALIDATION_FAILED', `invalid body: url: ${verdict.reason}`, { errors: [{ location: 'body/url', message: `url: ${verdict.reason}` }] });
    }
    if (!verdict.ok) throw new ApiError('UNSAFE_URL', `webhook URL refused: ${verdict.reason}`);
    return verdict.url.href;
  }

  async function owned(req: FastifyRequest): Promise<WebhookEndpoint> {
    const { id } = req.params as IdParams;
    const endpoint = WEBHOOK_ID_PATTERN.test(id) ? await store.get(id) : null;
    if (!endpoint || endpoint.owner !== req.principal!.owner) throw new ApiError('NOT_FOUND', `no webhook endpoint ${JSON.stringify(id)}`);
    return endpoint;
  }

  return {
    async createWebhook(req, reply) {
      const body = req.body as CreateBody;
      const owner = req.principal!.owner;
      const url = await checkedUrl(body.url);
      const existing = await store.listByOwner(owner);
      if (existing.length >= maxPerOwner) throw new ApiError('CONFLICT', `an owner may register at most ${maxPerOwner} webhook endpoints; delete one first`);
      const now = Date.now();
      const endpoint: WebhookEndpoint = {
        id: newWebhookId(),
        owner,
        url,
        description: body.description ?? '',
        symbols: body.symbols ?? null,
        minSeverity: body.min_severity ?? 'MEDIUM',
        secret: newWebhookSecret(),
        status: 'active',
        disabledReason: null,
        createdAtMs: now,
        updatedAtMs: now,
      };
      await store.create(endpoint);
      reply.code(201).header('location', `/v1/webhooks/${endpoint.id}`);
      return { ...endpointView(endpoint), secret: endpoint.secret };
    },

    async listWebhooks(req) {
      return { data: (await store.listByOwner(req.principal!.owner)).map(endpointView) };
    },

    async getWebhook(req) {
      return endpointView(await owned(req));
    },

    async updateWebhook(req) {
      const current = await owned(req);
      const body = req.body as PatchBody;
      const patch: WebhookEndpointPatch = {};
      if (body.url !== undefined) patch.url = await checkedUrl(body.url);
      if (body.description !== undefined) patch.description = body.description;
      if (body.symbols !== undefined) patch.symbols = body.symbols;
      if (body.min_severity !== undefined) patch.minSeverity = body.min_severity;
      if (body.status === 'active') Object.assign(patch, { status: 'active', disabledReason: null });
      if (body.status === 'disabled' && current.status !== 'disabled') Object.assign(patch, { status: 'disabled', disabledReason: 'disabled by its owner' });
      const updated = await store.update(current.id, patch);
      if (!updated) throw new ApiError('NOT_FOUND', `no webhook endpoint ${JSON.stringify(current.id)}`);
      return endpointView(updated);
    },

    async deleteWebhook(req, reply) {
      const endpoint = await owned(req);
      await store.delete(endpoint.id);
      return reply.code(204).send();
    },

    async listWebhookDeliveries(req) {
      const endpoint = await owned(req);
      const q = req.query as DeliveriesQuery;
      const beforeSeq = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const page = await store.listAttempts(endpoint.id, { limit: q.limit + 1, beforeSeq });
      const more = page.length > q.limit;
      const data = more ? page.slice(0, q.limit) : page;
      return { data: data.map(deliveryView), next_cursor: more ? encodeCursor(data[data.length - 1]!.seq) : null };
    },
  };
}

function encodeCursor(seq: number): string {
  return Buffer.from(`d${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^d(\d{1,15})$/.exec(text);
  if (!m || encodeCursor(Number(m[1])) !== cursor) throw new ApiError('BAD_CURSOR', 'the cursor is not one this endpoint returned; start again without it');
  return Number(m[1]);
}
