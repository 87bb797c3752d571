import { row } from '../graph/csr.js';
import { S } from '../machines/task-table.js';
import { R } from './compiled-plan.js';
import type { DispatchCore } from './dispatch-core.js';
import { type RunError, statusName } from './dispatch-records.js';

/**
 * Why a run that can go no further is blocked: for up to ten open tasks, what each still waits
 * on (an input ref nobody produced, an unfinished dependency, the group barrier). Called once,
 * when the core finds nothing in progress and nothing it can dispatch.
 */
export function deadlockError(core: DispatchCore): RunError {
  const { plan, status } = core;
  const waits: Array<{ task_id: string; waits_on: string[] }> = [];
  for (let v = 0; v < plan.n && waits.length < 10; v++) {
    if (status[v] !== S.pending && status[v] !== S.ready) continue;
    const on: string[] = [];
    for (const r of row(plan.inputs, v)) {
      if (core.refStatus[r] !== R.pending || core.refDead[r]) continue;
      const makers = row(plan.producers, r);
      const done = [...makers].filter((p) => status[p] === S.complete).map((p) => plan.ids[p]);
      on.push(
        done.length > 0
          ? `input_ref ${plan.refIds[r]} (${done.join(', ')} completed without producing it)`
          : `input_ref ${plan.refIds[r]}`,
      );
    }
    for (const u of row(plan.preds, v))
      if (status[u] !== S.complete && status[u] !== S.failed && status[u] !== S.skipped)
        on.push(`${plan.ids[u]} (${statusName(status[u])})`);
    if (status[v] === S.ready) on.push(`the group barrier (group ${plan.groupNumbers[core.cur]} is not finished)`);
    waits.push({ task_id: plan.ids[v], waits_on: on });
  }
  const open = core.open;
  const text = waits
    .map((w) => `${w.task_id} waits on ${w.waits_on.length > 0 ? w.waits_on.join(', ') : 'nothing it can name'}`)
    .join('; ');
  return {
    code: 'PROCESSING_ERROR',
    message: `The workflow is blocked: no task is in progress and none can be dispatched, yet ${open} task${open === 1 ? '' : 's'} cannot finish. ${text}${open > waits.length ? '; …' : ''}.`,
    details: { reason: 'deadlock', blocked: waits },
  };
}
