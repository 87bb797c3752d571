import { z } from 'zod';

/**
 * Request on `<p>.commands.workflow.<run_id>.cancel_task` (`switchyard cancel-task`): cancel one
 * task of that live run. Replied to with {@link TaskCancelAcceptedSchema} or an `Error`
 * (`TASK_NOT_FOUND`, `TASK_ENDED`, `INVALID_INPUT`); nobody answers once the run has ended.
 */
export const CancelTaskSchema = z
  .strictObject({
    type: z.literal('CancelTask'),
    task_id: z.string().min(1).describe('The task to cancel, as the plan names it.'),
    reason: z
      .string()
      .max(1000)
      .optional()
      .describe("Kept in the task's failure_log entry (default `cancelled on request`)."),
  })
  .describe('Cancel one task of a live run, and so its dependents.');
export type CancelTask = z.infer<typeof CancelTaskSchema>;

/** The reply to a {@link CancelTaskSchema} request the run took. */
export const TaskCancelAcceptedSchema = z
  .looseObject({
    type: z.literal('TaskCancelAccepted'),
    run_id: z.string().describe('The run.'),
    task_id: z.string().describe('The task, now failed with `CANCELLED`; its dependents are skipped.'),
  })
  .describe('The run cancelled the task.');
export type TaskCancelAccepted = z.infer<typeof TaskCancelAcceptedSchema>;
