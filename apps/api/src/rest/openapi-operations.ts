import type { FastifySchema, HTTPMethods } from 'fastify';
import type { RouteAccess } from '../build-app';
import { isObject, resolveRefs, type OpenApiDocument } from './openapi-document';
import { OpenApiSpecError } from './openapi-spec-error';

/** Which feature routes an operation: `x-tickflow-routed-by` (default `rest`, this feature). */
export const ROUTED_BY = 'x-tickflow-routed-by';
/**
 * The features that route operations: `rest` (this one), `core` (`buildApp`: health, readiness,
 * metrics; held to the document by rest-spec.int.test.ts) and `webhooks` (`webhooksFeature`).
 * `rest` and `webhooks` refuse to start unless they have a handler for every operation they
 * route. Any other value would leave an operation routed by no one, so the loader refuses it.
 */
export const OPERATION_ROUTERS = ['rest', 'core', 'webhooks'] as const;
export type OperationRouter = (typeof OPERATION_ROUTERS)[number];
/** Scope a non-public operation needs: `x-tickflow-scope` (`read`, the default, or `admin`). */
export const SCOPE = 'x-tickflow-scope';

/** One operation of the document, ready to become a Fastify route. */
export interface SpecOperation {
  operationId: string;
  method: HTTPMethods;
  /** As in the document: `/v1/bars/{symbol}`. */
  path: string;
  /** As Fastify routes it: `/v1/bars/:symbol`. */
  url: string;
  /** The feature that serves it; each feature registers only its own. */
  routedBy: OperationRouter;
  /** `public` for `security: []`, else the scope the API key needs. */
  access: RouteAccess;
  /**
   * params and querystring from the operation's parameters; body from its JSON request body, every
   * object schema closed so an unknown field is refused (400); response per status code and media
   * type, every object schema closed (`additionalProperties: false`) so the serialiser drops any
   * field the contract does not name.
   */
  schema: FastifySchema;
  /** Every query parameter name, to refuse unknown ones by name. */
  queryNames: readonly string[];
  /** Array query parameters sent as one comma-separated value (`style: form, explode: false`). */
  commaLists: readonly string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** OpenAPI keywords that are not JSON Schema: Ajv (strict) would refuse them. */
const NOT_JSON_SCHEMA = new Set(['example', 'xml', 'externalDocs', 'discriminator']);
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/** Every operation of `doc`, converted; an operation the loader cannot honour throws `OPENAPI_SPEC_INVALID`. */
export function specOperations(doc: OpenApiDocument): SpecOperation[] {
  const ops: SpecOperation[] = [];
  const seen = new Set<string>();
  for (const [path, rawItem] of Object.entries(doc.paths)) {
    const item = resolveRefs(doc, rawItem, `#/paths/${path}`) as Record<string, unknown>;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const operationId = op.operationId;
      if (typeof operationId !== 'string' || operationId === '') fail(`${where} has no operationId: handlers are bound by it`);
      if (seen.has(operationId)) fail(`operationId ${operationId} is used twice`);
      seen.add(operationId);
      const params = parameters(item.parameters, op.parameters, where);
      checkPathParams(path, params, where);
      ops.push({
        operationId,
        method: method.toUpperCase() as HTTPMethods,
        path,
        url: path.replace(/\{([^}]+)\}/g, ':$1'),
        routedBy: router(op, where),
        access: access(doc, op, where),
        schema: {
          ...objectSchema('params', params.filter((p) => p.in === 'path')),
          ...objectSchema('querystring', params.filter((p) => p.in === 'query')),
          ...requestBody(op.requestBody, where),
          response: responses(op.responses, where),
        },
        queryNames: params.filter((p) => p.in === 'query').map((p) => p.name),
        commaLists: params.filter((p) => p.in === 'query' && p.explode === false && isObject(p.schema) && p.schema.type === 'array').map((p) => p.name),
      });
    }
  }
  return ops;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  explode?: boolean;
  schema: Record<string, unknown>;
}

/** Path-level parameters overridden by the operation's (same name and location). */
function parameters(pathLevel: unknown, opLevel: unknown, where: string): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const raw of [...asArray(pathLevel), ...asArray(opLevel)]) {
    if (!isObject(raw) || typeof raw.name !== 'string' || !isObject(raw.schema)) fail(`${where}: every parameter needs a name and a schema`);
    if (raw.in !== 'path' && raw.in !== 'query') fail(`${where}: parameter ${raw.name} is in ${String(raw.in)}; only path and query parameters are supported`);
    const p: Parameter = { name: raw.name, in: raw.in, required: raw.in === 'path' || raw.required === true, schema: raw.schema };
    if (typeof raw.explode === 'boolean') p.explode = raw.explode;
    byKey.set(`${p.in}:${p.name}`, p);
  }
  return [...byKey.values()];
}

function checkPathParams(path: string, params: Parameter[], where: string): void {
  const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).sort();
  const declared = params.filter((p) => p.in === 'path').map((p) => p.name).sort();
  if (inPath.join() !== declared.join()) fail(`${where}: path parameters {${inPath.join(', ')}} do not match the declared ones (${declared.join(', ')})`);
}

function objectSchema(key: 'params' | 'querystring', params: Parameter[]): Partial<FastifySchema> {
  if (params.length === 0) return {};
  const required = params.filter((p) => p.required).map((p) => p.name);
  return {
    [key]: {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [p.name, jsonSchema(p.schema, false)])),
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    },
  };
}

/**
 * The JSON request body as Fastify's `body` schema, closed like a response: a typo in a field name
 * must not be silently ignored. Only a required `application/json` body is supported — Fastify
 * validates whatever the content-type parser produced against one schema, and would refuse a
 * missing body anyway.
 */
function requestBody(raw: unknown, where: string): Partial<FastifySchema> {
  if (raw === undefined) return {};
  if (!isObject(raw) || !isObject(raw.content)) fail(`${where}: the request body has no content`);
  const mediaTypes = Object.keys(raw.content);
  const json = raw.content['application/json'];
  if (mediaTypes.length !== 1 || !isObject(json) || !isObject(json.schema)) fail(`${where}: the request body is ${mediaTypes.join(', ') || 'empty'}; only one application/json schema is supported`);
  if (raw.required !== true) fail(`${where}: the request body must be required: true; optional bodies are not supported`);
  return { body: jsonSchema(json.schema, true) };
}

/** Fastify's response map: status → media type → closed schema. Non-JSON bodies are left to their handlers. */
function responses(raw: unknown, where: string): Record<string, unknown> {
  if (!isObject(raw) || Object.keys(raw).length === 0) fail(`${where} documents no responses`);
  const out: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(raw)) {
    if (!/^[1-5](\d\d|XX)$/.test(status)) continue; // `default` says nothing a serialiser can use
    if (!isObject(response) || !isObject(response.content)) continue;
    const content: Record<string, { schema: unknown }> = {};
    for (const [mediaType, media] of Object.entries(response.content)) {
      if (JSON_MEDIA_TYPE.test(mediaType) && isObject(media) && isObject(media.schema)) content[mediaType] = { schema: jsonSchema(media.schema, true) };
    }
    if (Object.keys(content).length > 0) out[status.toLowerCase()] = { content };
  }
  return out;
}

/**
 * An OpenAPI 3.1 schema (already dereferenced) as plain JSON Schema for Ajv and
 * fast-json-stringify: OpenAPI-only keywords and `x-` extensions dropped; with `close`, every
 * object schema that lists its properties and says nothing about others gets
 * `additionalProperties: false`.
 */
function jsonSchema(schema: unknown, close: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => jsonSchema(s, close));
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (NOT_JSON_SCHEMA.has(k) || k.startsWith('x-')) continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'dependentSchemas' || k === '$defs') {
      out[k] = isObject(v) ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, jsonSchema(s, close)])) : v;
    } else if (SUBSCHEMA_KEYWORDS.has(k)) {
      out[k] = jsonSchema(v, close);
    } else {
      out[k] = v;
    }
  }
  if (close && isObject(out.properties) && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const SUBSCHEMA_KEYWORDS = new Set(['items', 'prefixItems', 'additionalProperties', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems']);

function router(op: Record<string, unknown>, where: string): OperationRouter {
  const value = op[ROUTED_BY] ?? 'rest';
  if (!OPERATION_ROUTERS.includes(value as OperationRouter)) fail(`${where}: ${ROUTED_BY} must be one of ${OPERATION_ROUTERS.join(', ')}, got ${String(value)}`);
  return value as OperationRouter;
}

function access(doc: OpenApiDocument, op: Record<string, unknown>, where: string): RouteAccess {
  if (Array.isArray(op.security) && op.security.length === 0) return 'public';
  const security = op.security ?? doc.security;
  if (!Array.isArray(security) || security.length === 0) fail(`${where} has no security requirement: add one, or mark the operation public with security: []`);
  const scope = op[SCOPE] ?? 'read';
  if (scope !== 'read' && scope !== 'admin') fail(`${where}: ${SCOPE} must be read or admin, got ${String(scope)}`);
  return scope;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function fail(message: string): never {
  throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', message);
}
