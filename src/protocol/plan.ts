import { z } from 'zod';
import { envelopeSchema } from './envelope.js';
import { ResourcesSchema } from './refs.js';

/** The planner's weight labels. */
export const WEIGHT_LABELS = ['light', 'medium', 'heavy'] as const;

/** A task's planner weight label, or a positive number used as is. */
export const EstimatedWeightSchema = z.union([z.enum(WEIGHT_LABELS), z.number().positive()]);
export type EstimatedWeight = z.infer<typeof EstimatedWeightSchema>;

/** One task of a workflow, as the planning agent writes it. */
export const TaskSpecSchema = z.looseObject({
  id: z.string().min(1),
  action: z.string(),
  capability_ids: z.array(z.string().min(1)).min(1),
  depends_on: z.array(z.string()).default([]),
  input_refs: z.array(z.string()).default([]),
  output_refs: z.array(z.string()).default([]),
  execution_group: z.number().int().positive().optional(),
  estimated_weight: EstimatedWeightSchema.optional(),
});
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
/** A task as a planner may send it (defaults not yet applied). */
export type TaskSpecInput = z.input<typeof TaskSpecSchema>;

/** One entry of `execution_groups`. */
export const ExecutionGroupSchema = z.looseObject({
  tasks: z.array(z.string()),
  description: z.string().optional(),
  parallel: z.boolean().optional(),
});

/**
 * The workflow DAG: tasks keyed by id (the seed's form) or as a list, the planner's
 * `execution_order`, `execution_groups` and `total_tasks`.
 */
export const WorkflowSchema = z.looseObject({
  tasks: z.union([z.record(z.string(), TaskSpecSchema), z.array(TaskSpecSchema)]),
  execution_order: z.array(z.string()).optional(),
  execution_groups: z
    .record(z.string().regex(/^[1-9]\d*$/u, 'group keys are positive integers'), ExecutionGroupSchema)
    .optional(),
  total_tasks: z.number().int().nonnegative().optional(),
  resources: ResourcesSchema.optional(),
});
export type Workflow = z.infer<typeof WorkflowSchema>;
export type WorkflowInput = z.input<typeof WorkflowSchema>;

/** `output.content` of a plan message. `resources` may also stand here. */
export const PlanContentSchema = z.looseObject({
  workflow: WorkflowSchema,
  resources: ResourcesSchema.optional(),
});

/**
 * The planning agent's message (`content_type: "plan"`), the dispatch agent's initial input.
 * `resources` usually stands at the top level of the message.
 */
export const PlanMessageSchema = envelopeSchema('plan', PlanContentSchema).extend({
  resources: ResourcesSchema.optional(),
});
export type PlanMessage = z.infer<typeof PlanMessageSchema>;
