import { type BackoffOptions, backoffDelay } from '../core/backoff.js';
import type { DispatchRecord } from '../core/dispatch-core.js';
import type { Scheduler, Timer } from '../core/scheduler.js';

/** How a run waits between the attempts of a task: {@link BackoffOptions} and the source of its jitter. */
export interface RetryBackoff extends BackoffOptions {
  /** Answers in [0, 1); read only when `jitter > 0`. @default Math.random */
  readonly random?: () => number;
}

/** A retry held back: attempt `attempt` of task `taskId` goes out at `dueAt` (epoch ms). */
export interface HeldRetry {
  readonly taskId: string;
  readonly attempt: number;
  readonly dueAt: number;
}

/** Options of a {@link RetryHold}. */
export interface RetryHoldOptions {
  readonly scheduler: Scheduler;
  /** The backoff between attempts; `false` (or absent): retries go out at once. */
  readonly backoff: RetryBackoff | false | undefined;
  /** Task ids by task number. */
  readonly ids: readonly string[];
  /** Retries the run held before a resume, by task id: each waits only for what is left of its recorded delay. */
  readonly recorded?: ReadonlyMap<string, HeldRetry>;
  /** Told of each new delay drawn (the run journals it as `retry_delayed`). */
  readonly onDelayed: (taskId: string, attempt: number, delayMs: number) => void;
  /** A held retry is due (called from a timer): the run then takes them with {@link RetryHold.due}. */
  readonly onDue: () => void;
}

/**
 * Holds retries back for their backoff. The dispatch core releases a retry in the step that
 * received the failure (seed 003); the supervisor, not the core, makes it wait, on the injected
 * scheduler, so `step` keeps the seed's attempt semantics. Each delay is drawn once and
 * recorded: a resumed run waits for the rest of it, never for a new random one.
 */
export class RetryHold {
  readonly #o: RetryHoldOptions;
  readonly #held = new Map<number, { record: DispatchRecord; dueAt: number }>();
  readonly #recorded: Map<string, HeldRetry>;
  #timer: Timer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(options: RetryHoldOptions) {
    this.#o = options;
    this.#recorded = new Map(options.recorded);
  }

  /**
   * Whether `record` must wait (it is then kept until due). `fresh` is true for an attempt the
   * core has just released; false for one a resume sends again, which waits only if a delay
   * was recorded for it.
   */
  admit(record: DispatchRecord, fresh: boolean): boolean {
    // The hot path: a first attempt, with nothing recorded from before a resume, never waits.
    if (record.attempt === 1 && this.#recorded.size === 0) return false;
    const { scheduler, backoff, ids } = this.#o;
    const now = scheduler.now();
    const taskId = ids[record.task];
    const recorded = this.#recorded.get(taskId);
    this.#recorded.delete(taskId);
    let dueAt: number;
    if (recorded?.attempt === record.attempt) dueAt = recorded.dueAt;
    else if (fresh && record.attempt > 1 && backoff) {
      const delay = backoffDelay(record.attempt - 2, backoff, backoff.random);
      if (!(delay > 0)) return false;
      this.#o.onDelayed(taskId, record.attempt, delay);
      dueAt = now + delay;
    } else return false;
    if (dueAt <= now) return false;
    this.#held.set(record.task, { record, dueAt });
    this.#arm();
    return true;
  }

  /** Takes the held retries that are due now, earliest first. */
  due(): DispatchRecord[] {
    const now = this.#o.scheduler.now();
    const out = [...this.#held.values()].filter((h) => h.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const h of out) this.#held.delete(h.record.task);
    this.#arm();
    return out.map((h) => h.record);
  }

  /** Forgets the held retry of task `task` (it was cancelled). */
  drop(task: number): void {
    if (this.#held.delete(task)) this.#arm();
  }

  /** Forgets every held retry and stops the timer (the run ended). */
  clear(): void {
    this.#held.clear();
    this.#arm();
  }

  /** How many retries wait. */
  get size(): number {
    return this.#held.size;
  }

  /** The retries held now, for a checkpoint. */
  snapshot(): HeldRetry[] {
    return [...this.#held.values()].map(({ record, dueAt }) => ({
      taskId: this.#o.ids[record.task],
      attempt: record.attempt,
      dueAt,
    }));
  }

  /** One timer, at the earliest due time. */
  #arm(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const h of this.#held.values()) if (h.dueAt < next) next = h.dueAt;
    if (next === this.#timerAt) return;
    const { scheduler } = this.#o;
    scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    this.#timer = scheduler.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#o.onDue();
    }, next - scheduler.now());
  }
}
