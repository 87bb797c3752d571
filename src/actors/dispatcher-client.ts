import type { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import {
  type DrainAccepted,
  DrainAcceptedSchema,
  type DrainRuntime,
  type ListRuntimes,
  type RuntimeList,
  RuntimeListSchema,
} from '../protocol/dispatcher-commands.js';
import { ErrorCodes, isErrorCode, isSwitchyardError, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { ErrorReplySchema } from '../protocol/runtime-events.js';
import { type Subjects, subjects as defaultSubjects } from '../protocol/subjects.js';

/** Options of {@link dispatcherClient}. */
export interface DispatcherClientOptions {
  /** The subjects the dispatcher listens on. @default subjects() (prefix `switchyard`) */
  readonly subjects?: Subjects;
  /** How long to wait for the dispatcher's reply before rejecting `REQUEST_TIMEOUT`. @default 5000 */
  readonly timeoutMs?: number;
}

/** Asks a dispatcher, over any bus, about its runtimes, and drains or undrains them. */
export interface DispatcherClient {
  /** The registered runtimes and how many attempts wait for room. */
  runtimes(): Promise<RuntimeList>;
  /** Places no new attempts on the runtime; what it holds finishes. `RUNTIME_NOT_FOUND` if it is not registered. */
  drain(runtimeId: string): Promise<DrainAccepted>;
  /** Places work on a drained runtime again. `RUNTIME_NOT_FOUND` if it is not registered. */
  undrain(runtimeId: string): Promise<DrainAccepted>;
}

/**
 * A typed client of the dispatcher's request subjects (`<p>.commands.dispatcher.runtimes`,
 * `<p>.commands.dispatcher.drain`). Every reply is read through its schema; each failure
 * rejects with a {@link SwitchyardError} with a stable code: `REQUEST_TIMEOUT`, `NO_RESPONDERS`
 * (no dispatcher listens), the code of the dispatcher's `Error` reply (`RUNTIME_NOT_FOUND`,
 * `INVALID_INPUT`), or `PROCESSING_ERROR` for a reply that is neither the answer nor an `Error`.
 *
 * @example
 * const client = dispatcherClient(bus, { timeoutMs: 2000 });
 * const { runtimes } = await client.runtimes();
 * await client.drain(runtimes[0].runtime_id);
 */
export function dispatcherClient(bus: Bus, options: DispatcherClientOptions = {}): DispatcherClient {
  const s = options.subjects ?? defaultSubjects();
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `Expected \`timeoutMs\` to be a number of milliseconds above 0, got \`${String(timeoutMs)}\`.`,
      { timeoutMs },
    );
  async function ask<S extends z.ZodType>(subject: string, request: unknown, schema: S, what: string) {
    let data: unknown;
    try {
      data = (await bus.request(subject, request, { timeoutMs })).data;
    } catch (error) {
      throw isSwitchyardError(error)
        ? error
        : new SwitchyardError(ErrorCodes.PROCESSING_ERROR, error instanceof Error ? error.message : String(error), {
            subject,
          });
    }
    return readReply(data, schema, what, subject);
  }
  const drain = (runtimeId: string, on: boolean) =>
    ask(
      s.dispatcherDrain(),
      { type: 'DrainRuntime', runtime_id: runtimeId, drain: on } satisfies DrainRuntime,
      DrainAcceptedSchema,
      'DrainAccepted',
    );
  return {
    runtimes: () =>
      ask(s.dispatcherRuntimes(), { type: 'ListRuntimes' } satisfies ListRuntimes, RuntimeListSchema, 'RuntimeList'),
    drain: (runtimeId) => drain(runtimeId, true),
    undrain: (runtimeId) => drain(runtimeId, false),
  };
}

/** The reply read through `schema`; an `Error` reply rejects with its code, anything else with `PROCESSING_ERROR`. */
function readReply<S extends z.ZodType>(data: unknown, schema: S, what: string, subject: string): z.infer<S> {
  const parsed = parseWith(schema, data, what);
  if (parsed.ok) return parsed.value;
  const refusal = ErrorReplySchema.safeParse(data);
  if (refusal.success) {
    const code = isErrorCode(refusal.data.code) ? refusal.data.code : ErrorCodes.PROCESSING_ERROR;
    throw new SwitchyardError(code, refusal.data.message, { subject, code: refusal.data.code });
  }
  throw new SwitchyardError(
    ErrorCodes.PROCESSING_ERROR,
    `The dispatcher answered on ${subject} with something other than a ${what} or an Error: ${parsed.error.message}`,
    { subject },
  );
}
