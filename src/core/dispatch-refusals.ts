import { S } from '../machines/task-table.js';
import type { DispatchCore } from './dispatch-core.js';
import { type CancelRefusal, type Refusal, statusName } from './dispatch-records.js';

/**
 * Why a result for attempt `attempt` of task `v` cannot be applied, or `undefined` when it
 * can: the run has ended, the task is not in progress, or the attempt is not the live one.
 */
export function resultRefusal(core: DispatchCore, v: number, attempt: number | undefined): Refusal | undefined {
  const id = core.plan.ids[v];
  const live = core.attempts[v];
  const details = {
    task_id: id,
    attempt: attempt ?? null,
    live_attempt: live,
    task_status: statusName(core.status[v]),
  };
  if (core.runStatus !== 'running') {
    return {
      code: 'STALE_RESULT',
      message: `The run has already ended (${core.runStatus}); this result for ${id} changes nothing.`,
      details,
    };
  }
  if (core.status[v] !== S.in_progress) {
    return {
      code: 'STALE_RESULT',
      message: `${id} is ${statusName(core.status[v])}, not in progress; a duplicate or late result changes nothing.`,
      details,
    };
  }
  if (attempt !== undefined && attempt !== live) {
    return {
      code: 'STALE_RESULT',
      message: `${id} is on attempt ${live}; this result for attempt ${attempt} changes nothing.`,
      details,
    };
  }
  return undefined;
}

/** Why task `v` cannot be cancelled — it, or the run, has ended (`TASK_ENDED`) — or `undefined` when it can. */
export function cancelRefusal(core: DispatchCore, v: number): CancelRefusal | undefined {
  const id = core.plan.ids[v];
  const status = statusName(core.status[v]);
  const details = { task_id: id, task_status: status };
  if (core.runStatus !== 'running') {
    return {
      code: 'TASK_ENDED',
      message: `The run has already ended (${core.runStatus}); ${id} cannot be cancelled.`,
      details,
    };
  }
  if (core.status[v] >= S.complete) {
    return { code: 'TASK_ENDED', message: `${id} has already ended (${status}); there is nothing to cancel.`, details };
  }
  return undefined;
}
