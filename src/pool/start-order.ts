/**
 * The host's view of which attempts a worker has started. A worker runs at most `concurrency`
 * attempts at once and holds the rest it was sent (its prefetch) in arrival order, starting
 * the next the moment one ends. The host learns of an end when the result arrives, so it
 * starts a held attempt — its deadline — then: a moment after the worker did, never before.
 */
export class StartOrder {
  readonly #concurrency: number;
  #running = 0;
  /** Sent and not yet started, oldest first. */
  readonly #held: number[] = [];
  readonly #started = new Set<number>();

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /** Attempt `seq` was sent: whether it starts now (else it is held until an attempt ends). */
  sent(seq: number): boolean {
    if (this.#running < this.#concurrency) {
      this.#running++;
      this.#started.add(seq);
      return true;
    }
    this.#held.push(seq);
    return false;
  }

  /**
   * Attempt `seq` ended (or was dropped while held): calls `starts` with each attempt that
   * starts in its place, in the order they were sent.
   */
  ended(seq: number, starts: (seq: number) => void): void {
    if (this.#started.delete(seq)) {
      this.#running--;
    } else {
      const at = this.#held.indexOf(seq);
      if (at >= 0) this.#held.splice(at, 1);
    }
    while (this.#running < this.#concurrency && this.#held.length > 0) {
      const next = this.#held.shift() as number;
      this.#running++;
      this.#started.add(next);
      starts(next);
    }
  }

  /** Attempts started and not ended. */
  get running(): number {
    return this.#running;
  }

  /** Attempts sent and not started. */
  get held(): number {
    return this.#held.length;
  }
}
