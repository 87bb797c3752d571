import { z } from 'zod';

/** The request and response shapes of the service, as its OpenAPI document shows them. */

export const RunIdParams = z.strictObject({ runId: z.string().min(1).max(200) });
export const TaskParams = z.strictObject({ runId: z.string().min(1).max(200), taskId: z.string().min(1).max(200) });

const Counts = z.strictObject({
  total: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  in_progress: z.number().int(),
});

/** A run as the list shows it. */
export const RunListItemSchema = z
  .strictObject({
    run_id: z.string(),
    status: z
      .string()
      .describe('running (driven by a live process), interrupted, complete, partial, failed, cancelled'),
    counts: Counts,
    created_at: z.number().describe('epoch ms'),
    updated_at: z.number(),
    ended_at: z.number().nullable(),
    live: z.boolean().describe('driven by this service now'),
  })
  .meta({ id: 'RunListItem' });

export const RunListSchema = z.strictObject({ runs: z.array(RunListItemSchema) });

/** `POST /runs`: a plan, or a specification this service plans (the pattern rules, or its model). */
export const SubmitBodySchema = z
  .strictObject({
    plan: z.looseObject({}).optional().describe('a planning agent message, or a bare { tasks, resources } workflow'),
    specification: z
      .union([z.string().min(1), z.looseObject({})])
      .optional()
      .describe('a specification in Markdown or JSON (text), or its JSON form'),
    run_id: z.string().min(1).max(200).optional(),
    check_capabilities: z.boolean().optional().describe('refuse tasks no registered runtime serves (default true)'),
    max_execution_time_ms: z.number().int().positive().optional(),
  })
  .refine((b) => (b.plan === undefined) !== (b.specification === undefined), {
    message: 'give exactly one of plan and specification',
  });

export const AcceptedSchema = z
  .strictObject({
    run_id: z.string(),
    status: z.string(),
    links: z.strictObject({ self: z.string(), events: z.string() }),
  })
  .meta({ id: 'Accepted' });

/** `GET /runs/:runId`: the run row, its state (a `step`-compatible DispatchState) and whether it is live. */
export const RunViewSchema = z
  .strictObject({
    run: z.looseObject({ run_id: z.string(), status: z.string(), counts: Counts }),
    workflow_state: z.looseObject({}).describe('the DispatchState (`switchyard schema state`)'),
    checkpoint_seq: z.number().int().optional(),
    live: z.boolean(),
  })
  .meta({ id: 'RunView' });

export const ReasonBodySchema = z.strictObject({ reason: z.string().min(1).max(2000).optional() }).optional();

export const StepsQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe('steps after this sequence number'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const StoredStepSchema = z.strictObject({
  seq: z.number().int(),
  at: z.number(),
  events: z.array(z.looseObject({ type: z.string() })),
});

export const StepsSchema = z.strictObject({ run_id: z.string(), steps: z.array(StoredStepSchema) });

/** `POST /step`: seed 003's dispatch agent over HTTP, exactly `step`. */
export const StepBodySchema = z.strictObject({
  state: z.looseObject({}).optional().describe('the state the previous call returned; absent with a plan message'),
  message: z.looseObject({}).describe('the planning agent message, or a task_result callback'),
  options: z
    .strictObject({
      policy: z.enum(['strict', 'dependency']).optional(),
      max_attempts: z.number().int().min(1).optional(),
    })
    .optional(),
});

export const StepResultSchema = z.strictObject({
  state: z.looseObject({}).optional(),
  messages: z.array(z.looseObject({})),
});
