/**
 * The facts a task's lifecycle keeps, and the guards and actions that read and write them.
 * These functions are the only implementation: `taskMachine` runs them on its XState context,
 * the dispatch core on its compact arrays (through a cursor with the same fields).
 */
export interface TaskFields {
  attempts: number;
  readonly max_attempts: number;
  /** Epoch milliseconds, or `null` while unknown. */
  dispatched_at: number | null;
  completed_at: number | null;
  assigned_agent: string | null;
  result_summary: string | null;
}

/** Events of the task lifecycle. Times are epoch milliseconds from the injected clock. */
export type TaskEvent =
  | { type: 'READY' }
  | { type: 'DISPATCH'; at: number | null; agent: string }
  | { type: 'SUCCEED'; at: number | null; summary: string | null }
  | { type: 'FAIL'; at: number | null; recoverable: boolean; message: string }
  | { type: 'SKIP'; at: number | null; reason: string }
  /** Someone stopped the task (a run's `cancelTask`): it ends failed, whatever it was doing, and is not retried. */
  | { type: 'CANCEL'; at: number | null; reason: string };

export type TaskEventType = TaskEvent['type'];

/** Every event type, in the order the compact table numbers them. */
export const TASK_EVENT_TYPES = [
  'READY',
  'DISPATCH',
  'SUCCEED',
  'FAIL',
  'SKIP',
  'CANCEL',
] as const satisfies readonly TaskEventType[];

/** Guards by name. */
export const taskGuards = {
  /** Seed 003: retry when the failure is recoverable and fewer than `max_attempts` attempts ran. */
  canRetry: (fields: Readonly<TaskFields>, event: TaskEvent): boolean =>
    event.type === 'FAIL' && event.recoverable && fields.attempts < fields.max_attempts,
} as const;
export type TaskGuardName = keyof typeof taskGuards;

/** Actions by name; each mutates the fields it is given. */
export const taskActions = {
  /** A new attempt goes out. */
  countAttempt: (fields: TaskFields): void => {
    fields.attempts += 1;
  },
  /** Record when and to whom the attempt went; forget the previous attempt's outcome. */
  stampDispatch: (fields: TaskFields, event: TaskEvent): void => {
    if (event.type !== 'DISPATCH') return;
    fields.dispatched_at = event.at;
    fields.assigned_agent = event.agent;
    fields.completed_at = null;
    fields.result_summary = null;
  },
  /** The attempt succeeded. */
  stampCompletion: (fields: TaskFields, event: TaskEvent): void => {
    if (event.type !== 'SUCCEED') return;
    fields.completed_at = event.at;
    fields.result_summary = event.summary;
  },
  /** The attempt failed; the summary keeps the error for the record. */
  stampFailure: (fields: TaskFields, event: TaskEvent): void => {
    if (event.type !== 'FAIL') return;
    fields.completed_at = event.at;
    fields.result_summary = event.message;
  },
  /** The task will not run; the summary says why. */
  stampSkip: (fields: TaskFields, event: TaskEvent): void => {
    if (event.type !== 'SKIP') return;
    fields.completed_at = event.at;
    fields.result_summary = event.reason;
  },
  /** The task was cancelled; the summary says why. */
  stampCancel: (fields: TaskFields, event: TaskEvent): void => {
    if (event.type !== 'CANCEL') return;
    fields.completed_at = event.at;
    fields.result_summary = event.reason;
  },
} as const;
export type TaskActionName = keyof typeof taskActions;
