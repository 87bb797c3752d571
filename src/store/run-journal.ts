import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { DispatchState } from '../core/run-state.js';
import type { WorkflowResult } from '../protocol/dispatch-output.js';
import type { Subjects } from '../protocol/subjects.js';
import type { RunCounts, RunEvent, RunStatusName, RunStepMessage } from './run-events.js';

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
  /** A checkpoint goes with the step that brings the events since the last one to this many. */
  readonly checkpointEvery: number;
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
 * `checkpointEvery` events and on the step that ends the run.
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

  /** The run ended (or was cancelled): writes the last step, with a checkpoint and the result. */
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
    const checkpoint = status !== 'running' || this.#sinceCheckpoint >= this.#o.checkpointEvery;
    if (checkpoint) this.#sinceCheckpoint = 0;
    const message: RunStepMessage = {
      type: 'RunStep',
      run_id: this.#o.runId,
      seq: this.#seq,
      at: this.#o.clock(),
      events,
      status,
      counts: this.#o.view.counts(),
      ...(checkpoint ? { checkpoint: this.#o.view.snapshot() } : {}),
      ...(result ? { result } : {}),
      ...(this.#accepted ? { accepted: this.#accepted } : {}),
    };
    this.#accepted = undefined;
    this.#seq += events.length;
    try {
      this.#o.bus.publish(this.#o.subjects.runStep(this.#o.runId), message);
    } catch (error) {
      this.#o.logger.error({ err: error, run_id: this.#o.runId, seq: message.seq }, 'run step not published: the state manager will not record it');
    }
  }
}
