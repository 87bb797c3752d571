import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordedAttempts } from '../../journal/recorded-attempts.js';
import { runRecord } from '../../journal/recorded-run.js';
import { runStateAt } from '../../journal/run-view.js';
import { AttemptRecordSchema } from '../../protocol/execution-result.js';
import { RunIdParams } from '../api-schemas.js';
import { ErrorBodySchema } from '../http-errors.js';
import type { ServiceContext } from '../service-context.js';
import { type GraphLayout, layoutGraph } from '../graph-layout.js';
import { ExecutionGraph } from '../../graph/execution-graph.js';

const LAYOUTS_KEPT = 32;

const StateAtQuerySchema = z.strictObject({
  at: z.coerce.number().int().min(0).describe('the event sequence number to replay up to'),
});

const StateAtSchema = z.strictObject({
  run_id: z.string(),
  seq: z.number().int().describe('the last event applied (the end of the step at or before `at`)'),
  at: z.number().describe('when that step was recorded, epoch ms'),
  workflow_state: z.looseObject({}),
});

const AttemptsSchema = z.strictObject({
  run_id: z.string(),
  started_at: z.number().nullable(),
  last_recorded_at: z.number().nullable(),
  tasks: z.record(z.string(), z.array(AttemptRecordSchema)),
});

/**
 * A run's history, read from its journal: its state after any step (the time-travel view,
 * replayed with the code resume uses), every attempt with its times (the Gantt timeline), and
 * its graph laid out.
 */
export function runHistoryRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/runs/:runId/state',
    {
      schema: {
        summary: "A run's state as it stood after one of its steps, replayed from its journal",
        tags: ['runs'],
        params: RunIdParams,
        querystring: StateAtQuerySchema,
        response: { 200: StateAtSchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
      },
    },
    (request) => {
      const { runId } = request.params;
      const travelled = runStateAt(ctx.store, runId, request.query.at);
      return { run_id: runId, ...travelled, workflow_state: travelled.workflow_state as Record<string, unknown> };
    },
  );
  const layouts = new Map<string, Promise<GraphLayout>>();
  r.get(
    '/runs/:runId/layout',
    {
      schema: {
        summary: "The run's task graph laid out (elkjs; execution groups as columns), for drawing it",
        tags: ['runs'],
        params: RunIdParams,
        response: { 200: z.looseObject({}), 404: ErrorBodySchema },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const record = runRecord(ctx.store, runId);
      // A plan never changes: lay it out once (the last few runs asked for are kept).
      let layout = layouts.get(runId);
      if (!layout) {
        layout = layoutGraph(ExecutionGraph.fromPlan(record.plan));
        layouts.set(runId, layout);
        if (layouts.size > LAYOUTS_KEPT) layouts.delete(layouts.keys().next().value as string);
        layout.catch(() => layouts.delete(runId));
      }
      return (await layout) as unknown as Record<string, unknown>;
    },
  );
  r.get(
    '/runs/:runId/attempts',
    {
      schema: {
        summary: 'Every attempt of a run with its agent, runtime, times and outcome, as its journal records them',
        tags: ['runs'],
        params: RunIdParams,
        response: { 200: AttemptsSchema, 404: ErrorBodySchema },
      },
    },
    (request) => {
      const { runId } = request.params;
      runRecord(ctx.store, runId);
      const recorded = recordedAttempts(ctx.store.stepsAfter(runId, 0));
      return {
        run_id: runId,
        started_at: recorded.startedAt ?? null,
        last_recorded_at: recorded.lastRecordedAt ?? null,
        tasks: Object.fromEntries([...recorded.byTask].map(([task, attempts]) => [task, [...attempts]])),
      };
    },
  );
}
