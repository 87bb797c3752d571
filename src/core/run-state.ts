import { z } from 'zod';
import { ErrorInfoSchema } from '../protocol/envelope.js';
import { TaskSpecSchema, ExecutionGroupSchema } from '../protocol/plan.js';
import { RefDeclarationSchema } from '../protocol/refs.js';
import { RouteRuleSchema } from '../protocol/routes.js';
import { WorkflowStateSchema } from '../protocol/workflow-state.js';

/**
 * What Switchyard keeps beside seed 003's `workflow_state` fields so that the state alone is
 * enough to continue a run: the plan, the options the run started with, and run bookkeeping.
 * It travels inside `workflow_state` under the key `switchyard`.
 */
export const RunStateSchema = z.looseObject({
  version: z.literal(1),
  plan: z.looseObject({
    tasks: z.array(TaskSpecSchema),
    execution_groups: z.record(z.string(), ExecutionGroupSchema).optional(),
    execution_order: z.array(z.string()).optional(),
    total_tasks: z.number().int().nonnegative().optional(),
    resources: z.looseObject({
      source_refs: z.array(RefDeclarationSchema),
      storage_refs: z.array(RefDeclarationSchema),
      derived_refs: z.array(RefDeclarationSchema),
    }),
  }),
  options: z.strictObject({
    policy: z.enum(['strict', 'dependency']),
    max_attempts: z.number().int().min(1).max(100),
    routes: z.array(RouteRuleSchema).min(1),
    fusion_prefixes: z.array(z.string().min(1)),
  }),
  run: z.looseObject({
    status: z.enum(['running', 'complete', 'partial', 'failed']),
    session_id: z.string().optional(),
    request_id: z.string().optional(),
    /** The sequence number of the last message Switchyard sent. */
    sequence_number: z.number().int().nonnegative(),
    utc_offset_minutes: z.number().int().min(-1439).max(1439),
    /** Epoch milliseconds of the last step, when known. */
    now: z.number().nullable(),
    timeline: z.array(
      z.looseObject({
        execution_group: z.number().int(),
        started_at: z.number().nullable(),
        completed_at: z.number().nullable(),
      }),
    ),
    error: ErrorInfoSchema.optional(),
  }),
});
export type RunState = z.infer<typeof RunStateSchema>;

/** One `failure_log` entry as Switchyard writes it (the seed's fields, then its own). */
export const FailureEntrySchema = z.looseObject({
  task_id: z.string(),
  error_code: z.string(),
  error_message: z.string(),
  attempts: z.number().int().nonnegative(),
  downstream_impact: z.union([z.array(z.string()), z.string()]),
  recoverable: z.boolean(),
  retried: z.boolean(),
  at: z.string().nullable(),
});

/**
 * The state `step` takes and returns: seed 003's `workflow_state` (`current_execution_group`,
 * `task_states`, `ref_registry`, `failure_log`) plus the `switchyard` block. It is plain JSON:
 * an orchestration layer may store it anywhere and pass it back unchanged.
 */
export const DispatchStateSchema = WorkflowStateSchema.extend({
  failure_log: z.array(FailureEntrySchema),
  switchyard: RunStateSchema,
});
export type DispatchState = z.infer<typeof DispatchStateSchema>;
