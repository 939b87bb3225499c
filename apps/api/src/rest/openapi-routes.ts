import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import type { OperationRouter, SpecOperation } from './openapi-operations';
import { OpenApiSpecError } from './openapi-spec-error';

/** Serves one operation: returns the 2xx body (status 200 unless it sets another on `reply`). */
export type OperationHandler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
export type OperationHandlers = Readonly<Record<string, OperationHandler>>;

/**
 * Registers every operation routed by `routedBy` with its handler (by operationId), its schemas
 * and its access rule. Fails with `OPENAPI_HANDLERS_MISMATCH` — before registering anything —
 * when an operation has no handler or a handler no operation, so the API never serves a contract
 * it does not implement, nor routes the contract does not describe. The REST feature and the
 * webhooks feature each call it for their own operations.
 */
export function registerOperations(app: FastifyInstance, operations: readonly SpecOperation[], handlers: OperationHandlers, routedBy: OperationRouter = 'rest'): void {
  const ours = operations.filter((op) => op.routedBy === routedBy);
  const unhandled = ours.filter((op) => !Object.hasOwn(handlers, op.operationId)).map((op) => `${op.operationId} (${op.method} ${op.path})`);
  const ids = new Set(ours.map((op) => op.operationId));
  const orphans = Object.keys(handlers).filter((id) => !ids.has(id));
  if (unhandled.length > 0 || orphans.length > 0) {
    const problems = [
      ...(unhandled.length > 0 ? [`operations without a handler: ${unhandled.join(', ')}`] : []),
      ...(orphans.length > 0 ? [`handlers without an operation in the document: ${orphans.join(', ')}`] : []),
    ];
    throw new OpenApiSpecError('OPENAPI_HANDLERS_MISMATCH', `the OpenAPI document and the ${routedBy} handlers disagree — ${problems.join('; ')}`);
  }
  for (const op of ours) {
    const handler = handlers[op.operationId]!;
    app.route({
      method: op.method,
      url: op.url,
      schema: op.schema,
      config: { access: op.access },
      preValidation: queryGuard(op),
      handler: (req, reply) => handler(req, reply),
    });
  }
}

/**
 * Before validation: refuses query parameters the operation does not declare, by name (a typo
 * like `form=` must not silently widen a query), and splits comma-separated lists
 * (`style: form, explode: false`) so the schema validates each item.
 */
function queryGuard(op: SpecOperation): (req: FastifyRequest) => Promise<void> {
  const known = new Set(op.queryNames);
  const takes = op.queryNames.length > 0 ? `it takes ${op.queryNames.join(', ')}` : 'it takes none';
  return async (req) => {
    const query = req.query as Record<string, unknown>;
    const unknown = Object.keys(query).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      const names = unknown.map((n) => JSON.stringify(n.slice(0, 40))).join(', ');
      throw new ApiError('VALIDATION_FAILED', `unknown query parameter ${names} for ${op.method} ${op.path}: ${takes}`, {
        errors: unknown.map((n) => ({ location: `querystring/${n.slice(0, 40)}`, message: 'is not a parameter of this operation' })),
      });
    }
    for (const name of op.commaLists) {
      const value = query[name];
      if (typeof value === 'string') query[name] = value.split(',');
      else if (Array.isArray(value)) query[name] = value.flatMap((v) => String(v).split(','));
    }
  };
}
