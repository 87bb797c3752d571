import { z } from 'zod';
import type { DispatchState } from '../core/run-state.js';
import type { Scheduler, Timer } from '../core/scheduler.js';
import { RunEventSchema } from '../protocol/run-events.js';
import type { RunJournal } from '../journal/run-journal.js';
import { type HeldRetry, RetryHold } from './retry-hold.js';
import type { SupervisorOptions } from './supervisor-options.js';

/**
 * What a checkpoint keeps of a run's resilience, under `switchyard.run.resilience` (the run
 * block is open to such additions; `step` ignores it): the deadline and the retries held back,
 * so a resume after compaction — when the events that set them are gone — still honours them.
 */
const ResilienceBlockSchema = z.object({
  deadline_at: z.number().optional(),
  held_retries: z.array(z.object({ task_id: z.string(), attempt: z.number().int(), due_at: z.number() })).optional(),
});

/** The deadline and held retries a recorded run had, read back for its resume. */
export interface RecordedResilience {
  readonly deadlineAt: number | undefined;
  readonly held: ReadonlyMap<string, HeldRetry>;
}

/** Reads a recorded run's deadline and held retries from its checkpoint and the steps after it (later wins). */
export function recordedResilience(resume: SupervisorOptions['resume']): RecordedResilience {
  let deadlineAt: number | undefined;
  const held = new Map<string, HeldRetry>();
  const state = resume?.checkpoint?.state as { switchyard?: { run?: { resilience?: unknown } } } | undefined;
  const block = ResilienceBlockSchema.safeParse(state?.switchyard?.run?.resilience);
  if (block.success) {
    deadlineAt = block.data.deadline_at;
    for (const h of block.data.held_retries ?? [])
      held.set(h.task_id, { taskId: h.task_id, attempt: h.attempt, dueAt: h.due_at });
  }
  for (const step of resume?.steps ?? []) {
    for (const raw of step.events) {
      if (raw.type !== 'deadline_set' && raw.type !== 'retry_delayed') continue;
      const event = RunEventSchema.safeParse(raw);
      if (!event.success) continue;
      const e = event.data;
      if (e.type === 'retry_delayed')
        held.set(e.task_id, { taskId: e.task_id, attempt: e.attempt, dueAt: e.at + e.delay_ms });
      else if (e.type === 'deadline_set') deadlineAt = e.deadline_at;
    }
  }
  return { deadlineAt, held };
}

/** The run's state with its deadline and held retries, as its checkpoints keep them. */
export function withResilience(
  state: DispatchState,
  deadlineAt: number | undefined,
  held: readonly HeldRetry[],
): DispatchState {
  if (deadlineAt === undefined && held.length === 0) return state;
  const resilience = {
    ...(deadlineAt === undefined ? {} : { deadline_at: deadlineAt }),
    ...(held.length === 0
      ? {}
      : { held_retries: held.map((h) => ({ task_id: h.taskId, attempt: h.attempt, due_at: h.dueAt })) }),
  };
  const { switchyard } = state;
  return { ...state, switchyard: { ...switchyard, run: { ...switchyard.run, resilience } } };
}

/**
 * A run's deadline (seed 002's max_execution_time): absolute, from the run's start, recorded
 * with the run so a resume honours what is left of it.
 */
export class RunDeadline {
  /** Epoch ms the run must end by; `undefined` without a deadline. */
  at: number | undefined;
  readonly #scheduler: Scheduler;
  readonly #onDue: () => void;
  #timer: Timer | undefined;

  constructor(scheduler: Scheduler, onDue: () => void) {
    this.#scheduler = scheduler;
    this.#onDue = onDue;
  }

  /**
   * Sets the deadline: the recorded one on a resume, else `maxMs` after `startedAt`. Arms its
   * timer; answers whether it has passed already.
   */
  start(recorded: number | undefined, startedAt: number, maxMs: number | undefined): boolean {
    this.at = recorded ?? (maxMs === undefined ? undefined : startedAt + maxMs);
    if (this.at === undefined) return false;
    const left = this.at - this.#scheduler.now();
    if (left <= 0) return true;
    this.#timer = this.#scheduler.setTimeout(() => {
      this.#timer = undefined;
      this.#onDue();
    }, left);
    return false;
  }

  stop(): void {
    this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The sentence the run ends with. */
  message(limitMs: number | undefined): string {
    const limit = limitMs === undefined ? '' : ` (maxExecutionTimeMs ${limitMs})`;
    const when = this.at === undefined ? '' : ` at ${new Date(this.at).toISOString()}`;
    return `The run passed its deadline${limit}${when}: attempts still out were cancelled and no further task was sent.`;
  }
}

/**
 * A run's retry hold and deadline, set from what its record holds when it is resumed; `due` is
 * called from their timers (the run turns it into an event of its actor).
 */
export function runTimers(
  o: SupervisorOptions,
  ids: readonly string[],
  journal: RunJournal | undefined,
  due: (what: 'retries' | 'deadline') => void,
): { hold: RetryHold; deadline: RunDeadline } {
  const recorded = recordedResilience(o.resume);
  const hold = new RetryHold({
    scheduler: o.scheduler,
    backoff: o.retryBackoff,
    ids,
    recorded: recorded.held,
    onDelayed: (task_id, attempt, delay_ms) =>
      journal?.push({ type: 'retry_delayed', at: o.scheduler.now(), task_id, attempt, delay_ms }),
    onDue: () => due('retries'),
  });
  const deadline = new RunDeadline(o.scheduler, () => due('deadline'));
  deadline.at = recorded.deadlineAt;
  return { hold, deadline };
}
