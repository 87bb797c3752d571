import type { Logger } from 'pino';
import { type AcknowledgedOptions, sendAcknowledged } from '../bus/acknowledged.js';
import type { Bus } from '../bus/bus.js';
import { vet } from '../protocol/vetted.js';
import {
  type AgentExecutionResult,
  type AgentExecutionResultBatch,
  type AttemptsReclaimed,
  ResultsAcceptedSchema,
  type TriggerAgent,
} from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { HeldAttempts } from './held-attempts.js';
import { perTurn } from './per-turn.js';
import type { ExecuteResult } from './worker-protocol.js';

/** What a {@link ResultPublisher} publishes with and on. */
export interface ResultPublisherOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  /** The time of an event, ISO 8601. */
  readonly now: () => string;
  /** The attempts held: a result's attempt stays held until the dispatcher acknowledges it. */
  readonly held: HeldAttempts;
  /** How results are sent again until acknowledged (timeouts and backoff). */
  readonly delivery?: Pick<AcknowledgedOptions, 'ackTimeoutMs' | 'backoffMs' | 'maxBackoffMs' | 'giveUpAfterMs'>;
}

/** The `AgentExecutionResult` of an attempt's outcome. */
export function resultEvent(
  trigger: TriggerAgent,
  runtimeId: string,
  result: ExecuteResult,
  at: string,
): AgentExecutionResult {
  // Usage travels beside the outcome, not in it: it describes the attempt, success or not.
  const { usage, ...output } = result.type === 'succeeded' ? result.output : { usage: undefined };
  return {
    type: 'AgentExecutionResult',
    request_id: trigger.request_id,
    workflow_id: trigger.workflow_id,
    task_id: trigger.task_id,
    attempt: trigger.attempt,
    runtime_id: runtimeId,
    outcome:
      result.type === 'succeeded'
        ? { status: 'complete', ...output }
        : {
            status: 'failed',
            error: { code: result.error.code, message: result.error.message, recoverable: result.error.recoverable },
          },
    ...(usage === undefined ? {} : { usage }),
    at,
  };
}

/**
 * Sends the results of a pool's attempts, and the attempts its workers gave back unstarted, to
 * the dispatcher with acknowledged delivery (sent again, with backoff, until acknowledged).
 * Those that end within one turn go out together, one message per runtime.
 */
export class ResultPublisher {
  readonly #o: ResultPublisherOptions;
  readonly #batched: (runtimeId: string, result: AgentExecutionResult) => void;
  readonly #reclaimed: (runtimeId: string, requestId: string) => void;

  constructor(options: ResultPublisherOptions) {
    this.#o = options;
    this.#batched = perTurn<AgentExecutionResult>((runtimeId, results) => this.#deliver(runtimeId, results));
    this.#reclaimed = perTurn<string>((runtimeId, ids) => this.#deliverReclaimed(runtimeId, ids));
  }

  /** `alone`: the runtime takes one attempt at a time ({@link WorkerHandle.takesOne}), so its result goes at once. */
  publish(trigger: TriggerAgent, runtimeId: string, result: ExecuteResult, alone: boolean): void {
    const event = resultEvent(trigger, runtimeId, result, this.#o.now());
    if (alone) this.#deliver(runtimeId, [event]);
    else this.#batched(runtimeId, event);
  }

  /** Reports an attempt given back unstarted (with the others of this turn). */
  reclaimed(runtimeId: string, requestId: string): void {
    this.#reclaimed(runtimeId, requestId);
  }

  #deliver(runtimeId: string, results: AgentExecutionResult[]): void {
    const { bus, subjects, logger, held } = this.#o;
    const done = () =>
      held.release(
        runtimeId,
        results.map((r) => r.request_id),
      );
    sendAcknowledged(
      bus,
      subjects.results(runtimeId),
      vet<AgentExecutionResultBatch>({ type: 'AgentExecutionResultBatch', results }),
      {
        ...this.#o.delivery,
        accepts: ResultsAcceptedSchema,
        onAcknowledged: done,
        onGiveUp: (error) => {
          done();
          logger.error(
            { runtime_id: runtimeId, results: results.length, code: error.code },
            `results given up on: ${error.message}`,
          );
        },
        onStop: done,
      },
    );
  }

  #deliverReclaimed(runtimeId: string, ids: string[]): void {
    const { bus, subjects, logger } = this.#o;
    sendAcknowledged(
      bus,
      subjects.reclaimed(runtimeId),
      vet<AttemptsReclaimed>({ type: 'AttemptsReclaimed', runtime_id: runtimeId, request_ids: ids, at: this.#o.now() }),
      {
        ...this.#o.delivery,
        accepts: ResultsAcceptedSchema,
        onGiveUp: (error) =>
          logger.error(
            { runtime_id: runtimeId, reclaimed: ids.length, code: error.code },
            `report of reclaimed attempts given up on: ${error.message}`,
          ),
      },
    );
  }
}
