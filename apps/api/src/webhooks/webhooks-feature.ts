import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AlertSeverity } from '@tickflow/schemas';
import { SYMBOL_PATTERN } from '@tickflow/operators';
import { ApiError } from '../errors';
import type { LoggedDeliveryAttempt } from './delivery-attempt';
import { ALERT_SEVERITIES, newWebhookId, WEBHOOK_ID_PATTERN, type WebhookEndpoint, type WebhookEndpointPatch, type WebhookStatus } from './webhook-endpoint';
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

// `nullable` rather than `type: ['array', 'null']`: under the app's `coerceTypes: 'array'`, a null
// branch would coerce `[""]` to null (= every symbol).
const symbolsSchema = { type: 'array', nullable: true, minItems: 1, maxItems: 500, uniqueItems: true, items: { type: 'string', pattern: SYMBOL_PATTERN.source } } as const;
const editable = {
  url: { type: 'string', minLength: 1, maxLength: 2048 },
  description: { type: 'string', maxLength: 500 },
  symbols: symbolsSchema,
  min_severity: { type: 'string', enum: ALERT_SEVERITIES },
} as const;
const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 100 } } } as const;

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
 * Alert webhooks (design §5): `/v1/webhooks` CRUD and `/v1/webhooks/:id/deliveries`, for any API
 * key (the `read` scope covers one's own webhooks), each owner seeing only its own endpoints —
 * another owner's id is a 404, as is an id that never existed. URLs pass the SSRF guard at
 * registration and on every change (422 UNSAFE_URL with the reason). Times are ISO-8601 UTC.
 */
export function webhooksFeature(deps: WebhooksFeatureOptions): FastifyPluginAsync {
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

  async function owned(req: FastifyRequest, id: string): Promise<WebhookEndpoint> {
    const endpoint = WEBHOOK_ID_PATTERN.test(id) ? await store.get(id) : null;
    if (!endpoint || endpoint.owner !== req.principal!.owner) throw new ApiError('NOT_FOUND', `no webhook endpoint ${JSON.stringify(id)}`);
    return endpoint;
  }

  return async (app) => {
    app.post<{ Body: CreateBody }>(
      '/v1/webhooks',
      { config: { access: 'read' }, schema: { body: { type: 'object', required: ['url'], additionalProperties: false, properties: editable } } },
      async (req, reply) => {
        const owner = req.principal!.owner;
        const url = await checkedUrl(req.body.url);
        const existing = await store.listByOwner(owner);
        if (existing.length >= maxPerOwner) throw new ApiError('CONFLICT', `an owner may register at most ${maxPerOwner} webhook endpoints; delete one first`);
        const now = Date.now();
        const endpoint: WebhookEndpoint = {
          id: newWebhookId(),
          owner,
          url,
          description: req.body.description ?? '',
          symbols: req.body.symbols ?? null,
          minSeverity: req.body.min_severity ?? 'MEDIUM',
          secret: newWebhookSecret(),
          status: 'active',
          disabledReason: null,
          createdAtMs: now,
          updatedAtMs: now,
        };
        await store.create(endpoint);
        return reply
          .code(201)
          .header('location', `/v1/webhooks/${endpoint.id}`)
          .send({ ...endpointView(endpoint), secret: endpoint.secret });
      },
    );

    app.get('/v1/webhooks', { config: { access: 'read' } }, async (req) => ({ data: (await store.listByOwner(req.principal!.owner)).map(endpointView) }));

    app.get<{ Params: IdParams }>('/v1/webhooks/:id', { config: { access: 'read' }, schema: { params: idParams } }, async (req) => endpointView(await owned(req, req.params.id)));

    app.patch<{ Params: IdParams; Body: PatchBody }>(
      '/v1/webhooks/:id',
      {
        config: { access: 'read' },
        schema: { params: idParams, body: { type: 'object', minProperties: 1, additionalProperties: false, properties: { ...editable, status: { type: 'string', enum: ['active', 'disabled'] } } } },
      },
      async (req) => {
        const current = await owned(req, req.params.id);
        const body = req.body;
        const patch: WebhookEndpointPatch = {};
        if (body.url !== undefined) patch.url = await checkedUrl(body.url);
        if (body.description !== undefined) patch.description = body.description;
        if (body.symbols !== undefined) patch.symbols = body.symbols;
        if (body.min_severity !== undefined) patch.minSeverity = body.min_severity;
        if (body.status === 'active') Object.assign(patch, { status: 'active', disabledReason: null });
        if (body.status === 'disabled' && current.status !== 'disabled') Object.assign(patch, { status: 'disabled', disabledReason: 'disabled by its owner' });
        const updated = await store.update(current.id, patch);
        if (!updated) throw new ApiError('NOT_FOUND', `no webhook endpoint ${JSON.stringify(req.params.id)}`);
        return endpointView(updated);
      },
    );

    app.delete<{ Params: IdParams }>('/v1/webhooks/:id', { config: { access: 'read' }, schema: { params: idParams } }, async (req, reply) => {
      const endpoint = await owned(req, req.params.id);
      await store.delete(endpoint.id);
      return reply.code(204).send();
    });

    app.get<{ Params: IdParams; Querystring: DeliveriesQuery }>(
      '/v1/webhooks/:id/deliveries',
      {
        config: { access: 'read' },
        schema: {
          params: idParams,
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, cursor: { type: 'string', maxLength: 64 } } },
        },
      },
      async (req) => {
        const endpoint = await owned(req, req.params.id);
        const beforeSeq = req.query.cursor === undefined ? undefined : decodeCursor(req.query.cursor);
        const page = await store.listAttempts(endpoint.id, { limit: req.query.limit + 1, beforeSeq });
        const more = page.length > req.query.limit;
        const data = more ? page.slice(0, req.query.limit) : page;
        return { data: data.map(deliveryView), next_cursor: more ? encodeCursor(data[data.length - 1]!.seq) : null };
      },
    );
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
