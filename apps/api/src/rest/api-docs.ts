import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { OpenApiDocument } from './openapi-document';

/** Where the interactive documentation is served. */
export const DOCS_PREFIX = '/docs';

/**
 * The contract for people: `@fastify/swagger` in static mode holds the document as written (it
 * decorates `app.swagger()`, which `GET /openapi.json` returns), and `@fastify/swagger-ui` serves
 * the interactive documentation at `/docs` from its own bundled assets — no CDN. Every docs route
 * is public, like the document itself.
 */
export async function registerApiDocs(app: FastifyInstance, doc: OpenApiDocument): Promise<void> {
  await app.register(fastifySwagger, { mode: 'static', specification: { document: doc as never } });
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await docs.register(fastifySwaggerUi, {
      routePrefix: DOCS_PREFIX,
      uiConfig: { docExpansion: 'list', deepLinking: true, persistAuthorization: false, displayRequestDuration: true },
    });
  });
}
