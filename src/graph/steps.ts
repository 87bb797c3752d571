/**
 * A computation that can pause between chunks of its work: a generator that yields (nothing)
 * where it may be interrupted and returns its value. Building a large plan's graph takes
 * hundreds of milliseconds; written as steps, the same code runs to the end at once
 * ({@link runSteps}) or in time slices that let the event loop turn in between (the runtime's
 * `submitAsync`), so there is one build, not a blocking and a yielding twin.
 */
export type Steps<T> = Generator<void, T, void>;

/** Loops over tasks or refs pause once every `PAUSE_EVERY` items (a power of two). */
export const PAUSE_EVERY = 1024;

/** Whether a loop at item `i` has reached a point where it pauses. */
export function pauseAt(i: number): boolean {
  return (i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1;
}

/** Runs `steps` to the end without pausing; its value. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
