import type { Logger } from 'pino';
import type { BusMessage } from '../bus/bus.js';
import type { CompiledPlan } from '../core/compiled-plan.js';
import type { Outcome } from '../core/dispatch-core.js';
import { type ProducedOutput, producedRefs } from '../core/produced-refs.js';
import { ErrorCodes } from '../protocol/errors.js';
import { parseTagged } from '../protocol/parse.js';
import {
  type AgentExecutionResult,
  type AgentExecutionResultBatch,
  AgentExecutionResultSchema,
  ResultRequestSchema,
} from '../protocol/runtime-events.js';
import { isVetted } from '../protocol/vetted.js';
import { type EarlyResult, MAX_EARLY_RESULTS, type OpenAttempt } from './open-attempt.js';
import { describeMismatch, type ResultSender, resultMismatch, runtimeOfSubject } from './result-identity.js';

/** What a {@link RunResultIntake} needs from the run around it. */
export interface RunResultIntakeOptions {
  readonly runId: string;
  readonly logger: Logger;
  readonly plan: CompiledPlan;
  /** The run's open attempts, by request id. */
  readonly attempts: ReadonlyMap<string, OpenAttempt>;
  /** Whether a runtime is one of this process's own worker runtimes (see `SupervisorOptions.hosted`). */
  readonly hosted?: (runtimeId: string) => boolean;
  /** Applies the outcome of an open attempt to the run. */
  readonly apply: (requestId: string, outcome: Outcome, result: AgentExecutionResult) => void;
  /** Runs `applyAll`, then sends what it released at once (one trigger batch per agent, not one per result). */
  readonly batch: (applyAll: () => void) => void;
}

/**
 * A run's results: read through their schema (a result this process built is trusted as it
 * is), applied only when they match their open attempt in every identifying field (see
 * {@link resultMismatch}), and turned into the outcome the run's core takes. A result that
 * comes before the dispatcher said where its attempt went waits for that answer.
 */
export class RunResultIntake {
  readonly #o: RunResultIntakeOptions;
  readonly #hosted: Pick<ResultSender, 'hosted'>;

  constructor(options: RunResultIntakeOptions) {
    this.#o = options;
    this.#hosted = options.hosted ? { hosted: options.hosted } : {};
  }

  /** One result on its attempt's own result subject. */
  one(message: BusMessage): void {
    this.result(message.data, { subjectRuntime: null, vetted: isVetted(message.data), ...this.#hosted }, false);
  }

  /** A runtime's results subject: a batch, or one result alone (the dispatcher acknowledges both). */
  batch(message: BusMessage): void {
    const vetted = isVetted(message.data);
    const parsed = vetted
      ? { ok: true as const, value: message.data as AgentExecutionResultBatch | AgentExecutionResult }
      : parseTagged(ResultRequestSchema, message.data, ['AgentExecutionResultBatch', 'AgentExecutionResult']);
    if (!parsed.ok) {
      // The dispatcher refuses it to its sender; here it only changes nothing.
      this.#o.logger.warn({ subject: message.subject, code: parsed.error.code }, 'malformed results ignored');
      return;
    }
    const request = parsed.value;
    const results = request.type === 'AgentExecutionResultBatch' ? request.results : [request];
    const sender: ResultSender = { subjectRuntime: runtimeOfSubject(message.subject), vetted, ...this.#hosted };
    // Apply the whole batch, then send what it released together.
    this.#o.batch(() => {
      for (const r of results) this.result(r, sender, true);
    });
  }

  /** A result heard before its attempt's placement was known, checked now that it is. */
  early([data, sender, checked]: EarlyResult): void {
    this.result(data, sender, checked);
  }

  /**
   * One result, applied only when it matches its open attempt; `checked` when its shape was
   * checked already, `sender.vetted` when this process built it (no need to check it again).
   */
  result(data: unknown, sender: ResultSender, checked: boolean): void {
    const requestId = requestIdOf(data);
    if (typeof requestId !== 'string') return;
    const attempt = this.#o.attempts.get(requestId);
    if (attempt && !attempt.answered && attempt.runtimeId === null) {
      // Where it went is not known yet: checked when the dispatcher's answer is read.
      if ((attempt.early ??= []).length < MAX_EARLY_RESULTS) attempt.early.push([data, sender, checked]);
      return;
    }
    if (!attempt) {
      // Ours but no longer open: a duplicate, one that came after its deadline, or one meant for the process before a resume.
      if (requestId.startsWith(`${this.#o.runId}_`))
        this.#o.logger.info({ request_id: requestId }, 'result for an attempt no longer open ignored');
      return;
    }
    const parsed =
      sender.vetted || checked
        ? { success: true as const, data: data as AgentExecutionResult }
        : AgentExecutionResultSchema.safeParse(data);
    if (!parsed.success) {
      this.#o.logger.warn({ request_id: requestId }, 'malformed result ignored');
      return;
    }
    const result = parsed.data;
    const mismatch = resultMismatch(result, attempt.trigger, attempt.runtimeId, sender);
    if (mismatch.length > 0) {
      // The dispatcher refuses it to its sender and logs it; here it only changes nothing.
      this.#o.logger.debug(
        { request_id: requestId, code: ErrorCodes.RESULT_MISMATCH },
        `result refused: ${describeMismatch(mismatch)}`,
      );
      return;
    }
    this.#o.apply(requestId, this.#outcome(attempt.record.task, result), result);
  }

  #outcome(task: number, result: AgentExecutionResult): Outcome {
    const { outcome } = result;
    return outcome.status === 'complete'
      ? { ok: true, produced: this.#produced(task, result), summary: outcome.summary ?? null }
      : { ok: false, recoverable: outcome.error.recoverable, code: outcome.error.code, message: outcome.error.message };
  }

  #produced(task: number, result: AgentExecutionResult): ProducedOutput[] {
    if (result.outcome.status !== 'complete') return [];
    const { produced, undeclared } = producedRefs(this.#o.plan, task, result.outcome.output_refs_produced ?? []);
    for (const ref of undeclared)
      this.#o.logger.warn({ task_id: result.task_id, ref_id: ref }, 'undeclared output ref ignored');
    return produced;
  }
}

/** The `request_id` a message names, if it is an object that has one; read before its shape is checked. */
function requestIdOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null && 'request_id' in data ? data.request_id : undefined;
}
