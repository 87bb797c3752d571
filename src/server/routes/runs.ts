import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runRecord } from '../../journal/recorded-run.js';
import { displayStatus, runView } from '../../journal/run-view.js';
import { planSpecification } from '../../runtime/dispatch.js';
import {
  AcceptedSchema,
  ReasonBodySchema,
  RunIdParams,
  RunListSchema,
  RunViewSchema,
  StepsQuerySchema,
  StepsSchema,
  SubmitBodySchema,
  TaskParams,
} from '../api-schemas.js';
import { ErrorBodySchema } from '../http-errors.js';
import { drivenRun, liveRun, type ServiceContext, watch } from '../service-context.js';

const errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema };
const accepted = (runId: string, status: string) => ({
  run_id: runId,
  status,
  links: { self: `/runs/${encodeURIComponent(runId)}`, events: `/runs/${encodeURIComponent(runId)}/events` },
});

/** Listing and reading runs. */
function read(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/runs',
    { schema: { summary: 'Every recorded run, newest first', tags: ['runs'], response: { 200: RunListSchema } } },
    () => {
      const now = ctx.now();
      const live = new Set(ctx.runtime.active().map((run) => run.id));
      const runs = ctx.store.listRuns().map((record) => ({
        run_id: record.run_id,
        status: displayStatus(ctx.store, record, now),
        counts: record.counts,
        created_at: record.created_at,
        updated_at: record.updated_at,
        ended_at: record.ended_at,
        live: live.has(record.run_id),
      }));
      return { runs };
    },
  );
  r.get(
    '/runs/:runId',
    {
      schema: {
        summary: 'One run: its row, its state now, the failure log and timeline inside it',
        tags: ['runs'],
        params: RunIdParams,
        response: { 200: RunViewSchema, 404: ErrorBodySchema },
      },
    },
    (request) => {
      const { runId } = request.params;
      const view = runView(ctx.store, runId, ctx.now());
      const run = liveRun(ctx, runId);
      // A live run's own state is ahead of the store by the step being written.
      return { ...view, workflow_state: run ? run.state() : view.workflow_state, live: run !== undefined };
    },
  );
  r.get(
    '/runs/:runId/plan',
    {
      schema: {
        summary: 'The plan the run was started with',
        tags: ['runs'],
        params: RunIdParams,
        response: { 200: z.looseObject({}), 404: ErrorBodySchema },
      },
    },
    (request) => runRecord(ctx.store, request.params.runId).plan as Record<string, unknown>,
  );
  r.get(
    '/runs/:runId/steps',
    {
      schema: {
        summary: 'The recorded steps of a run after a sequence number (those kept after compaction)',
        tags: ['runs'],
        params: RunIdParams,
        querystring: StepsQuerySchema,
        response: { 200: StepsSchema, 404: ErrorBodySchema },
      },
    },
    (request) => {
      const { runId } = request.params;
      runRecord(ctx.store, runId);
      const steps = ctx.store.stepsAfter(runId, request.query.after).slice(0, request.query.limit);
      return { run_id: runId, steps: steps.map((s) => ({ seq: s.seq, at: s.at, events: [...s.events] })) };
    },
  );
}

/** Starting a run: of a plan, or of a specification planned here. */
function submit(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/runs',
    {
      schema: {
        summary: 'Start a run of a plan, or of a specification planned here',
        tags: ['runs'],
        body: SubmitBodySchema,
        response: { 201: AcceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const plan = body.plan ?? (await planSpecification(body.specification, ctx.llm ? { llm: ctx.llm } : {})).plan;
      const run = await ctx.runtime.submitAsync(plan, {
        ...(body.run_id === undefined ? {} : { runId: body.run_id }),
        ...(body.check_capabilities === undefined ? {} : { checkCapabilities: body.check_capabilities }),
        ...(body.max_execution_time_ms === undefined ? {} : { maxExecutionTimeMs: body.max_execution_time_ms }),
      });
      watch(ctx, run);
      await ctx.runtime.bus.flush(); // its first step recorded: GET /runs/:runId finds it at once
      return reply.code(201).send(accepted(run.id, 'running'));
    },
  );
}

/** Steering runs: cancel, resume, cancel one task. */
function steer(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/runs/:runId/cancel',
    {
      schema: {
        summary: 'Cancel a run this service drives (it can be resumed later)',
        tags: ['runs'],
        params: RunIdParams,
        body: ReasonBodySchema,
        response: { 202: AcceptedSchema, ...errors },
      },
    },
    (request, reply) => {
      const run = drivenRun(ctx, request.params.runId);
      run.cancel(request.body?.reason ?? 'cancelled over HTTP');
      reply.code(202);
      return accepted(run.id, 'cancelled');
    },
  );
  r.post(
    '/runs/:runId/resume',
    {
      schema: {
        summary: 'Resume a cancelled or interrupted run from its journal',
        tags: ['runs'],
        params: RunIdParams,
        response: { 202: AcceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const run = watch(ctx, ctx.runtime.resume(request.params.runId));
      await ctx.runtime.bus.flush();
      return reply.code(202).send(accepted(run.id, 'running'));
    },
  );
  r.post(
    '/runs/:runId/tasks/:taskId/cancel',
    {
      schema: {
        summary: 'Cancel one task of a live run; its dependents are skipped, the rest goes on',
        tags: ['runs'],
        params: TaskParams,
        body: ReasonBodySchema,
        response: { 202: AcceptedSchema, ...errors },
      },
    },
    (request, reply) => {
      const run = drivenRun(ctx, request.params.runId);
      run.cancelTask(request.params.taskId, request.body?.reason ?? 'cancelled over HTTP');
      reply.code(202);
      return accepted(run.id, 'running');
    },
  );
}

/** The runs API. */
export function runRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  read(app, ctx);
  submit(app, ctx);
  steer(app, ctx);
}
