import type { Logger } from 'pino';
import type { Bus, BusMessage } from '../bus/bus.js';
import { type BackoffOptions, backoffDelay } from '../core/backoff.js';
import type { Outcome } from '../core/dispatch-core.js';
import type { Scheduler } from '../core/scheduler.js';
import { ErrorCodes, isErrorCode, isSwitchyardError, type Result, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import {
  ErrorReplySchema,
  type TriggerAgent,
  type TriggerAgentBatch,
  type TriggerBatchReply,
  TriggerBatchReplySchema,
} from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import { isVetted, vet } from '../protocol/vetted.js';

/** The dispatcher's answer for one trigger: accepted (placed or queued), or failed at once. */
export type TriggerAnswer = TriggerBatchReply['replies'][number];

/** What a {@link TriggerRequester} needs from the run around it. */
export interface TriggerRequesterOptions {
  readonly runId: string;
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  /** How long the dispatcher may take to accept a trigger. @default 5000 */
  readonly triggerTimeoutMs?: number;
  /** Over a network bus: how long to keep sending triggers the dispatcher did not answer. @default 60000 */
  readonly triggerRetryMs?: number;
  /** Whether an attempt is still open: a resend carries only those that are. */
  readonly isOpen: (requestId: string) => boolean;
  /** Whether the run has ended: nothing is sent again after that. */
  readonly ended: () => boolean;
  /** The bus priority of an attempt's trigger (a batch goes at that of its most urgent one). */
  readonly priorityOf: (requestId: string) => number;
  /** The dispatcher's answer for one trigger of a batch, in the batch's order. */
  readonly onAnswer: (requestId: string, answer: TriggerAnswer) => void;
  /** The dispatcher did not take a trigger (not reached, refused, or answered with something unreadable). */
  readonly onFailed: (requestId: string, outcome: Outcome) => void;
}

/** Waits between resends of triggers the dispatcher did not answer: 100 ms, doubling, at most 5 s. */
export const TRIGGER_BACKOFF: BackoffOptions = { initialMs: 100, factor: 2, maxMs: 5000 };

/** Codes of a request that may have been lost on the way: sent again over a network bus. */
const TRANSIENT: ReadonlySet<string> = new Set([
  ErrorCodes.REQUEST_TIMEOUT,
  ErrorCodes.NO_RESPONDERS,
  ErrorCodes.CONNECTION_FAILED,
]);

/**
 * Sends one run's triggers to the dispatcher, a batch per agent, and hands each trigger's
 * answer back. Over a network bus a request lost on the way (no reply in time, nobody reachable
 * while a connection is re-established) is sent again with {@link TRIGGER_BACKOFF} for up to
 * `triggerRetryMs`; the dispatcher answers a repeat without placing it twice. A reply is read
 * through its schema: one that is not a `TriggerBatchReply` for the batch fails the batch's
 * triggers with a code, as a refused request does.
 */
export class TriggerRequester {
  readonly #o: TriggerRequesterOptions;

  constructor(options: TriggerRequesterOptions) {
    this.#o = options;
  }

  /** Sends `triggers`, all for `agentId`, in one `TriggerAgentBatch`. */
  send(agentId: string, triggers: TriggerAgent[]): void {
    this.#send(agentId, triggers, this.#o.scheduler.now(), 0);
  }

  /** Sends a batch for the `retry + 1`-th time; the first went out at `since`. */
  #send(agentId: string, triggers: TriggerAgent[], since: number, retry: number): void {
    // The batch's priority is that of its most urgent attempt (a loop: batches can be large).
    let priority = 0;
    for (const t of triggers) priority = Math.max(priority, this.#o.priorityOf(t.request_id));
    const message = vet<TriggerAgentBatch>({ type: 'TriggerAgentBatch', triggers });
    let reply: Promise<BusMessage>;
    try {
      reply = this.#o.bus.request(this.#o.subjects.trigger(this.#o.runId, agentId), message, {
        timeoutMs: this.#o.triggerTimeoutMs ?? 5000,
        priority,
      });
    } catch (error) {
      this.#refused(triggers, asSwitchyardError(error));
      return;
    }
    reply.then(
      ({ data }) => {
        const read = readReply(data, triggers.length);
        if (!read.ok) return this.#refused(triggers, read.error);
        const answers = read.value.replies;
        triggers.forEach((t, i) => this.#answer(t, answers[i]));
      },
      (error: unknown) => {
        const failure = asSwitchyardError(error);
        if (!this.#again(agentId, triggers, since, retry, failure)) this.#refused(triggers, failure);
      },
    );
  }

  /** Sends the batch's open triggers again after a backoff, if the failure allows it; false if it does not. */
  #again(
    agentId: string,
    triggers: readonly TriggerAgent[],
    since: number,
    retry: number,
    error: SwitchyardError,
  ): boolean {
    const { bus, scheduler, logger } = this.#o;
    const delay = backoffDelay(retry, TRIGGER_BACKOFF);
    if (
      bus.reliable ||
      !TRANSIENT.has(error.code) ||
      this.#o.ended() ||
      scheduler.now() - since + delay > (this.#o.triggerRetryMs ?? 60_000)
    )
      return false;
    const open = triggers.filter((t) => this.#o.isOpen(t.request_id));
    if (open.length === 0) return true;
    logger.warn(
      { agent_id: agentId, triggers: open.length, code: error.code },
      'dispatcher not reached; sending the triggers again',
    );
    const resend = () => {
      const still = open.filter((t) => this.#o.isOpen(t.request_id));
      if (still.length > 0 && !this.#o.ended()) this.#send(agentId, still, since, retry + 1);
    };
    scheduler.setTimeout(resend, delay, { background: true });
    return true;
  }

  /** The dispatcher's answer for one trigger, when it names that trigger. */
  #answer(trigger: TriggerAgent, answer: TriggerAnswer): void {
    if (answer.request_id === trigger.request_id) return this.#o.onAnswer(trigger.request_id, answer);
    this.#o.onFailed(trigger.request_id, {
      ok: false,
      recoverable: false,
      code: ErrorCodes.PROCESSING_ERROR,
      message: `the dispatcher's answer for ${trigger.request_id} names ${answer.request_id}`,
    });
  }

  /** The dispatcher did not take the triggers: recoverable only when it did not answer in time. */
  #refused(triggers: readonly TriggerAgent[], error: SwitchyardError): void {
    const recoverable = error.code === ErrorCodes.REQUEST_TIMEOUT;
    for (const t of triggers)
      this.#o.onFailed(t.request_id, {
        ok: false,
        recoverable,
        code: error.code,
        message: `The dispatcher did not take ${t.task_id}: ${error.message}`,
      });
  }
}

/**
 * The dispatcher's reply to a batch of `expected` triggers, read through its schema (a reply
 * this process's dispatcher built is trusted as it is). An `Error` reply is a refusal with its
 * code; anything else that is not one answer per trigger is a `PROCESSING_ERROR`.
 */
function readReply(data: unknown, expected: number): Result<TriggerBatchReply> {
  const parsed = isVetted(data)
    ? { ok: true as const, value: data as TriggerBatchReply }
    : parseWith(TriggerBatchReplySchema, data, 'TriggerBatchReply');
  if (parsed.ok && parsed.value.replies.length === expected) return parsed;
  const refusal = ErrorReplySchema.safeParse(data);
  if (refusal.success) {
    const code = isErrorCode(refusal.data.code) ? refusal.data.code : ErrorCodes.PROCESSING_ERROR;
    return { ok: false, error: new SwitchyardError(code, refusal.data.message, { code: refusal.data.code }) };
  }
  const why = parsed.ok
    ? `the dispatcher answered a batch of ${expected} triggers with ${parsed.value.replies.length} replies`
    : `the dispatcher answered with something other than a TriggerBatchReply (${parsed.error.message})`;
  return { ok: false, error: new SwitchyardError(ErrorCodes.PROCESSING_ERROR, why, { expected }) };
}

/** A rejection as a coded error: the bus rejects with one, anything else is a `PROCESSING_ERROR`. */
function asSwitchyardError(error: unknown): SwitchyardError {
  return isSwitchyardError(error)
    ? error
    : new SwitchyardError(ErrorCodes.PROCESSING_ERROR, error instanceof Error ? error.message : String(error));
}
