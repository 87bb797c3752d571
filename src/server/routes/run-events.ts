import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runRecord } from '../../journal/recorded-run.js';
import { parseWith } from '../../protocol/parse.js';
import { RunStepMessageSchema } from '../../protocol/run-events.js';
import { RunIdParams } from '../api-schemas.js';
import { ErrorBodySchema } from '../http-errors.js';
import type { ServiceContext } from '../service-context.js';

/** How often an idle stream gets a comment line, so proxies and browsers keep it open. */
const KEEP_ALIVE_MS = 15_000;

const EventsQuerySchema = z.strictObject({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('send the steps after this sequence number (default: all kept)'),
});

/** One step as the stream sends it: what the store keeps, and while live the status and counts after it. */
interface StreamedStep {
  readonly seq: number;
  readonly at: number;
  readonly events: readonly unknown[];
  readonly status?: string;
  readonly counts?: unknown;
}

/** The id of a step's event is the sequence number of its last event, so `Last-Event-ID` resumes after it. */
const lastSeq = (s: StreamedStep) => s.seq + s.events.length - 1;

function send(raw: ServerResponse, event: string, data: unknown, id?: number): void {
  raw.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Where a stream starts: `?after=`, else the `Last-Event-ID` a reconnecting EventSource sends, else the start. */
function startAfter(query: { after?: number }, lastEventId: unknown): number {
  if (query.after !== undefined) return query.after;
  const n = typeof lastEventId === 'string' ? Number.parseInt(lastEventId, 10) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/**
 * `GET /runs/:runId/events`: the run's steps as Server-Sent Events — `step` events (id: the last
 * sequence number in it) for what is recorded after `?after=` (or `Last-Event-ID`), then each
 * new step as the run takes it, and an `end` event with the final status, after which the
 * stream closes. It subscribes before it reads the store, and drops what it already sent, so
 * no step is missed or sent twice.
 */
export function runEventRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/runs/:runId/events',
    {
      schema: {
        summary: "A run's steps as Server-Sent Events, live",
        tags: ['runs'],
        params: RunIdParams,
        querystring: EventsQuerySchema,
        response: { 200: z.string().describe('text/event-stream'), 404: ErrorBodySchema },
      },
    },
    (request, reply) => {
      const { runId } = request.params;
      runRecord(ctx.store, runId); // RUN_NOT_FOUND before the stream opens
      let sent = startAfter(request.query, request.headers['last-event-id']);
      const raw = reply.raw;
      let pending: StreamedStep[] | undefined = [];
      let closed = false;
      const finish = (status: string) => {
        if (closed) return;
        send(raw, 'end', { run_id: runId, status });
        close();
        raw.end();
      };
      const deliver = (s: StreamedStep) => {
        if (closed || lastSeq(s) <= sent) return;
        send(raw, 'step', s, lastSeq(s));
        sent = lastSeq(s);
        if (s.status !== undefined && s.status !== 'running') finish(s.status);
      };
      const subscription = ctx.runtime.bus.subscribe(ctx.runtime.subjects.runStep(runId), (message) => {
        const parsed = parseWith(RunStepMessageSchema, message.data, 'run step');
        if (!parsed.ok) return;
        const { seq, at, events, status, counts } = parsed.value;
        const s = { seq, at, events, status, counts };
        if (pending) pending.push(s);
        else deliver(s);
      });
      const { scheduler } = ctx.runtime;
      const ping = (): ReturnType<typeof scheduler.setTimeout> =>
        scheduler.setTimeout(
          () => {
            if (closed) return;
            raw.write(': keep-alive\n\n');
            keepAlive = ping();
          },
          KEEP_ALIVE_MS,
          { background: true },
        );
      let keepAlive = ping();
      function close() {
        closed = true;
        subscription.unsubscribe();
        scheduler.clearTimeout(keepAlive);
      }
      request.raw.on('close', close);
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      for (const s of ctx.store.stepsAfter(runId, sent)) deliver({ seq: s.seq, at: s.at, events: s.events });
      const backlog = pending;
      pending = undefined;
      for (const s of backlog) deliver(s);
      const record = ctx.store.getRun(runId);
      if (record && record.status !== 'running' && !ctx.runtime.active().some((r) => r.id === runId))
        finish(record.status);
    },
  );
}
