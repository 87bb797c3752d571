import { z } from 'zod';
import { RefRegistryEntrySchema } from './refs.js';

/** The six lifecycle states of a task. */
export const TaskStatusSchema = z.enum(['pending', 'ready', 'in_progress', 'complete', 'failed', 'skipped']);
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

/** One entry of `workflow_state.task_states`. */
export const TaskStateSchema = z.looseObject({
  status: TaskStatusSchema,
  attempts: z.number().int().nonnegative(),
  dispatched_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  assigned_agent: z.string().nullable(),
  result_summary: z.string().nullable(),
});
export type TaskState = z.infer<typeof TaskStateSchema>;

/** One entry of `workflow_state.failure_log`. */
export const FailureLogEntrySchema = z.looseObject({
  task_id: z.string().min(1),
  error_code: z.string(),
  error_message: z.string(),
  attempts: z.number().int().nonnegative(),
  downstream_impact: z.union([z.array(z.string()), z.string()]),
});
export type FailureLogEntry = z.infer<typeof FailureLogEntrySchema>;

/** The running record the dispatch agent keeps between invocations. */
export const WorkflowStateSchema = z.looseObject({
  current_execution_group: z.number().int().nonnegative(),
  task_states: z.record(z.string(), TaskStateSchema),
  ref_registry: z.record(z.string(), RefRegistryEntrySchema),
  failure_log: z.array(FailureLogEntrySchema),
});
export type WorkflowState = z.infer<typeof WorkflowStateSchema>;
