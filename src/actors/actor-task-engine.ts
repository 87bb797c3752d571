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
  context: ({ input, spawn }) => ({ tasks: input.ids.map((id) => spawn('task', { id, input: { maxAttempts: input.maxAttempts } })) }),
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
    this.#run = createActor(inspectedRun, { id: runId, systemId: runId, input: { ids: core.plan.ids, maxAttempts: core.options.maxAttempts }, inspect }).start();
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

  /** Stops the supervisor actor and its children. */
  stop(): void {
    this.#run.stop();
  }
}
