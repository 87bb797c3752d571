import type { Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { AcknowledgedOptions } from '../bus/acknowledged.js';
import type { Bus } from '../bus/bus.js';
import type { Scheduler } from '../core/scheduler.js';
import type { Subjects } from '../protocol/subjects.js';
import type { AgentLimits } from './running-attempts.js';

/** Options of a {@link Dispatcher}. */
export interface DispatcherOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  /**
   * Time and timers: the liveness sweep, work stealing, the resends of triggers and the `at` of
   * what the dispatcher publishes. Tests pass a `SimulatedScheduler` and advance it.
   */
  readonly scheduler: Scheduler;
  /** Heartbeats a runtime may miss before it is declared defunct. @default 3 */
  readonly missedHeartbeats?: number;
  /** How often to look for defunct runtimes (a background timer on the scheduler). @default 500 */
  readonly sweepMs?: number;
  /** How triggers are sent again until a runtime acknowledges them. */
  readonly delivery?: Pick<AcknowledgedOptions, 'ackTimeoutMs' | 'backoffMs' | 'maxBackoffMs' | 'giveUpAfterMs'>;
  /**
   * Whether an attempt a runtime reports, that this dispatcher did not hand it, is one nobody
   * here wants any more (a run resumed after the crash of the process that sent it runs it
   * again under a new request id): such attempts are cancelled on their runtime.
   */
  readonly staleAttempt?: (requestId: string) => boolean;
  /**
   * Work stealing: how long a runtime may have a slot free, while another holds attempts it
   * could run (its prefetch) and nothing else waits for it, before the dispatcher takes held
   * attempts back from the other (`ReclaimAttempts`) and places them on it. @default 20
   */
  readonly stealAfterMs?: number;
  /**
   * At most this many attempts of an agent placed at once, across every run and runtime of this
   * dispatcher (`{ code_writer: 2 }`); what is over the limit waits in the queue. @default {}
   */
  readonly agentLimits?: AgentLimits;
  /** Told about every event, transition and snapshot of the dispatcher's actor (the Stately inspector, a test). */
  readonly inspect?: (event: InspectionEvent) => void;
}
