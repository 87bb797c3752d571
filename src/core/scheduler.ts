/**
 * Time as an injected dependency (xstate's `Clock` / `SimulatedClock`): every actor, the bus's
 * acknowledged sending, the pool and the store's writer read the time and set timers through
 * a {@link Scheduler}, so tests drive time with a {@link SimulatedScheduler} instead of
 * sleeping, and a loaded machine cannot turn a test's timeout into a failure.
 */

/** A pending callback of a {@link Scheduler}; pass it to {@link Scheduler.clearTimeout}. */
export interface Timer {
  readonly [timerBrand]: true;
}
declare const timerBrand: unique symbol;

/** Options of {@link Scheduler.setTimeout}. */
export interface TimerOptions {
  /**
   * Whether a pending timer may let the process exit (Node's `unref`): true for housekeeping
   * (heartbeats, resends, lease renewal), false for a timer someone is waiting on.
   * @default false
   */
  readonly background?: boolean;
}

/** Reads the time and runs callbacks later. */
export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once, `ms` milliseconds from now (at once for `ms <= 0`). */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer;
  /** Cancels a timer; a fired, cancelled or `undefined` timer is ignored. */
  clearTimeout(timer: Timer | undefined): void;
}

/** Node's clock and timers; the default everywhere a scheduler is optional. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout(fn, ms, options) {
    const timer = setTimeout(fn, Math.max(0, ms));
    if (options?.background) timer.unref();
    return timer as unknown as Timer;
  },
  clearTimeout(timer) {
    if (timer !== undefined) clearTimeout(timer as unknown as NodeJS.Timeout);
  },
};

/**
 * Calls `fn` every `ms` milliseconds until the returned function is called. The next call is
 * scheduled after `fn` returns, so a slow `fn` never overlaps itself.
 */
export function every(scheduler: Scheduler, ms: number, fn: () => void, options?: TimerOptions): () => void {
  let timer: Timer | undefined;
  let stopped = false;
  const tick = () => {
    fn();
    if (!stopped) timer = scheduler.setTimeout(tick, ms, options);
  };
  timer = scheduler.setTimeout(tick, ms, options);
  return () => {
    stopped = true;
    scheduler.clearTimeout(timer);
  };
}

/** A promise that settles `ms` milliseconds from now on `scheduler`'s time. */
export function sleep(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => scheduler.setTimeout(resolve, ms));
}

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A scheduler whose time moves only when told to ({@link advance}, {@link advanceAsync}):
 * timers fire in the order of their due time, then of their creation, each seeing
 * {@link now} equal to its due time. For tests, and for replaying a run at its recorded pace.
 *
 * @example
 * const time = new SimulatedScheduler(0);
 * sendAcknowledged(bus, subject, data, { scheduler: time });
 * await time.advanceAsync(2_000); // the first resend is due
 */
export class SimulatedScheduler implements Scheduler {
  #now: number;
  #nextId = 0;
  /** Kept sorted by (at, id). Tests hold few timers, so insertion is a linear scan. */
  #pending: Pending[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const entry: Pending = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    let i = this.#pending.length;
    while (i > 0 && this.#pending[i - 1].at > entry.at) i--;
    this.#pending.splice(i, 0, entry);
    return entry.id as unknown as Timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    const i = this.#pending.findIndex((p) => p.id === (timer as unknown as number));
    if (i >= 0) this.#pending.splice(i, 1);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#pending.length;
  }

  /** When the next timer is due, or `undefined` when none is. */
  get nextDue(): number | undefined {
    return this.#pending[0]?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then — also those that fired timers
   * set within the window — synchronously. Use {@link advanceAsync} when a callback's effect
   * arrives through promises.
   */
  advance(ms: number): void {
    const target = this.#now + Math.max(0, ms);
    for (let next = this.#pending[0]; next !== undefined && next.at <= target; next = this.#pending[0]) {
      this.#pending.shift();
      this.#now = next.at;
      next.fn();
    }
    this.#now = target;
  }

  /**
   * Like {@link advance}, but lets promise callbacks and I/O callbacks run (a macrotask turn)
   * before each timer and at the end, so a timer set by a promise's continuation is seen.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await turn();
    for (let next = this.#pending[0]; next !== undefined && next.at <= target; next = this.#pending[0]) {
      this.#pending.shift();
      this.#now = next.at;
      next.fn();
      await turn();
    }
    this.#now = target;
  }

  /** Fires the next due timer (advancing time to it) and lets its continuations run; false when none waits. */
  async runNext(): Promise<boolean> {
    const due = this.nextDue;
    if (due === undefined) return false;
    await this.advanceAsync(due - this.#now);
    return true;
  }
}

/** One macrotask turn: pending promise callbacks and ready I/O callbacks run before it ends. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
