import type { Bus } from '../bus/bus.js';
import type { DispatchRecord } from '../core/dispatch-core.js';
import type { Timer } from '../core/scheduler.js';
import type { CancelAttempt, TriggerAgent, WithdrawTriggers } from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { ResultSender } from './result-identity.js';

/**
 * A result heard before its attempt's placement was known, kept to be checked once it is;
 * `checked` when its shape was checked already (it came in a batch parsed whole).
 */
export type EarlyResult = readonly [data: unknown, sender: ResultSender, checked: boolean];

/** Results kept per attempt while its placement is not known yet; more are dropped (a runtime sends one). */
export const MAX_EARLY_RESULTS = 4;

/** One attempt a run has out: its trigger went to the dispatcher and no outcome has been applied yet. */
export interface OpenAttempt {
  readonly record: DispatchRecord;
  readonly trigger: TriggerAgent;
  /** The runtime it was placed on; `null` while the dispatcher has not said, or queues it. */
  runtimeId: string | null;
  /** Runs from when the attempt reaches a runtime; none while the dispatcher queues it. */
  deadline: Timer | undefined;
  /** Whether the dispatcher's answer (placed where, or queued) has been read. */
  answered: boolean;
  /**
   * Results that came before the answer said where the attempt went (the answer is read a
   * microtask after the bus delivered it; a runtime may be quicker): checked once it is read.
   */
  early: EarlyResult[] | undefined;
}

/**
 * Gives up attempts of a run that is going away: the runtime holding each is told to cancel it,
 * and the ones the dispatcher still queues are withdrawn (they would otherwise run later, for
 * a run that is gone).
 */
export function abandonAttempts(bus: Bus, subjects: Subjects, runId: string, attempts: Iterable<OpenAttempt>): void {
  const queued: string[] = [];
  for (const live of attempts) {
    if (live.runtimeId === null) queued.push(live.trigger.request_id);
    else
      bus.publish(subjects.cancel(live.runtimeId), {
        type: 'CancelAttempt',
        request_id: live.trigger.request_id,
      } satisfies CancelAttempt);
  }
  if (queued.length > 0)
    bus.publish(subjects.withdraw(runId), { type: 'WithdrawTriggers', request_ids: queued } satisfies WithdrawTriggers);
}
