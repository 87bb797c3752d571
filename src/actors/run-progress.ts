import type { DispatchCore } from '../core/dispatch-core.js';
import { S } from '../machines/task-table.js';
import type { RunCounts } from '../protocol/run-events.js';
import { AttemptProgressSchema } from '../protocol/runtime-events.js';
import type { OpenAttempt } from './open-attempt.js';

/** Run counts, and the task a handler reported progress on, if that is what changed. */
export interface RunProgress {
  readonly total: number;
  readonly completed: number;
  readonly in_progress: number;
  readonly pending: number;
  readonly failed: number;
  readonly skipped: number;
  readonly task?: {
    readonly task_id: string;
    readonly attempt: number;
    readonly percent?: number;
    readonly message?: string;
  };
}

/** The counts of a run's tasks now, as its progress events report them. */
export function runProgress(core: DispatchCore): RunProgress {
  const c = core.counts;
  return {
    total: core.plan.n,
    completed: c[S.complete],
    in_progress: c[S.in_progress],
    pending: c[S.pending] + c[S.ready],
    failed: c[S.failed],
    skipped: c[S.skipped],
  };
}

/** The counts of a run's tasks now, as its journal records them with each step. */
export function runCounts(core: DispatchCore): RunCounts {
  const c = core.counts;
  return {
    total: core.plan.n,
    completed: c[S.complete],
    failed: c[S.failed],
    skipped: c[S.skipped],
    in_progress: c[S.in_progress],
  };
}

/** The run's progress with the task a handler reported on (`data`, an `AttemptProgress`), if it is one of `live`. */
export function handlerProgress(
  core: DispatchCore,
  live: ReadonlyMap<string, OpenAttempt>,
  data: unknown,
): RunProgress | undefined {
  const parsed = AttemptProgressSchema.safeParse(data);
  const attempt = parsed.success ? live.get(parsed.data.request_id) : undefined;
  if (!attempt || !parsed.success) return undefined;
  const { percent, message } = parsed.data;
  return {
    ...runProgress(core),
    task: {
      task_id: attempt.trigger.task_id,
      attempt: attempt.trigger.attempt,
      ...(percent === undefined ? {} : { percent }),
      ...(message === undefined ? {} : { message }),
    },
  };
}
