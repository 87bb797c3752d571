import type { z } from 'zod';
import { backoffDelay } from '../core/backoff.js';
import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import { ErrorCodes, isErrorCode, SwitchyardError } from '../protocol/errors.js';
import { ErrorReplySchema } from '../protocol/runtime-events.js';
import { isVetted } from '../protocol/vetted.js';
import type { Bus, BusMessage } from './bus.js';

/** Options of {@link sendAcknowledged}. */
export interface AcknowledgedOptions {
  /** How long one attempt waits for the acknowledgement. @default 2000 */
  readonly ackTimeoutMs?: number;
  /** First wait before trying again; doubles up to `maxBackoffMs` (`backoffDelay`, no jitter). @default 100 */
  readonly backoffMs?: number;
  /** @default 5000 */
  readonly maxBackoffMs?: number;
  /** Stop trying after this long. @default 600000 (10 minutes) */
  readonly giveUpAfterMs?: number;
  /** Time, and the timers of the waits between tries; tests pass a `SimulatedScheduler`. @default systemScheduler */
  readonly scheduler?: Scheduler;
  /** Checked before each new attempt: `false` stops (the message no longer matters). */
  readonly stillWanted?: () => boolean;
  /**
   * The acknowledgement's schema. A reply that matches it acknowledges the message; an `Error`
   * reply refuses it (sending stops: {@link onRefused}); any other reply counts as none, and
   * the message is sent again. Without it, any reply acknowledges.
   */
  readonly accepts?: z.ZodType;
  /** Told when the receiver refused the message with an `Error` reply (it is not sent again). @default onGiveUp */
  readonly onRefused?: (error: SwitchyardError) => void;
  /** Told when the message was given up on (never when it was acknowledged or no longer wanted). */
  readonly onGiveUp?: (error: SwitchyardError) => void;
  readonly onAcknowledged?: () => void;
  /** Told when sending stopped without an acknowledgement: no longer wanted, or the bus closed. */
  readonly onStop?: () => void;
}

/**
 * Sends `data` on `subject` as a request and tries again, with backoff, until a reply
 * acknowledges it: nobody listening (`NO_RESPONDERS`, e.g. while a connection is being
 * re-established), no reply in time, or a dropped connection are all retried; a closed bus
 * stops. The receiver must treat a repeat as harmless (both actors that use this — results
 * and triggers — ignore what they have already taken). At-least-once delivery over a bus that
 * is at-most-once. On a bus that is {@link Bus.reliable} it is one plain publication.
 */
export function sendAcknowledged(bus: Bus, subject: string, data: unknown, options: AcknowledgedOptions = {}): void {
  if (bus.reliable) {
    try {
      bus.publish(subject, data);
      options.onAcknowledged?.();
    } catch {
      options.onStop?.(); // the bus is closed: nobody is left to tell
    }
    return;
  }
  const scheduler = options.scheduler ?? systemScheduler;
  const started = scheduler.now();
  const ackTimeoutMs = options.ackTimeoutMs ?? 2000;
  const giveUpAfterMs = options.giveUpAfterMs ?? 600_000;
  const backoff = { initialMs: options.backoffMs ?? 100, factor: 2, maxMs: options.maxBackoffMs ?? 5000 };
  let retries = 0;
  const attempt = () => {
    if (options.stillWanted && !options.stillWanted()) {
      options.onStop?.();
      return;
    }
    let request: Promise<BusMessage>;
    try {
      request = bus.request(subject, data, { timeoutMs: ackTimeoutMs });
    } catch {
      options.onStop?.(); // the bus is closed: nobody is left to tell
      return;
    }
    const retry = (error: SwitchyardError) => {
      if (error.code === ErrorCodes.CLOSED) {
        options.onStop?.();
        return;
      }
      const wait = backoffDelay(retries++, backoff);
      if (scheduler.now() - started + wait > giveUpAfterMs) {
        options.onGiveUp?.(error);
        return;
      }
      scheduler.setTimeout(attempt, wait, { background: true });
    };
    request.then((reply) => {
      const verdict = readAcknowledgement(reply, options.accepts, subject);
      if (verdict === undefined) options.onAcknowledged?.();
      else if (verdict.refused) (options.onRefused ?? options.onGiveUp)?.(verdict.error);
      else retry(verdict.error);
    }, retry);
  };
  attempt();
}

/**
 * What a reply says of the message it answers: `undefined` when it acknowledges it (it matches
 * `accepts`, or no schema is asked for), a refusal when it is an `Error` reply, otherwise an
 * error saying the reply was not an acknowledgement (the message is sent again).
 */
function readAcknowledgement(
  reply: BusMessage,
  accepts: z.ZodType | undefined,
  subject: string,
): { refused: boolean; error: SwitchyardError } | undefined {
  if (accepts === undefined || isVetted(reply.data) || accepts.safeParse(reply.data).success) return undefined;
  const refusal = ErrorReplySchema.safeParse(reply.data);
  if (refusal.success) {
    const code = isErrorCode(refusal.data.code) ? refusal.data.code : ErrorCodes.INVALID_INPUT;
    return {
      refused: true,
      error: new SwitchyardError(code, `The receiver on ${subject} refused the message: ${refusal.data.message}`, {
        subject,
        code: refusal.data.code,
      }),
    };
  }
  return {
    refused: false,
    error: new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `The reply on ${subject} is neither an acknowledgement nor an Error; sending again.`,
      { subject },
    ),
  };
}
