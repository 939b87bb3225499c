import { describe, expect, it } from 'vitest';
import { checkDocument, resolveRefs, type OpenApiDocument } from './openapi-document';
import { specOperations } from './openapi-operations';

function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}): OpenApiDocument {
  return checkDocument({ openapi: '3.1.0', info: { title: 't', version: '1' }, security: [{ key: [] }], paths, ...extra });
}

const ok = { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Row' } } } } };
const components = {
  components: {
    schemas: {
      Row: { type: 'object', properties: { a: { type: 'string', example: 'x' }, nested: { type: 'object', properties: { example: { type: 'integer' } } }, free: { type: 'object', additionalProperties: true } } },
      Sym: { type: 'string', pattern: '^[A-Z]+$', 'x-note': 'dropped' },
    },
    parameters: { Sym: { name: 'symbol', in: 'path', required: true, schema: { $ref: '#/components/schemas/Sym' } } },
  },
};

describe('specOperations', () => {
  it('turns an operation into a route: url, params, querystring, closed responses', () => {
    const [op] = specOperations(
      doc(
        {
          '/v1/x/{symbol}': {
            parameters: [{ $ref: '#/components/parameters/Sym' }],
            get: {
              operationId: 'getX',
              parameters: [
                { name: 'limit', in: 'query', schema: { type: 'integer', default: 5 } },
                { name: 'ids', in: 'query', required: true, style: 'form', explode: false, schema: { type: 'array', items: { type: 'string' } } },
              ],
              responses: { ...ok, '400': { description: 'bad', content: { 'application/problem+json': { schema: { type: 'object', properties: { code: { type: 'string' } } } } } }, default: { description: 'x' } },
            },
          },
        },
        components,
      ),
    );
    expect(op).toMatchObject({ operationId: 'getX', method: 'GET', path: '/v1/x/{symbol}', url: '/v1/x/:symbol', routedBy: 'rest', access: 'read', queryNames: ['limit', 'ids'], commaLists: ['ids'] });
    expect(op!.schema.params).toEqual({ type: 'object', properties: { symbol: { type: 'string', pattern: '^[A-Z]+$' } }, required: ['symbol'], additionalProperties: false });
    expect(op!.schema.querystring).toEqual({ type: 'object', properties: { limit: { type: 'integer', default: 5 }, ids: { type: 'array', items: { type: 'string' } } }, required: ['ids'], additionalProperties: false });
    expect(op!.schema.response).toEqual({
      '200': {
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { a: { type: 'string' }, nested: { type: 'object', additionalProperties: false, properties: { example: { type: 'integer' } } }, free: { type: 'object', additionalProperties: true } },
            },
          },
        },
      },
      '400': { content: { 'application/problem+json': { schema: { type: 'object', additionalProperties: false, properties: { code: { type: 'string' } } } } } },
    });
  });

  it('security: [] makes an operation public; x-tickflow-scope asks for admin; x-tickflow-routed-by hands it to another feature', () => {
    const ops = specOperations(
      doc({
        '/a': { get: { operationId: 'a', security: [], responses: ok } },
        '/b': { get: { operationId: 'b', 'x-tickflow-scope': 'admin', responses: ok } },
        '/c': { get: { operationId: 'c', 'x-tickflow-routed-by': 'core', responses: ok } },
      }, components),
    );
    expect(ops.map((o) => [o.operationId, o.access, o.routedBy])).toEqual([['a', 'public', 'rest'], ['b', 'admin', 'rest'], ['c', 'read', 'core']]);
  });

  it('turns a required JSON request body into the body schema, closed, defaults kept', () => {
    const body = { type: 'object', required: ['url'], properties: { url: { type: 'string', example: 'x' }, level: { type: 'string', enum: ['a', 'b'], default: 'a' } } };
    const [op] = specOperations(doc({ '/a': { post: { operationId: 'a', requestBody: { required: true, content: { 'application/json': { schema: body } } }, responses: ok } } }, components));
    expect(op!.schema.body).toEqual({ type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string' }, level: { type: 'string', enum: ['a', 'b'], default: 'a' } } });
    expect(specOperations(doc({ '/a': { get: { operationId: 'a', responses: ok } } }, components))[0]!.schema.body).toBeUndefined();
  });

  it.each([
    ['no operationId', { '/a': { get: { responses: ok } } }, /GET \/a has no operationId/],
    ['a duplicate operationId', { '/a': { get: { operationId: 'x', responses: ok } }, '/b': { get: { operationId: 'x', responses: ok } } }, /operationId x is used twice/],
    ['an undeclared path parameter', { '/a/{id}': { get: { operationId: 'a', responses: ok } } }, /path parameters \{id\} do not match/],
    ['a header parameter', { '/a': { get: { operationId: 'a', parameters: [{ name: 'h', in: 'header', schema: { type: 'string' } }], responses: ok } } }, /only path and query/],
    ['no responses', { '/a': { get: { operationId: 'a' } } }, /documents no responses/],
    ['a dangling $ref', { '/a': { get: { operationId: 'a', responses: { '200': { $ref: '#/components/responses/Nope' } } } } }, /points to nothing/],
    ['an external $ref', { '/a': { get: { operationId: 'a', responses: { '200': { $ref: 'other.yaml#/x' } } } } }, /external \$ref/],
    ['a bad scope', { '/a': { get: { operationId: 'a', 'x-tickflow-scope': 'root', responses: ok } } }, /must be read or admin/],
    ['a form request body', { '/a': { post: { operationId: 'a', requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } }, responses: ok } } }, /only one application\/json schema/],
    ['a second request media type', { '/a': { post: { operationId: 'a', requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } }, 'text/plain': { schema: { type: 'string' } } } }, responses: ok } } }, /only one application\/json schema/],
    ['an optional request body', { '/a': { post: { operationId: 'a', requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: ok } } }, /must be required: true/],
    ['an unknown router', { '/a': { get: { operationId: 'a', 'x-tickflow-routed-by': 'webhook', responses: ok } } }, /x-tickflow-routed-by must be one of rest, core, webhooks, got webhook/],
  ])('refuses %s', (_what, paths, message) => {
    expect(() => specOperations(doc(paths, components))).toThrow(message);
  });

  it('refuses an operation with no security requirement at all', () => {
    const d = checkDocument({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/a': { get: { operationId: 'a', responses: ok } } }, ...components });
    expect(() => specOperations(d)).toThrow(/no security requirement/);
  });
});

describe('resolveRefs', () => {
  it('refuses recursive references', () => {
    const d = doc({}, { components: { schemas: { Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } } } } } });
    expect(() => resolveRefs(d, { $ref: '#/components/schemas/Node' })).toThrow(/recursive \$ref/);
  });

  it('lets keywords beside a $ref override the target’s, and leaves the document unchanged', () => {
    const d = doc({}, components);
    const copy = JSON.stringify(d);
    expect(resolveRefs(d, { $ref: '#/components/schemas/Sym', description: 'here' })).toEqual({ type: 'string', pattern: '^[A-Z]+$', 'x-note': 'dropped', description: 'here' });
    expect(JSON.stringify(d)).toBe(copy);
  });
});

describe('checkDocument', () => {
  it('wants OpenAPI 3.1 with paths', () => {
    expect(() => checkDocument({ openapi: '3.0.3', paths: {} })).toThrow(/3\.1/);
    expect(() => checkDocument({ openapi: '3.1.0' })).toThrow(/no paths/);
  });
});
