import type { Logger } from 'pino';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import { parseTagged, parseWith } from '../protocol/parse.js';
import { isVetted } from '../protocol/vetted.js';
import {
  CancelAttemptSchema,
  ReclaimAttemptsSchema,
  type TriggerAgent,
  type TriggerAgentBatch,
  TriggerRequestSchema,
} from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { HeldAttempts } from './held-attempts.js';
import type { WorkerHandle } from './worker-handle.js';

/** What the subscriptions of a runtime hand their commands to. */
export interface RuntimeCommandsOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  readonly held: HeldAttempts;
  /** Runs the attempt of a trigger on `handle` (a repeat of one taken is for it to ignore). */
  run(handle: WorkerHandle, trigger: TriggerAgent): void;
}

/**
 * Subscribes a runtime to its commands: triggers on its execute subject (acknowledged with
 * `TriggersAccepted`), cancels, and reclaims of held attempts. Malformed commands are refused
 * with a coded error. The execute subscription comes first: a drain stops it alone.
 */
export function subscribeRuntime(handle: WorkerHandle, o: RuntimeCommandsOptions): Subscription[] {
  const { bus, subjects } = o;
  return [
    bus.subscribe(subjects.execute(handle.runtimeId), (message) => onTriggers(handle, message, o)),
    bus.subscribe(subjects.cancel(handle.runtimeId), (message) => onCancel(handle, message, o)),
    bus.subscribe(subjects.reclaim(handle.runtimeId), (message) => onReclaim(handle, message, o)),
  ];
}

function onTriggers(handle: WorkerHandle, message: BusMessage, o: RuntimeCommandsOptions): void {
  // The dispatcher of this process built it from the supervisor's typed triggers: no need to check it again.
  const parsed = isVetted(message.data)
    ? { ok: true as const, value: message.data as TriggerAgent | TriggerAgentBatch }
    : parseTagged(TriggerRequestSchema, message.data, ['TriggerAgent', 'TriggerAgentBatch']);
  if (!parsed.ok) {
    o.logger.warn(
      { runtime_id: handle.runtimeId, code: parsed.error.code },
      `malformed trigger refused: ${parsed.error.message}`,
    );
    o.bus.respond(message, { type: 'Error', code: parsed.error.code, message: parsed.error.message });
    return;
  }
  const request = parsed.value;
  const triggers = request.type === 'TriggerAgentBatch' ? request.triggers : [request];
  // The dispatcher sends again until this acknowledgement reaches it; repeats are ignored in run().
  o.bus.respond(message, { type: 'TriggersAccepted', runtime_id: handle.runtimeId, count: triggers.length });
  for (const trigger of triggers) o.run(handle, trigger);
}

function onCancel(handle: WorkerHandle, message: BusMessage, o: RuntimeCommandsOptions): void {
  const parsed = parseWith(CancelAttemptSchema, message.data, 'cancel');
  if (!parsed.ok) {
    o.logger.warn(
      { runtime_id: handle.runtimeId, code: parsed.error.code },
      `malformed cancel refused: ${parsed.error.message}`,
    );
    o.bus.respond(message, { type: 'Error', code: parsed.error.code, message: parsed.error.message });
    return;
  }
  handle.cancel(parsed.value.request_id);
}

function onReclaim(handle: WorkerHandle, message: BusMessage, o: RuntimeCommandsOptions): void {
  const parsed = isVetted(message.data)
    ? { ok: true as const, value: message.data as { request_ids: string[] } }
    : parseWith(ReclaimAttemptsSchema, message.data, 'ReclaimAttempts');
  if (!parsed.ok) {
    o.logger.warn(
      { runtime_id: handle.runtimeId, code: parsed.error.code },
      `malformed reclaim refused: ${parsed.error.message}`,
    );
    return;
  }
  // The worker decides: what it has started by now runs on here.
  handle.reclaim(parsed.value.request_ids.filter((id) => o.held.holds(handle.runtimeId, id)));
}
