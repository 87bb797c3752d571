import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { DispatchCore } from '../core/dispatch-core.js';
import type { RunJournal } from '../journal/run-journal.js';
import { ErrorCodes, isSwitchyardError, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { CancelTaskSchema, type TaskCancelAccepted } from '../protocol/run-commands.js';
import type { Subjects } from '../protocol/subjects.js';
import type { AttemptDeadlines } from './attempt-deadlines.js';
import { abandonAttempts, type OpenAttempt } from './open-attempt.js';
import type { RetryHold } from './retry-hold.js';
import type { RunDeadline } from './run-resilience.js';
import type { SupervisorOptions } from './supervisor-options.js';

/** The parts of a live run that cancelling a task or its deadline act on (see `WorkflowRun`). */
export interface RunParts {
  readonly o: SupervisorOptions;
  readonly core: DispatchCore;
  /** The run's attempts out, by request id. */
  readonly live: Map<string, OpenAttempt>;
  readonly deadlines: AttemptDeadlines;
  readonly hold: RetryHold;
  readonly deadline: RunDeadline;
  /** Attempts released but not sent yet (the concurrency limit). */
  readonly waiting: { clear(): void };
  readonly journal: RunJournal | undefined;
}

/** Why `taskId` of run `runId` cannot be cancelled (`TASK_NOT_FOUND`, `TASK_ENDED`), or `undefined`. */
export function cancelTaskError(
  runId: string,
  core: DispatchCore,
  ended: boolean,
  taskId: string,
): SwitchyardError | undefined {
  const v = core.plan.index(taskId);
  if (v === undefined)
    return new SwitchyardError(
      ErrorCodes.TASK_NOT_FOUND,
      `Run ${runId} has no task ${taskId}; nothing was cancelled. Its tasks are named as in its plan.`,
      { run_id: runId, task_id: taskId },
    );
  const refusal = ended
    ? { message: `Run ${runId} has ended; ${taskId} cannot be cancelled.`, details: { task_id: taskId } }
    : core.cancelRefusal(v);
  return refusal
    ? new SwitchyardError(ErrorCodes.TASK_ENDED, refusal.message, { run_id: runId, ...refusal.details })
    : undefined;
}

/**
 * Cancels one task: journals it (`task_cancelled`, an input replay feeds back), cancels its
 * attempt out on its runtime (or withdraws it from the dispatcher's queue), forgets a retry held
 * for it, and has the core end it `failed` with `CANCELLED`. Whether it changed anything (an
 * unknown or ended task is logged and left alone: the actor's command has no one to answer).
 */
export function cancelOneTask(run: RunParts, taskId: string, reason: string): boolean {
  const { core, o, live } = run;
  const problem = cancelTaskError(o.runId, core, false, taskId);
  if (problem) {
    o.logger.warn({ task_id: taskId, code: problem.code, reason: problem.message }, 'cancelTask changed nothing');
    return false;
  }
  const v = core.plan.index(taskId) as number;
  core.now = o.scheduler.now();
  run.journal?.push({ type: 'task_cancelled', at: core.now, task_id: taskId, reason });
  const out: OpenAttempt[] = [];
  for (const [requestId, attempt] of live) {
    if (attempt.record.task !== v) continue;
    run.deadlines.stop(attempt);
    live.delete(requestId);
    out.push(attempt);
  }
  abandonAttempts(o.bus, o.subjects, o.runId, out);
  run.hold.drop(v);
  core.cancel(v, reason);
  o.logger.info({ task_id: taskId, reason }, 'task cancelled');
  return true;
}

/**
 * The run's deadline passed: journals it (`deadline_exceeded`), cancels every attempt out,
 * drops what waits (held retries, attempts not sent), and halts the core, which ends the run
 * `failed` with `RUN_DEADLINE_EXCEEDED`.
 */
export function expireRun(run: RunParts): void {
  const { core, o, live } = run;
  core.now = o.scheduler.now();
  const message = run.deadline.message(o.maxExecutionTimeMs);
  run.journal?.push({ type: 'deadline_exceeded', at: core.now, message });
  for (const attempt of live.values()) run.deadlines.stop(attempt);
  abandonAttempts(o.bus, o.subjects, o.runId, live.values());
  live.clear();
  run.hold.clear();
  run.waiting.clear();
  core.halt(ErrorCodes.RUN_DEADLINE_EXCEEDED, message);
  o.logger.warn({ deadline_at: run.deadline.at }, 'run deadline passed');
}

/**
 * Answers `CancelTask` requests for run `runId` on `<p>.commands.workflow.<run_id>.cancel_task`
 * (what `switchyard cancel-task` sends over NATS): `TaskCancelAccepted`, or an `Error` with the
 * code `cancel` threw. Anyone who can publish on the bus can ask, as with `CancelAttempt`.
 */
export function serveCancelTask(
  bus: Bus,
  subjects: Subjects,
  runId: string,
  cancel: (taskId: string, reason: string | undefined) => void,
): Subscription {
  return bus.subscribe(subjects.cancelTask(runId), (message: BusMessage) => {
    const parsed = parseWith(CancelTaskSchema, message.data, 'CancelTask');
    try {
      if (!parsed.ok) throw parsed.error;
      cancel(parsed.value.task_id, parsed.value.reason);
      bus.respond(message, {
        type: 'TaskCancelAccepted',
        run_id: runId,
        task_id: parsed.value.task_id,
      } satisfies TaskCancelAccepted);
    } catch (error) {
      const coded = isSwitchyardError(error)
        ? error
        : new SwitchyardError(ErrorCodes.PROCESSING_ERROR, `The run could not cancel the task: ${String(error)}.`);
      bus.respond(message, { type: 'Error', code: coded.code, message: coded.message });
    }
  });
}
