import type { WorkflowRun } from '../actors/workflow-run.js';
import type { Scheduler } from '../core/scheduler.js';
import { readPlan } from '../graph/plan-input.js';
import type { WorkflowResult } from '../protocol/dispatch-output.js';
import type { ExecutionResult } from '../protocol/execution-result.js';
import type { PlanMessage } from '../protocol/plan.js';
import { AttemptLog } from './attempt-log.js';
import { buildExecutionResult } from './execution-result.js';

/** What {@link trackExecution} needs besides the run. */
export interface TrackedPlan {
  /** The plan the run was submitted with. */
  readonly plan: PlanMessage;
  /** The decomposer's report, when the plan came from a specification. */
  readonly planning?: Readonly<Record<string, unknown>> | undefined;
  /** The runtime's time: attempts are timed on it. */
  readonly scheduler: Pick<Scheduler, 'now'>;
}

/**
 * Follows a run just submitted (attach before it begins: a run dispatches nothing in the turn
 * it is submitted) and, given its end, builds its {@link ExecutionResult}. `dispatch()` and
 * `switchyard dispatch` both go through here.
 */
export function trackExecution(run: WorkflowRun, tracked: TrackedPlan): (result: WorkflowResult) => ExecutionResult {
  const startedAt = tracked.scheduler.now();
  const log = new AttemptLog(tracked.scheduler).follow(run);
  const input = readPlan(tracked.plan);
  // The run was submitted with this plan, so it reads; an empty list only if it somehow did not.
  const tasks = input.ok ? input.value.tasks : [];
  return (result) =>
    buildExecutionResult({
      runId: run.id,
      plan: tracked.plan,
      tasks,
      planning: tracked.planning,
      result,
      state: run.state(),
      attempts: (id) => log.attempts(id),
      startedAt,
      endedAt: tracked.scheduler.now(),
    });
}
