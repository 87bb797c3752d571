import type { Logger } from 'pino';
import type { BusMessage } from '../bus/bus.js';
import type { Outcome } from '../core/dispatch-core.js';
import type { RunJournal } from '../journal/run-journal.js';
import { ErrorCodes } from '../protocol/errors.js';
import { TriggerPlacedSchema } from '../protocol/runtime-events.js';
import { isVetted } from '../protocol/vetted.js';
import { type AttemptDeadlines, roundsAhead } from './attempt-deadlines.js';
import type { EarlyResult, OpenAttempt } from './open-attempt.js';
import type { TriggerAnswer } from './trigger-requester.js';

/** What {@link AttemptPlacement} needs from the run around it. */
export interface AttemptPlacementOptions {
  readonly logger: Logger;
  /** The run's open attempts, by request id. */
  readonly attempts: ReadonlyMap<string, OpenAttempt>;
  readonly deadlines: AttemptDeadlines;
  /** Where a trigger the dispatcher refused is recorded, when the run keeps a journal. */
  readonly journal: RunJournal | undefined;
  /** The dispatcher refused a trigger outright. */
  readonly onFailed: (requestId: string, outcome: Outcome) => void;
  /** A result heard before its attempt's placement was known, to be checked now that it is. */
  readonly onEarlyResult: (early: EarlyResult) => void;
}

/**
 * Where each open attempt of a run is: the dispatcher's answer to its trigger (placed on a
 * runtime, queued, or refused) and any later placement (a queued one sent, a held one moved by
 * work stealing). An attempt's deadline runs only while it is on a runtime, stretched by the
 * rounds the runtime holds it behind.
 */
export class AttemptPlacement {
  readonly #o: AttemptPlacementOptions;

  constructor(options: AttemptPlacementOptions) {
    this.#o = options;
  }

  /** The dispatcher's answer for one trigger: accepted (placed or queued) or failed at once. */
  answered(requestId: string, answer: TriggerAnswer): void {
    const attempt = this.#o.attempts.get(requestId);
    if (!attempt) return;
    if (answer.type !== 'TriggerAccepted') {
      const { code, message } = answer.error;
      this.#o.journal?.push({
        type: 'dispatch_failed',
        task_id: attempt.trigger.task_id,
        attempt: attempt.trigger.attempt,
        code,
        message,
      });
      this.#o.onFailed(requestId, { ok: false, recoverable: false, code, message });
      return;
    }
    if (attempt.runtimeId !== null) {
      // A placement read before this answer (the dispatcher moved it meanwhile) is the later word.
    } else if (answer.runtime_id) {
      attempt.runtimeId = answer.runtime_id;
      // Held by a prefetching runtime: it starts only after that many of its rounds.
      const rounds = roundsAhead(answer.rounds_ahead);
      if (rounds > 0) this.#o.deadlines.start(attempt, rounds);
    } else {
      // Queued behind busy runtimes (and not placed meanwhile): the deadline waits until it is.
      this.#o.deadlines.stop(attempt);
    }
    attempt.answered = true;
    const early = attempt.early;
    attempt.early = undefined;
    if (early) for (const result of early) this.#o.onEarlyResult(result);
  }

  /** A `TriggerPlaced`: an attempt went to a runtime, and its deadline starts over there. */
  placed(message: BusMessage): void {
    // Only this process's dispatcher places this run's attempts: a placement from elsewhere could aim its results at another runtime.
    if (!isVetted(message.data)) {
      this.#o.logger.warn(
        { subject: message.subject, code: ErrorCodes.UNAUTHORIZED },
        'placement from outside this process ignored',
      );
      return;
    }
    const parsed = TriggerPlacedSchema.safeParse(message.data);
    const attempt = parsed.success ? this.#o.attempts.get(parsed.data.request_id) : undefined;
    if (!attempt || !parsed.success) return;
    attempt.runtimeId = parsed.data.runtime_id;
    this.#o.deadlines.start(attempt, roundsAhead(parsed.data.rounds_ahead));
  }
}
