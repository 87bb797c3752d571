import type { Scheduler, Timer } from '../core/scheduler.js';

/**
 * Answers asks to announce at most once per `gapMs`, the last ask answered: a flood of asks
 * is not a flood of announcements. An ask within the gap of the last answer is answered when
 * the gap ends; asks meanwhile join it.
 */
export class AnnounceThrottle {
  readonly #scheduler: Scheduler;
  readonly #gapMs: number;
  readonly #announce: () => void;
  #announced = Number.NEGATIVE_INFINITY;
  #later: Timer | undefined;

  constructor(scheduler: Scheduler, gapMs: number, announce: () => void) {
    this.#scheduler = scheduler;
    this.#gapMs = gapMs;
    this.#announce = announce;
  }

  ask(): void {
    if (this.#later !== undefined) return;
    const wait = this.#announced + this.#gapMs - this.#scheduler.now();
    if (wait <= 0) this.#now();
    else this.#later = this.#scheduler.setTimeout(this.#now, wait);
  }

  stop(): void {
    this.#scheduler.clearTimeout(this.#later);
    this.#later = undefined;
  }

  readonly #now = (): void => {
    this.#later = undefined;
    this.#announced = this.#scheduler.now();
    this.#announce();
  };
}
