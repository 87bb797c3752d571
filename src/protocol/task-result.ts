import { z } from 'zod';
import { envelopeSchema, ErrorInfoSchema } from './envelope.js';
import { ProducedRefSchema } from './refs.js';

/** `output.content.task_result` of an execution / reasoning agent's callback. */
export const TaskResultSchema = z.looseObject({
  task_id: z.string().min(1),
  status: z.enum(['complete', 'failed']),
  /** The attempt this result answers; Switchyard's dispatches always say which. */
  attempt: z.number().int().positive().optional(),
  output_refs_produced: z.array(ProducedRefSchema).optional(),
  result_summary: z.string().optional(),
  summary: z.string().optional(),
  error: ErrorInfoSchema.optional(),
});
export type TaskResult = z.infer<typeof TaskResultSchema>;

/**
 * An execution or reasoning agent's callback (`content_type: "task_result"`). A failure has
 * `status.code: "failed"` and `error {code, message, recoverable}` at the top level (or
 * inside `task_result`).
 */
export const TaskResultMessageSchema = envelopeSchema('task_result', z.looseObject({ task_result: TaskResultSchema }));
export type TaskResultMessage = z.infer<typeof TaskResultMessageSchema>;
