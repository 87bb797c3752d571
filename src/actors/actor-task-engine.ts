import { type Actor, type ActorRefFrom, createActor, type InspectionEvent, setup } from 'xstate';
import type { DispatchCore, TaskEngine } from '../core/dispatch-core.js';
import type { TaskEvent } from '../machines/task-fields.js';
import { taskMachine } from '../machines/task-machine.js';
import { TASK_STATUSES } from '../machines/task-table.js';

/** The run as the inspector sees it: a supervisor actor with one spawned `taskMachine` child per task. */
const inspectedRun = setup({
  types: {
    context: {} as { tasks: Array<ActorRefFrom<typeof taskMachine>> },
    input: {} as { ids: readonly string[]; maxAttempts: number },
  },
  actors: { task: taskMachine },
}).createMachine({
  id: 'run',
  context: ({ input, spawn }) => ({
    tasks: input.ids.map((id) => spawn('task', { id, input: { maxAttempts: input.maxAttempts } })),
  }),
});

/**
 * Runs every task transition on a live `taskMachine` actor — a child of one supervisor actor
 * per run — so an XState inspector shows each lifecycle as it happens. The actor is the
 * engine: the core takes the status and fields from its snapshot after each event. Costs an
 * actor per task; meant for watching, not for the hot path.
 */
export class ActorTaskEngine implements TaskEngine {
  readonly #core: DispatchCore;
  readonly #run: Actor<typeof inspectedRun>;

  constructor(core: DispatchCore, runId: string, inspect: (event: InspectionEvent) => void) {
    this.#core = core;
    this.#run = createActor(inspectedRun, {
      id: runId,
      systemId: runId,
      input: { ids: core.plan.ids, maxAttempts: core.options.maxAttempts },
      inspect,
    }).start();
  }

  fire(v: number, event: TaskEvent): number {
    const ref = this.#run.getSnapshot().context.tasks[v];
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
    const tasks = this.#run.getSnapshot().context.tasks;
    const time = (t: number) => (Number.isNaN(t) ? null : t);
    for (let v = 0; v < core.plan.n; v++) {
      const status = TASK_STATUSES[core.status[v]];
      const attempts = core.attempts[v];
      if (status === 'pending') continue;
      const ref = tasks[v];
      const dispatch: TaskEvent = { type: 'DISPATCH', at: time(core.dispatchedAt[v]), agent: core.assigned[v] ?? '' };
      const ended = { at: time(core.completedAt[v]), message: core.summary[v] ?? '' };
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

  /** Stops the supervisor actor and its children. */
  stop(): void {
    this.#run.stop();
  }
}
