import type { ActorRefFrom } from 'xstate';
import type { DispatchCore, TaskEngine } from '../core/dispatch-core.js';
import type { TaskEvent } from '../machines/task-fields.js';
import { type taskMachine } from '../machines/task-machine.js';
import { TASK_STATUSES } from '../machines/task-table.js';

/**
 * Runs every task transition on a live `taskMachine` actor — a child of one supervisor actor
 * per run — so an XState inspector shows each lifecycle as it happens. The actor is the
 * engine: the core takes the status and fields from its snapshot after each event. Costs an
 * actor per task; meant for watching, not for the hot path.
 */
export class ActorTaskEngine implements TaskEngine {
  readonly #core: DispatchCore;
  readonly #tasks: ReadonlyArray<ActorRefFrom<typeof taskMachine>>;

  /** `tasks`: one started `taskMachine` actor per task of the plan, in its order (the supervisor's children). */
  constructor(core: DispatchCore, tasks: ReadonlyArray<ActorRefFrom<typeof taskMachine>>) {
    if (tasks.length !== core.plan.n) {
      throw new Error(`ActorTaskEngine needs one task actor per task: ${tasks.length} for ${core.plan.n}`);
    }
    this.#core = core;
    this.#tasks = tasks;
  }

  fire(v: number, event: TaskEvent): number {
    const ref = this.#tasks[v];
    if (!ref.getSnapshot().can(event)) return -1;
    ref.send(event);
    const { value, context } = ref.getSnapshot();
    const core = this.#core;
    core.attempts[v] = context.attempts;
    core.dispatchedAt[v] = context.dispatched_at ?? Number.NaN;
    core.completedAt[v] = context.completed_at ?? Number.NaN;
    core.assigned[v] = context.assigned_agent;
    core.summary[v] = context.result_summary;
    return TASK_STATUSES.indexOf(value);
  }

  /**
   * After a restore (a resumed run), brings each task actor from `pending` to the status and
   * fields the core holds, by sending it the events that lead there: `READY`, each earlier
   * attempt as a `DISPATCH` and a recoverable `FAIL`, then what ended the last one. The
   * inspector shows the actors catching up; the last events carry the recorded times, agent
   * and summary, so every actor ends exactly where the core is (checked).
   */
  sync(): void {
    const core = this.#core;
    const tasks = this.#tasks;
    const time = (t: number) => (Number.isNaN(t) ? null : t);
    for (let v = 0; v < core.plan.n; v++) {
      const status = TASK_STATUSES[core.status[v]];
      const attempts = core.attempts[v];
      if (status === 'pending') continue;
      const ref = tasks[v];
      const dispatch: TaskEvent = { type: 'DISPATCH', at: time(core.dispatchedAt[v]), agent: core.assigned[v] ?? '' };
      const ended = { at: time(core.completedAt[v]), message: core.summary[v] ?? '' };
      // A task cancelled before it was ever sent is failed with no attempts: one CANCEL gets it there.
      if (status === 'failed' && attempts === 0) {
        ref.send({ type: 'CANCEL', at: ended.at, reason: ended.message });
        continue;
      }
      const events: TaskEvent[] = status === 'skipped' && attempts === 0 ? [] : [{ type: 'READY' }];
      const failedBefore = status === 'ready' || status === 'skipped' ? attempts : attempts - 1;
      for (let k = 0; k < failedBefore; k++) events.push(dispatch, { type: 'FAIL', ...ended, recoverable: true });
      if (status === 'in_progress' || status === 'complete' || status === 'failed') events.push(dispatch);
      if (status === 'complete') events.push({ type: 'SUCCEED', at: ended.at, summary: core.summary[v] });
      if (status === 'failed') events.push({ type: 'FAIL', ...ended, recoverable: false });
      if (status === 'skipped') events.push({ type: 'SKIP', at: ended.at, reason: ended.message });
      for (const event of events) ref.send(event);
      const { value, context } = ref.getSnapshot();
      if (value !== status || context.attempts !== attempts) {
        throw new Error(
          `task ${core.plan.ids[v]} is ${status} after ${attempts} attempts, which its lifecycle cannot reach (its actor got to ${String(value)} after ${context.attempts})`,
        );
      }
    }
  }
}
