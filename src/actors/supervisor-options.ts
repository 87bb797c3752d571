import type { Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { Bus } from '../bus/bus.js';
import type { ResolvedOptions } from '../core/options.js';
import type { Scheduler } from '../core/scheduler.js';
import type { RunStepMessage, StoredStep } from '../protocol/run-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { Checkpoint, RunRecord } from '../store/state-store.js';
import type { RetryBackoff } from './retry-hold.js';
import type { RunRouter } from './run-router.js';

/** What a supervisor needs from the runtime around it. */
export interface SupervisorOptions {
  readonly runId: string;
  readonly bus: Bus;
  readonly subjects: Subjects;
  /** The run's logger, naming the run already (createRuntime passes `logger.child({ run_id })`). */
  readonly logger: Logger;
  /** Time and timers: attempt deadlines, resends, the stamps of triggers and journal steps. */
  readonly scheduler: Scheduler;
  readonly options: ResolvedOptions;
  /** Attempts out at once for this run. */
  readonly maxConcurrentTasks: number;
  /** Deadline of one attempt. */
  readonly taskTimeoutMs: number;
  /** The wait before each retry of a task, on `scheduler`; absent or `false`: retries go out at once. */
  readonly retryBackoff?: RetryBackoff | false;
  /** The run's deadline, in ms from its start (seed 002's max_execution_time); none when absent. */
  readonly maxExecutionTimeMs?: number;
  /** Extra wait for a result beyond the deadline before it counts as lost. */
  readonly resultGraceMs: number;
  /** How long the dispatcher may take to accept a trigger. @default 5000 */
  readonly triggerTimeoutMs?: number;
  /** Over a network bus: how long to keep sending triggers the dispatcher did not answer. @default 60000 */
  readonly triggerRetryMs?: number;
  readonly sessionId?: string;
  readonly requestId?: string;
  /**
   * An XState inspection observer: when given, every task's lifecycle runs on a spawned
   * `taskMachine` actor under a supervisor actor named after the run, visible to the inspector.
   */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Record every step of the run on the bus (`RunStep`), for the state manager: a checkpoint
   * every `checkpointEvery` events, and — for a new run — what `accepted` holds.
   */
  readonly journal?: {
    readonly checkpointEvery: number;
    readonly accepted?: RunStepMessage['accepted'];
    /** Settles once the run's last step is recorded: `result` and `complete` wait for it, so an ended run is on file. */
    readonly recorded?: () => Promise<void>;
  };
  /**
   * Where the run hears its results, placements and progress, shared by the runs of one
   * runtime; without it the run subscribes to them itself (and sees every run's).
   */
  readonly router?: RunRouter;
  /**
   * Whether a runtime is one of this process's own worker runtimes: a result naming one counts
   * only when this process built it (see `Dispatcher.hosts`). @default none is
   */
  readonly hosted?: (runtimeId: string) => boolean;
  /** Continue a recorded run instead of starting one: its row, latest checkpoint and the steps after it. */
  readonly resume?: {
    readonly record: RunRecord;
    readonly checkpoint: Checkpoint | undefined;
    readonly steps: readonly StoredStep[];
  };
}
