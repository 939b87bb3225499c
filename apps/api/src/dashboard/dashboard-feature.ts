import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../errors';

/** Where the page's assets are served from (`/dashboard/app.js`, …); the page itself is `/`. */
export const DASHBOARD_ASSET_PREFIX = '/dashboard/';

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's own Content-Security-Policy, replacing the app-wide one for `/` and its assets: no
 * inline script or style at all, network only to its own origin (`connect-src 'self'` covers the
 * same-origin ws:/wss: feed), and no `upgrade-insecure-requests` — the app-wide policy has it, and
 * over plain HTTP on any host but localhost the browser would then fetch `app.js` and the feed as
 * https/wss and the page would not start (the embedded profile is often reached that way).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

interface Asset {
  body: Buffer;
  contentType: string;
}

/**
 * Reads the servable files of `public/` once: known extensions only, no type declarations or
 * tests. The set is fixed at start-up, so a request can only ever name one of these files.
 */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType || name.endsWith('.d.ts') || name.includes('.test.')) continue;
    assets.set(name, { body: readFileSync(join(dir, name)), contentType });
  }
  return assets;
}

/**
 * The dashboard at `/` as a feature for `buildApp({ features })`: a static page (HTML, ES modules,
 * CSS; no bundler, no CDN) that asks for an API key and then talks only to same-origin
 * `/v1/stream`, `/v1/symbols`, `/v1/bars/{symbol}` and `/v1/signals/{symbol}` (recent history of the
 * symbol shown), so it works behind any host name and in the embedded profile. See README.md here.
 *
 * Both routes are `access: 'public'`: the page holds no data; the key it is given authenticates
 * the WebSocket (first message) and the REST calls (`Authorization: Bearer`). Assets are read
 * once at registration; the routes send their own CSP (`DASHBOARD_CSP`).
 */
export function dashboardFeature(): FastifyPluginAsync {
  return async (app) => {
    const assets = loadAssets(PUBLIC_DIR);
    const page = assets.get('index.html');
    if (!page) throw new Error(`dashboard: ${join(PUBLIC_DIR, 'index.html')} is missing`);

    app.get('/', { config: { access: 'public' } }, async (_req, reply) =>
      reply.type(page.contentType).header('cache-control', 'no-cache').header('content-security-policy', DASHBOARD_CSP).send(page.body),
    );
    app.get<{ Params: { file: string } }>(`${DASHBOARD_ASSET_PREFIX}:file`, { config: { access: 'public' } }, async (req, reply) => {
      const asset = assets.get(req.params.file);
      if (!asset) throw new ApiError('NOT_FOUND', `no dashboard asset named '${req.params.file}'`);
      return reply.type(asset.contentType).header('cache-control', 'public, max-age=60').header('content-security-policy', DASHBOARD_CSP).send(asset.body);
    });
  };
}
