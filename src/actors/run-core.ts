import type { ActorRefFrom } from 'xstate';
import type { CompiledPlan } from '../core/compiled-plan.js';
import { DispatchCore } from '../core/dispatch-core.js';
import type { DispatchState } from '../core/run-state.js';
import { eventHooks } from '../journal/event-hooks.js';
import { rebuild } from '../journal/replay.js';
import { RunJournal } from '../journal/run-journal.js';
import type { taskMachine } from '../machines/task-machine.js';
import { ActorTaskEngine } from './actor-task-engine.js';
import { runCounts } from './run-progress.js';
import type { SupervisorOptions } from './supervisor-options.js';

/**
 * The run's journal, when its steps are recorded: it reads the run's counts and state (through
 * `view`, once the core exists) for its checkpoints.
 */
export function openRunJournal(
  o: SupervisorOptions,
  plan: CompiledPlan,
  view: { core: () => DispatchCore; state: () => DispatchState },
): RunJournal | undefined {
  if (!o.journal) return undefined;
  return new RunJournal({
    runId: o.runId,
    bus: o.bus,
    subjects: o.subjects,
    logger: o.logger,
    clock: () => o.scheduler.now(),
    checkpointEvery: o.journal.checkpointEvery,
    tasks: plan.n,
    firstSeq: o.resume ? o.resume.record.last_seq + 1 : 1,
    ...(o.journal.accepted ? { accepted: o.journal.accepted } : {}),
    view: { counts: () => runCounts(view.core()), snapshot: view.state },
  });
}

/** A run's core, new or rebuilt from its journal, with the step sequence and request-id suffix it goes on with. */
export interface RunCore {
  readonly core: DispatchCore;
  readonly sequence: number;
  /** Suffix of request ids after a resume, so results meant for the process before it are told apart. */
  readonly generation: string;
}

/**
 * Builds the run's core: new from the plan, or (with `o.resume`) rebuilt from the recorded
 * checkpoint and steps. The journal hears its events; under `inspect` the core runs its task
 * events on `tasks`, the supervisor's live task actors. Throws the coded error of a log that
 * cannot be replayed (`LOG_GAP`).
 */
export function startRunCore(
  o: SupervisorOptions,
  plan: CompiledPlan,
  journal: RunJournal | undefined,
  tasks: ReadonlyArray<ActorRefFrom<typeof taskMachine>>,
): RunCore {
  const hooksFor = (core: () => DispatchCore) => ({
    ...(o.inspect ? { engine: (c: DispatchCore) => new ActorTaskEngine(c, tasks) } : {}),
    ...(journal ? eventHooks(core, (event) => journal.push(event)) : {}),
  });
  if (o.resume) {
    // Replay regenerates events the log already holds: the journal drops them.
    if (journal) journal.muted = true;
    const rebuilt = rebuild(o.resume.record, o.resume.checkpoint, o.resume.steps, hooksFor);
    if (journal) journal.muted = false;
    if (!rebuilt.ok) throw rebuilt.error;
    const { core, meta } = rebuilt.value;
    return { core, sequence: meta.sequence, generation: `_r${o.scheduler.now().toString(36)}` };
  }
  const core: DispatchCore = new DispatchCore(
    plan,
    o.options,
    hooksFor(() => core),
  );
  journal?.push({ type: 'plan_accepted', total_tasks: plan.n });
  return { core, sequence: 4, generation: '' };
}
