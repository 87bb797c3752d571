import fastifySwagger from '@fastify/swagger';
import type { Tracer } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type Logger, pino } from 'pino';
import type { LlmBackend } from '../planning/llm-backend.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { RunStepMessageSchema } from '../protocol/run-events.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { bearerAuth } from './auth.js';
import { errorHandler, notFoundHandler } from './http-errors.js';
import { ServiceMetrics } from './metrics.js';
import { RunTracing } from './tracing.js';
import { dashboardRoutes, isDashboardFile } from './routes/dashboard.js';
import { runEventRoutes } from './routes/run-events.js';
import { runHistoryRoutes } from './routes/run-history.js';
import { runRoutes } from './routes/runs.js';
import { stepRoutes } from './routes/step.js';
import type { ServiceContext } from './service-context.js';

/** Options of {@link createService}. */
export interface ServiceOptions {
  /** The runtime it drives runs on; it must have a store (`createRuntime({ store })`). Not closed by the service. */
  readonly runtime: Runtime;
  /** Refuse every request but the health check without `Authorization: Bearer <token>`. @default none: open (bind it to loopback) */
  readonly token?: string;
  /** The model that plans specifications given to `POST /runs`. @default the pattern rules */
  readonly llm?: LlmBackend;
  /** @default a silent logger */
  readonly logger?: Logger;
  /** Where run and attempt spans go. @default `trace.getTracer('switchyard')`: the registered OpenTelemetry SDK's, a no-op without one */
  readonly tracer?: Tracer;
  /** Largest request body, in bytes (a plan of 100k tasks is about 40 MB). @default 64 MiB */
  readonly bodyLimit?: number;
}

/** A running service: its fastify instance (for `inject` in tests), `listen` and `close`. */
export interface Service {
  readonly app: FastifyInstance;
  /** Listens on `host:port` (port 0: a free one) and resolves with its base URL. */
  listen(options: { port: number; host?: string }): Promise<string>;
  /** Stops listening and closes every event stream; the runtime stays as it is. */
  close(): Promise<void>;
}

const OPENAPI = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard',
      description:
        'Runs of workflow plans on agent runtimes: submit, watch (Server-Sent Events), steer; the dispatch agent (`step`) over HTTP; Prometheus metrics.',
      version: '1',
    },
    components: { securitySchemes: { bearer: { type: 'http' as const, scheme: 'bearer' } } },
  },
  transform: jsonSchemaTransform,
};

/**
 * Switchyard's HTTP service on a runtime: the runs API, their live event streams, the dispatch
 * agent over HTTP, `/metrics` and `/openapi.json` (fastify, its request and response schemas
 * from zod). Every error is the project's coded JSON error with the HTTP status for its code.
 *
 * @example
 * const rt = await createRuntime({ agents, store: new SqliteStore('runs.db') });
 * const service = await createService({ runtime: rt, token: process.env.SWITCHYARD_TOKEN });
 * console.log(await service.listen({ port: 7878 }));
 */
export async function createService(options: ServiceOptions): Promise<Service> {
  const store = options.runtime.state?.store;
  if (!store)
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      'The service shows the runs its runtime records: create the runtime with a store (createRuntime({ store: new SqliteStore(file) })).',
      { option: 'runtime' },
    );
  const logger = options.logger ?? pino({ level: 'silent' });
  const ctx: ServiceContext = {
    runtime: options.runtime,
    store,
    logger,
    llm: options.llm,
    now: () => options.runtime.scheduler.now(),
  };
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler(notFoundHandler);
  if (options.token !== undefined) {
    if (options.token.length < 16)
      throw new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        'The service token is too short to be a secret: use at least 16 characters (e.g. `openssl rand -hex 24`).',
        { option: 'token' },
      );
    app.addHook(
      'onRequest',
      bearerAuth(options.token, (request) => request.url === '/healthz' || isDashboardFile(request)),
    );
  }
  await app.register(fastifySwagger, OPENAPI);
  const metrics = new ServiceMetrics(ctx);
  const tracing = new RunTracing(options.tracer);
  const steps = options.runtime.bus.subscribe(options.runtime.subjects.patterns.runSteps(), (message) => {
    const parsed = parseWith(RunStepMessageSchema, message.data, 'run step');
    if (!parsed.ok) return;
    metrics.take(parsed.value);
    tracing.take(parsed.value);
  });
  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['metrics'] } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.text();
  });
  runRoutes(app, ctx);
  runEventRoutes(app, ctx);
  runHistoryRoutes(app, ctx);
  stepRoutes(app);
  dashboardRoutes(app);
  await app.ready();
  return {
    app,
    listen: async ({ port, host = '127.0.0.1' }) => app.listen({ port, host }),
    async close() {
      steps.unsubscribe();
      await app.close();
    },
  };
}
