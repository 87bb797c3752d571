import type { Steps } from '../graph/steps.js';

/** How long one slice of a sliced computation may hold the event loop, in ms. */
export const SLICE_MS = 20;

/** Resolves after the event loop has turned once: timers, I/O and other callbacks ran meanwhile. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `steps` in time slices of about `sliceMs` each, letting the event loop turn before
 * each slice, so timers (the dispatcher's liveness sweep) and messages (heartbeats, results)
 * are handled while a large plan is built. A slice ends at the first pause after its time is
 * up, so it overruns by at most one chunk of work.
 */
export async function runSliced<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  for (;;) {
    await nextTurn();
    const until = performance.now() + sliceMs;
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
      if (performance.now() >= until) break;
    }
  }
}
