import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Outcome } from '../core/dispatch-core.js';
import type { Scheduler } from '../core/scheduler.js';
import { MAX_TIMER_MS } from '../protocol/numbers.js';
import type { CancelAttempt } from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { OpenAttempt } from './open-attempt.js';

/** What {@link AttemptDeadlines} needs from the run around it. */
export interface AttemptDeadlinesOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  /** Deadline of one attempt. */
  readonly taskTimeoutMs: number;
  /** Extra wait for a result beyond the deadline before it counts as lost. */
  readonly resultGraceMs: number;
  /** Told when an attempt's result did not come in time: a recoverable `RESULT_LOST` failure. */
  readonly onLost: (requestId: string, outcome: Outcome) => void;
}

/**
 * The deadlines of a run's open attempts: an attempt whose result has not come by its deadline
 * plus grace is cancelled where it runs and counts as a recoverable `RESULT_LOST` failure, so no
 * run hangs on a result that never comes. A deadline runs only while the attempt is on a runtime.
 */
export class AttemptDeadlines {
  readonly #o: AttemptDeadlinesOptions;

  constructor(options: AttemptDeadlinesOptions) {
    this.#o = options;
  }

  /**
   * (Re)starts the deadline of `attempt` from now — after `rounds` such spans more when its
   * runtime holds it behind that many rounds of its running attempts (each of which its
   * deadline ends).
   */
  start(attempt: OpenAttempt, rounds = 0): void {
    this.#o.scheduler.clearTimeout(attempt.deadline);
    // Node's timers hold at most 2^31 - 1 ms (a longer one would fire at once).
    const ms = Math.min((this.#o.taskTimeoutMs + this.#o.resultGraceMs) * (1 + rounds), MAX_TIMER_MS);
    attempt.deadline = this.#o.scheduler.setTimeout(() => this.#expire(attempt, ms), ms);
  }

  /** Stops the deadline of `attempt` (it is queued again, or has its outcome). */
  stop(attempt: OpenAttempt): void {
    this.#o.scheduler.clearTimeout(attempt.deadline);
    attempt.deadline = undefined;
  }

  #expire(attempt: OpenAttempt, ms: number): void {
    const { trigger, runtimeId } = attempt;
    // Given up on here: cancelled where it runs too, as Ctrl-C would, so it does not go on unseen.
    if (runtimeId)
      this.#o.bus.publish(this.#o.subjects.cancel(runtimeId), {
        type: 'CancelAttempt',
        request_id: trigger.request_id,
      } satisfies CancelAttempt);
    const code = 'RESULT_LOST';
    const message = `No result for ${trigger.task_id} attempt ${trigger.attempt} within ${ms} ms of reaching a runtime.`;
    this.#o.logger.warn({ request_id: trigger.request_id, code }, message);
    this.#o.onLost(trigger.request_id, { ok: false, recoverable: true, code, message });
  }
}

/** The `rounds_ahead` of a dispatcher's answer or placement: a positive integer, else 0 (it starts at once). */
export function roundsAhead(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}
