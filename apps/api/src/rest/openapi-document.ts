import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OpenApiSpecError } from './openapi-spec-error';

/** The repository's REST contract, `openapi/openapi.yaml`. */
export const DEFAULT_OPENAPI_PATH = fileURLToPath(new URL('../../../../openapi/openapi.yaml', import.meta.url));

/** The parts of an OpenAPI 3.1 document the loader reads; everything else is passed through. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [k: string]: unknown };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  security?: ReadonlyArray<Record<string, readonly string[]>>;
  [k: string]: unknown;
}

/** Reads and parses the document; a missing file, bad YAML or a non-3.1 document throws `OPENAPI_SPEC_INVALID`. */
export function readOpenApiDocument(path: string = DEFAULT_OPENAPI_PATH): OpenApiDocument {
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', `${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return checkDocument(value, path);
}

/** `value` as an OpenAPI 3.1 document, or `OPENAPI_SPEC_INVALID` naming `source`. */
export function checkDocument(value: unknown, source = 'OpenAPI document'): OpenApiDocument {
  if (!isObject(value) || typeof value.openapi !== 'string' || !value.openapi.startsWith('3.1.')) {
    throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', `${source}: expected an OpenAPI 3.1.x document (openapi: 3.1.0)`);
  }
  if (!isObject(value.paths)) throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', `${source}: has no paths`);
  return value as unknown as OpenApiDocument;
}

/**
 * A deep copy of `node` with every `$ref` into the same document (`#/components/...`) replaced by
 * what it points to. Keywords next to a `$ref` (OpenAPI 3.1 allows `description` there) override
 * the target's. External and recursive references throw `OPENAPI_SPEC_INVALID`: route schemas must
 * be self-contained, and tickflow's contract has neither.
 */
export function resolveRefs(doc: OpenApiDocument, node: unknown, where = '#'): unknown {
  return resolve(doc, node, where, []);
}

function resolve(doc: OpenApiDocument, node: unknown, where: string, stack: readonly string[]): unknown {
  if (Array.isArray(node)) return node.map((v, i) => resolve(doc, v, `${where}/${i}`, stack));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#/')) throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', `${where}: external $ref ${ref} is not supported; keep the contract in one file`);
    if (stack.includes(ref)) throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', `${where}: recursive $ref ${ref} (via ${stack.join(' → ')}) cannot become a route schema`);
    const { $ref: _ref, ...siblings } = node;
    const target = resolve(doc, pointer(doc, ref, where), ref, [...stack, ref]);
    return isObject(target) ? { ...target, ...(resolve(doc, siblings, where, stack) as object) } : target;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = resolve(doc, v, `${where}/${escape(k)}`, stack);
  return out;
}

/** The value at a JSON pointer `#/a/b` (RFC 6901 escapes). */
function pointer(doc: OpenApiDocument, ref: string, where: string): unknown {
  let value: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(value) || !(key in value)) throw new OpenApiSpecError('OPENAPI_SPEC_INVALID', `${where}: $ref ${ref} points to nothing`);
    value = value[key];
  }
  return value;
}

const escape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
