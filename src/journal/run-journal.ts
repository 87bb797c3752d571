import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { DispatchState } from '../core/run-state.js';
import type { WorkflowResult } from '../protocol/dispatch-output.js';
import type { Subjects } from '../protocol/subjects.js';
import type { RunCounts, RunEvent, RunStatusName, RunStepMessage } from '../protocol/run-events.js';
import { vet } from '../protocol/vetted.js';

/**
 * Checkpoints are at least this many times the plan's task count of events apart. A
 * checkpoint costs O(tasks) bytes and a run logs about three events per task, so this keeps
 * checkpoints to about a quarter of what the log itself writes, while a resume replays at most
 * four events per task after the latest one.
 */
export const CHECKPOINT_SPACING = 4;

/**
 * A checkpoint is the run's state without the plan block: the plan is stored once, with the
 * run, and put back on load ({@link withPlan}), so checkpoints cost what the run's progress
 * costs, not the plan's size again.
 */
export function checkpointOf(state: DispatchState): Record<string, unknown> {
  const { plan: _plan, ...rest } = state.switchyard;
  return { ...state, switchyard: rest };
}

/** A checkpoint made whole again with the plan block of its run. */
export function withPlan(checkpoint: unknown, block: Pick<DispatchState['switchyard'], 'plan'>): unknown {
  if (typeof checkpoint !== 'object' || checkpoint === null) return checkpoint;
  const state = checkpoint as { switchyard?: Record<string, unknown> };
  if (typeof state.switchyard !== 'object' || state.switchyard === null || 'plan' in state.switchyard)
    return checkpoint;
  return { ...state, switchyard: { ...state.switchyard, plan: block.plan } };
}

/** What a journal reads from its run when it writes a step. */
export interface JournalView {
  counts(): RunCounts;
  snapshot(): DispatchState;
}

/** Options of a {@link RunJournal}. */
export interface RunJournalOptions {
  readonly runId: string;
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  readonly clock: () => number;
  /**
   * A checkpoint goes with the step that brings the events since the last one to this many —
   * or to {@link CHECKPOINT_SPACING} times the plan's task count, if that is larger.
   */
  readonly checkpointEvery: number;
  /** Tasks in the run's plan. */
  readonly tasks: number;
  /** Sequence number of the first event this journal writes (1 for a new run). */
  readonly firstSeq: number;
  /** For a new run: what its first step carries so the run can be resumed. */
  readonly accepted?: RunStepMessage['accepted'];
  readonly view: JournalView;
}

/**
 * The supervisor's side of durability: collects the events of one step of a run (everything
 * that happens in one turn of the event loop) and publishes them as one `RunStep` on
 * `<p>.events.workflow.<run_id>.step`, where the state manager writes them in one
 * transaction. Events are numbered without gaps; a checkpoint rides along every
 * `checkpointEvery` events (see {@link CHECKPOINT_SPACING}) and on the step of a cancelled run.
 */
export class RunJournal {
  /** While set, events are dropped (replay regenerates events the log already has). */
  muted = false;
  readonly #o: RunJournalOptions;
  #events: RunEvent[] = [];
  #seq: number;
  #sinceCheckpoint = 0;
  #scheduled = false;
  #accepted: RunStepMessage['accepted'];
  #ended = false;

  constructor(options: RunJournalOptions) {
    this.#o = options;
    this.#seq = options.firstSeq;
    this.#accepted = options.accepted;
  }

  push(event: RunEvent): void {
    if (this.muted || this.#ended) return;
    this.#events.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Publishes the events collected so far as one step (nothing when there are none). */
  flush(): void {
    this.#scheduled = false;
    if (this.#events.length > 0) this.#write('running');
  }

  /** The run ended (or was cancelled): writes the last step, with the result (a checkpoint if cancelled). */
  end(status: Exclude<RunStatusName, 'running'>, result?: WorkflowResult): void {
    if (this.#ended) return;
    this.#events.push({ type: 'run_completed', status });
    this.#write(status, result);
    this.#ended = true;
  }

  #write(status: RunStatusName, result?: WorkflowResult): void {
    const events = this.#events;
    this.#events = [];
    this.#sinceCheckpoint += events.length;
    // A cancelled run gets a checkpoint (it will be resumed); one that ended needs none unless due.
    const checkpoint =
      status === 'cancelled' ||
      this.#sinceCheckpoint >= Math.max(this.#o.checkpointEvery, CHECKPOINT_SPACING * this.#o.tasks);
    if (checkpoint) this.#sinceCheckpoint = 0;
    const message: RunStepMessage = {
      type: 'RunStep',
      run_id: this.#o.runId,
      seq: this.#seq,
      at: this.#o.clock(),
      events,
      status,
      counts: this.#o.view.counts(),
      ...(checkpoint ? { checkpoint: checkpointOf(this.#o.view.snapshot()) } : {}),
      ...(result ? { result } : {}),
      ...(this.#accepted ? { accepted: this.#accepted } : {}),
    };
    this.#accepted = undefined;
    this.#seq += events.length;
    try {
      this.#o.bus.publish(this.#o.subjects.runStep(this.#o.runId), vet(message));
    } catch (error) {
      this.#o.logger.error(
        { err: error, run_id: this.#o.runId, seq: message.seq },
        'run step not published: the state manager will not record it',
      );
    }
  }
}
