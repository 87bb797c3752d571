import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The dashboard's files (the package's `dashboard/` folder), served as they are: no build step, no CDN. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'graph.js': 'text/javascript; charset=utf-8',
  'gantt.js': 'text/javascript; charset=utf-8',
  'run-view.js': 'text/javascript; charset=utf-8',
  'runs-list.js': 'text/javascript; charset=utf-8',
};

// From src/server/routes/ and from dist/server/routes/ alike, the package root is three folders up.
const ROOT = new URL('../../../dashboard/', import.meta.url);

/** The dashboard's files hold no data: they are served without the token, which the page then sends with every API call. */
export function isDashboardFile(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === '/' || (path.startsWith('/dashboard/') && Object.hasOwn(FILES, path.slice('/dashboard/'.length)));
}

/**
 * The dashboard at `/`: its files, read once when the service starts (a fixed list, so no
 * request can name any other file). Security headers keep the page from running anything but
 * its own scripts.
 */
export function dashboardRoutes(app: FastifyInstance): void {
  const files = new Map(
    Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(new URL(name, ROOT)) }]),
  );
  const headers = {
    'cache-control': 'no-cache',
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  };
  app.get('/', { schema: { hide: true } }, (_request, reply) => {
    const index = files.get('index.html');
    return reply
      .headers(headers)
      .type(index?.type ?? 'text/html')
      .send(index?.body);
  });
  app.get<{ Params: { file: string } }>('/dashboard/:file', { schema: { hide: true } }, (request, reply) => {
    const file = files.get(request.params.file);
    if (!file) return reply.callNotFound();
    return reply.headers(headers).type(file.type).send(file.body);
  });
}
