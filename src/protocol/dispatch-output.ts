import { z } from 'zod';
import { envelopeSchema, MetadataSchema } from './envelope.js';
import { FinalRefSchema, ResolvedRefSchema } from './refs.js';
import { WorkflowStateSchema } from './workflow-state.js';

/** `workflow_progress` of a dispatch: counts at the moment the dispatch is issued. */
export const WorkflowProgressSchema = z.looseObject({
  total_tasks: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  in_progress: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type WorkflowProgress = z.infer<typeof WorkflowProgressSchema>;

/** `output.content.dispatch`: one task sent to an agent (seed 003, Phase A). */
export const DispatchSchema = z.looseObject({
  task_id: z.string().min(1),
  action: z.string(),
  capability_ids: z.array(z.string()),
  input_refs_resolved: z.array(ResolvedRefSchema),
  output_refs_expected: z.array(z.string()),
  execution_group: z.number().int().positive(),
  attempt: z.number().int().positive(),
  workflow_progress: WorkflowProgressSchema,
});
export type Dispatch = z.infer<typeof DispatchSchema>;

/** Metadata of the dispatch agent's outputs: carries the new `workflow_state`. */
export const DispatchMetadataSchema = MetadataSchema.extend({
  workflow_state: WorkflowStateSchema.optional(),
});

/** The dispatch agent's `task_dispatch` message. */
export const TaskDispatchMessageSchema = envelopeSchema(
  'task_dispatch',
  z.looseObject({ dispatch: DispatchSchema }),
).extend({
  metadata: DispatchMetadataSchema.optional(),
});
export type TaskDispatchMessage = z.infer<typeof TaskDispatchMessageSchema>;

/** One entry of `execution_timeline`. */
export const TimelineEntrySchema = z.looseObject({
  execution_group: z.number().int().positive(),
  tasks: z.array(z.string()),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});

/** `output.content.workflow_result` (seed 003, Phase B). */
export const WorkflowResultSchema = z.looseObject({
  status: z.enum(['complete', 'partial', 'failed']),
  total_tasks: z.number().int().nonnegative(),
  completed_tasks: z.number().int().nonnegative(),
  failed_tasks: z.number().int().nonnegative(),
  skipped_tasks: z.number().int().nonnegative(),
  task_results: z.record(z.string(), z.looseObject({ status: z.string(), attempts: z.number().int().nonnegative() })),
  derived_refs_final: z.array(FinalRefSchema),
  execution_timeline: z.array(TimelineEntrySchema),
});
export type WorkflowResult = z.infer<typeof WorkflowResultSchema>;

/** The dispatch agent's `workflow_complete` message. */
export const WorkflowCompleteMessageSchema = envelopeSchema(
  'workflow_complete',
  z.looseObject({ workflow_result: WorkflowResultSchema }),
).extend({ metadata: DispatchMetadataSchema.optional() });
export type WorkflowCompleteMessage = z.infer<typeof WorkflowCompleteMessageSchema>;
