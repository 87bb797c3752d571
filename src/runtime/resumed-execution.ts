import type { WorkflowRun } from '../actors/workflow-run.js';
import type { Scheduler } from '../core/scheduler.js';
import { readPlan } from '../graph/plan-input.js';
import { recordedAttempts } from '../journal/recorded-attempts.js';
import type { WorkflowResult } from '../protocol/dispatch-output.js';
import type { AttemptRecord, ExecutionResult, RunStop } from '../protocol/execution-result.js';
import type { PlanMessage } from '../protocol/plan.js';
import type { StoredStep } from '../protocol/run-events.js';
import { AttemptLog } from './attempt-log.js';
import { buildExecutionResult } from './execution-result.js';

/** What {@link trackResumedExecution} needs besides the run: what its store recorded. */
export interface RecordedExecution {
  /** The plan message the run was accepted with (its record's `plan`, read). */
  readonly plan: PlanMessage;
  /** The decomposer's report the run was recorded with; `undefined` for a plan given as is. */
  readonly planning?: Readonly<Record<string, unknown>> | undefined;
  /** Every step of the run's log still kept (`store.stepsAfter(runId, 0)`: none behind the checkpoint before the latest). */
  readonly steps: readonly StoredStep[];
  /** The run's record `created_at`: its start when the log does not hold `run_started`. */
  readonly createdAt: number;
  /** The runtime's time: the attempts of this session are timed on it. */
  readonly scheduler: Pick<Scheduler, 'now'>;
}

/**
 * The sentences for what is not known: attempts a stop cut off, and attempts the run's state
 * counts but its log no longer lists (dropped behind a checkpoint).
 */
function unknowns(
  attempts: Iterable<readonly [string, readonly AttemptRecord[]]>,
  counted: (taskId: string) => number,
): string[] {
  const out: string[] = [];
  for (const [taskId, list] of attempts) {
    const missing = counted(taskId) - list.length;
    if (missing > 0)
      out.push(
        `${taskId}: ${missing} earlier attempt${missing === 1 ? ' is' : 's are'} not listed — the log behind a checkpoint was dropped — so ${missing === 1 ? 'its' : 'their'} times, outcomes and tokens are unknown and not counted.`,
      );
    for (const a of list)
      if (a.resentAt !== undefined)
        out.push(
          `${taskId} attempt ${a.attempt} was in flight when the run stopped and was sent again on resume: how long its first sending ran and what it spent are unknown; its time counts from the resend.`,
        );
  }
  return out;
}

/**
 * {@link trackExecution} for a run `switchyard resume` continues: attach it right after
 * `runtime.resume` (the run sends nothing in that turn). The part before each stop is read from
 * the journal — attempts timed by the steps that logged them, their outcomes, summaries and
 * tokens — and the rest followed live, so the {@link ExecutionResult} reads as if one process
 * had run it, with `resumed` saying where it stopped and what is not known.
 */
export function trackResumedExecution(
  run: WorkflowRun,
  recorded: RecordedExecution,
): (result: WorkflowResult) => ExecutionResult {
  const history = recordedAttempts(recorded.steps);
  const resumedAt = recorded.scheduler.now();
  const log = new AttemptLog(recorded.scheduler, history.byTask).follow(run);
  const input = readPlan(recorded.plan);
  // The run was accepted with this plan, so it reads; an empty list only if it somehow did not.
  const tasks = input.ok ? input.value.tasks : [];
  return (result) => {
    const stop: RunStop = {
      lastRecordedAt: history.lastRecordedAt ?? resumedAt,
      resumedAt,
      redispatched: [...log.resent()],
    };
    const attempts = tasks.map((t) => [t.id, log.attempts(t.id)] as const);
    const state = run.state();
    const counted = (id: string) => state.task_states[id]?.attempts ?? 0;
    return buildExecutionResult({
      runId: run.id,
      plan: recorded.plan,
      tasks,
      planning: recorded.planning,
      result,
      state,
      attempts: (id) => log.attempts(id),
      startedAt: history.startedAt ?? recorded.createdAt,
      endedAt: recorded.scheduler.now(),
      resumed: { stops: [...history.stops, stop], unknown: unknowns(attempts, counted) },
    });
  };
}
