/**
 * `switchyard/server`: the HTTP service on a runtime (runs API, live event streams, the
 * dispatch agent over HTTP, Prometheus metrics, OpenAPI), the self-contained HTML report of
 * an ExecutionResult and the graph layout it draws. A separate entry point so that
 * importing `switchyard` never loads fastify or prom-client.
 *
 * @example
 * import { createRuntime } from 'switchyard';
 * import { createService } from 'switchyard/server';
 * import { SqliteStore } from 'switchyard/sqlite';
 * const rt = await createRuntime({ agents, store: SqliteStore.open('runs.db') });
 * const service = await createService({ runtime: rt });
 * console.log(await service.listen({ port: 7878 }));
 * @packageDocumentation
 */

export { createService } from './server/service.js';
export type { Service, ServiceOptions } from './server/service.js';
export { ErrorBodySchema } from './server/http-errors.js';
export { renderHtmlReport } from './server/html-report/render-html-report.js';
export type { HtmlReportOptions } from './server/html-report/render-html-report.js';
export { layoutGraph } from './server/graph-layout.js';
export type {
  GraphLayout,
  GraphLayoutOptions,
  LayoutEdge,
  LayoutGroup,
  LayoutNode,
  LayoutPoint,
} from './server/graph-layout.js';
