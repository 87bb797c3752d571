import { TASK_STATUSES } from '../machines/task-table.js';
import type { TaskStatus } from '../protocol/workflow-state.js';
import type { ProducedOutput } from './produced-refs.js';

/** One attempt sent out during a step, with the progress counts at the moment it went. */
export interface DispatchRecord {
  readonly task: number;
  readonly attempt: number;
  readonly completed: number;
  readonly inProgress: number;
  readonly pending: number;
  readonly failed: number;
  /** For a fusion task on partial input: the input refs dropped because their producers failed. */
  readonly dropped: readonly number[];
}

/** One failed attempt, as `failure_log` records it. */
export interface FailureRecord {
  readonly task: number;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
  readonly recoverable: boolean;
  readonly at: number;
  /** True when the task was dispatched again; false when this failure is final. */
  readonly retried: boolean;
  /** Tasks skipped because of this failure (final failures only). */
  readonly impact: number[];
}

/** Why a run ended `failed`. */
export interface RunError {
  /** `PROCESSING_ERROR`: blocked (seed 003); `RUN_DEADLINE_EXCEEDED`: the run's deadline passed ({@link DispatchCore.halt}). */
  readonly code: 'PROCESSING_ERROR' | 'RUN_DEADLINE_EXCEEDED';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

export type RunStatus = 'running' | 'complete' | 'partial' | 'failed';

/** The outcome a result carries. */
export type Outcome =
  | { readonly ok: true; readonly produced: readonly ProducedOutput[]; readonly summary: string | null }
  | { readonly ok: false; readonly recoverable: boolean; readonly code: string; readonly message: string };

/** Why a task cannot be cancelled. */
export interface CancelRefusal {
  readonly code: 'TASK_ENDED';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** Why a result was not applied. */
export interface Refusal {
  readonly code: 'STALE_RESULT';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/**
 * The status name of a status code. It lives with the records, not the core, so that the
 * deadlock diagnosis (`dispatch-deadlock.ts`) can name statuses without importing the core.
 */
export function statusName(code: number): TaskStatus {
  return TASK_STATUSES[code];
}
