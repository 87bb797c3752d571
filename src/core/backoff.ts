/**
 * Exponential backoff, the one rule every retry in Switchyard waits by: the bus's acknowledged
 * sending, the supervisor's trigger requests, and re-dispatching a failed attempt. Pure: the
 * random source is injected, so a recorded run replays the same waits.
 */

/** How long to wait before each new try. */
export interface BackoffOptions {
  /** The wait before the second try. @default 100 */
  readonly initialMs?: number;
  /** Each wait is the previous one times this. @default 2 */
  readonly factor?: number;
  /** No wait is longer than this. @default 5000 */
  readonly maxMs?: number;
  /**
   * The share of each wait drawn at random ("equal jitter" at 0.5, "full jitter" at 1): the
   * wait is `d × (1 − jitter × r)` for the capped exponential `d` and `r` from `random`.
   * @default 0
   */
  readonly jitter?: number;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF = { initialMs: 100, factor: 2, maxMs: 5000, jitter: 0 } as const;

/**
 * The wait before try number `retry + 1`, after `retry` failed tries (`retry` 0 is the wait
 * after the first failure). `random` answers in [0, 1); it is read only when `jitter > 0`.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const factor = options.factor ?? DEFAULT_BACKOFF.factor;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const jitter = options.jitter ?? DEFAULT_BACKOFF.jitter;
  const capped = Math.min(maxMs, initialMs * factor ** Math.max(0, retry));
  return jitter > 0 ? Math.round(capped * (1 - jitter * random())) : capped;
}

/**
 * Checks backoff options eagerly, naming the offending value; `undefined` when they are usable.
 */
export function backoffProblem(options: BackoffOptions): string | undefined {
  const { initialMs, factor, maxMs, jitter } = options;
  if (initialMs !== undefined && !(Number.isFinite(initialMs) && initialMs >= 0))
    return `Expected \`initialMs\` to be a number of milliseconds from 0 up, got \`${String(initialMs)}\`.`;
  if (factor !== undefined && !(Number.isFinite(factor) && factor >= 1))
    return `Expected \`factor\` to be a number from 1 up, got \`${String(factor)}\`.`;
  if (maxMs !== undefined && !(Number.isFinite(maxMs) && maxMs >= (initialMs ?? 0)))
    return `Expected \`maxMs\` to be a number of milliseconds no smaller than \`initialMs\`, got \`${String(maxMs)}\`.`;
  if (jitter !== undefined && !(Number.isFinite(jitter) && jitter >= 0 && jitter <= 1))
    return `Expected \`jitter\` to be a number from 0 to 1, got \`${String(jitter)}\`.`;
  return undefined;
}
