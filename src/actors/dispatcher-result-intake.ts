import type { BusMessage } from '../bus/bus.js';
import { ErrorCodes } from '../protocol/errors.js';
import {
  type AgentExecutionResult,
  AgentExecutionResultSchema,
  AttemptsReclaimedSchema,
  type ErrorReply,
  ResultRequestSchema,
  type ResultsAccepted,
  type TriggerAgent,
} from '../protocol/runtime-events.js';
import { isVetted, parseUnlessVetted, vet } from '../protocol/vetted.js';
import type { DispatcherState } from './dispatcher-state.js';
import {
  describeMismatch,
  type FieldMismatch,
  resultMismatch,
  type ResultSender,
  runtimeOfSubject,
} from './result-identity.js';
import type { TriggerPlacement } from './trigger-placement.js';

/** A result the dispatcher refused, and why. */
interface Refusal {
  readonly request_id: string;
  readonly fields: readonly FieldMismatch[];
}

/**
 * What comes back from runtimes: results, each of which frees its attempt's slot once it
 * proves it is that attempt's, and held attempts given back unstarted (`AttemptsReclaimed`,
 * after work stealing asked for them), which are placed again ahead of what waits.
 */
export class DispatcherResultIntake {
  readonly #state: DispatcherState;
  readonly #placement: TriggerPlacement;

  constructor(state: DispatcherState, placement: TriggerPlacement) {
    this.#state = state;
    this.#placement = placement;
  }

  /** A runtime gave back held attempts unstarted: free their slots there and place them again, ahead of what waits. */
  onReclaimed(message: BusMessage): void {
    const { o, registry, running, placedOn, reclaiming } = this.#state;
    const parsed = parseUnlessVetted(AttemptsReclaimedSchema, message.data, 'AttemptsReclaimed');
    if (!parsed.ok) return this.#state.refuse(message, parsed.error.code, parsed.error.message);
    const { runtime_id: from, request_ids: ids } = parsed.value;
    if (runtimeOfSubject(message.subject) !== from)
      return this.#state.refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `The AttemptsReclaimed on the subject of runtime ${runtimeOfSubject(message.subject)} names runtime ${from}; a runtime gives back only its own attempts.`,
      );
    const back: TriggerAgent[] = [];
    for (const id of ids) {
      reclaiming.delete(id);
      const trigger = running.get(id);
      // A repeat of this report, or an attempt this dispatcher no longer places there: nothing to move.
      if (!trigger || registry.owner(id) !== from) continue;
      registry.release(id);
      running.delete(id);
      placedOn.delete(id);
      back.push(trigger);
    }
    o.bus.respond(message, vet<ResultsAccepted>({ type: 'ResultsAccepted', count: ids.length }));
    for (const trigger of back) this.#placement.placeAgain(trigger);
    if (back.length > 0)
      o.logger.debug({ from, moved: back.length }, 'held attempts moved to runtimes with a slot free');
    this.#placement.drain();
  }

  /**
   * Results, one or a batch: each frees the slot of its attempt — when it matches the attempt in
   * every identifying field (run, task, attempt, and the runtime the attempt was placed on, which
   * is also the runtime of the results subject). Checked before anything is acknowledged: a
   * malformed message is answered `INVALID_INPUT` and a mismatching result `RESULT_MISMATCH`,
   * and neither changes anything. A result for an attempt no longer open (a repeat, one from
   * before a resume) is acknowledged and changes nothing. The supervisor checks the same.
   */
  onResult(message: BusMessage): void {
    const vetted = isVetted(message.data);
    const onRuntimeSubject = message.subject.endsWith('.results');
    const parsed = onRuntimeSubject
      ? parseUnlessVetted(ResultRequestSchema, message.data, ['AgentExecutionResultBatch', 'AgentExecutionResult'])
      : parseUnlessVetted(AgentExecutionResultSchema, message.data, 'AgentExecutionResult');
    if (!parsed.ok) return this.#state.refuse(message, parsed.error.code, parsed.error.message);
    const request = parsed.value;
    const results = request.type === 'AgentExecutionResultBatch' ? request.results : [request];
    const sender: ResultSender = {
      subjectRuntime: onRuntimeSubject ? runtimeOfSubject(message.subject) : null,
      vetted,
      hosted: (id: string) => this.#state.hosted.has(id),
    };
    const refused: Refusal[] = [];
    let freed = false;
    for (const result of results) {
      const verdict = this.#take(result, sender);
      if (verdict === 'freed') freed = true;
      else if (verdict !== 'kept') refused.push(verdict);
    }
    this.#answer(message, refused, results.length);
    if (freed) this.#placement.drain();
  }

  /**
   * One result: refused when it does not match its open attempt; otherwise its attempt is
   * closed — `freed` when that frees a slot — or, not open here, nothing changes (`kept`).
   */
  #take(result: AgentExecutionResult, sender: ResultSender): Refusal | 'freed' | 'kept' {
    const { registry, running, placedOn, adopted, reclaiming } = this.#state;
    const id = result.request_id;
    const trigger = running.get(id);
    const on = placedOn.get(id) ?? registry.owner(id);
    if (trigger) {
      const fields = resultMismatch(result, trigger, on, sender);
      if (fields.length > 0) return { request_id: id, fields };
    } else if (on === undefined || on !== (sender.subjectRuntime ?? result.runtime_id)) {
      // Not open here (a repeat, a late one, another process's): acknowledged, changes nothing.
      return 'kept';
    }
    running.delete(id);
    placedOn.delete(id);
    adopted.delete(id);
    reclaiming.delete(id);
    return registry.release(id) !== undefined ? 'freed' : 'kept';
  }

  /** Acknowledges the results, or — when any was refused — answers `RESULT_MISMATCH` naming each. */
  #answer(message: BusMessage, refused: Refusal[], total: number): void {
    const { o } = this.#state;
    if (refused.length === 0) {
      // The runtime sends its results again until acknowledged; a repeat frees nothing twice.
      o.bus.respond(message, vet<ResultsAccepted>({ type: 'ResultsAccepted', count: total }));
      return;
    }
    for (const r of refused)
      o.logger.warn(
        {
          subject: message.subject,
          request_id: r.request_id,
          code: ErrorCodes.RESULT_MISMATCH,
          mismatched: r.fields.map((f) => f.field),
        },
        `result refused: it does not match its attempt in ${describeMismatch(r.fields)}`,
      );
    const text = `${refused.length} of ${total} results do not match the attempt they name and were refused: ${refused.map((r) => `${r.request_id}: ${describeMismatch(r.fields)}`).join('; ')}.`;
    o.bus.respond(message, {
      type: 'Error',
      code: ErrorCodes.RESULT_MISMATCH,
      message: text,
      refused,
    } satisfies ErrorReply & { refused: Refusal[] });
  }
}
