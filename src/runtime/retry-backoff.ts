import { z } from 'zod';
import type { RetryBackoff } from '../actors/retry-hold.js';
import { backoffProblem } from '../core/backoff.js';
import { MAX_TIMER_MS } from '../protocol/numbers.js';

/**
 * The wait between attempts of a task (seed 002: automatic retry with exponential backoff): the
 * retry after failure `k` waits `min(maxMs, baseMs × factor^(k−1))`, less a random share of up
 * to `jitter` of it. The dispatch core still releases the retry at once (seed 003); the run
 * holds it back for the delay, and records the delay it drew.
 */
export interface RetryBackoffOptions {
  /** The wait before the second attempt, before jitter. @default 250 */
  readonly baseMs?: number;
  /** Each wait is the previous one times this. @default 2 */
  readonly factor?: number;
  /** No wait is longer than this. @default 30000 */
  readonly maxMs?: number;
  /** The share of each wait drawn at random: the wait is `d × (1 − jitter × random())`. From 0 to 1. @default 0.5 */
  readonly jitter?: number;
  /** Where the jitter is drawn from, answering in [0, 1) (a seeded source makes waits repeatable). @default Math.random */
  readonly random?: () => number;
}

/** The defaults of {@link RetryBackoffOptions}. */
export const DEFAULT_RETRY_BACKOFF = { baseMs: 250, factor: 2, maxMs: 30_000, jitter: 0.5 } as const;

/** `retryBackoff` as `createRuntime` checks it: the options, or `false` for retries at once. */
export const RetryBackoffSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      baseMs: z.number().optional(),
      factor: z.number().optional(),
      maxMs: z.number().optional(),
      jitter: z.number().optional(),
      random: z.custom<() => number>((v) => typeof v === 'function', 'expected a function').optional(),
    })
    .superRefine((o, ctx) => {
      const { baseMs, factor, maxMs, jitter } = { ...DEFAULT_RETRY_BACKOFF, ...o };
      const problem = backoffProblem({ initialMs: baseMs, factor, maxMs, jitter });
      if (problem) ctx.addIssue({ code: 'custom', message: problem.replace('`initialMs`', '`baseMs`') });
    }),
]);

/** A run's deadline, ms from its start. */
export const MaxExecutionTimeSchema = z.number().int().min(1).max(MAX_TIMER_MS);

/** The backoff a run holds its retries by: the options over the defaults, or `false`. */
export function resolveRetryBackoff(options: RetryBackoffOptions | false | undefined): RetryBackoff | false {
  if (options === false) return false;
  const { baseMs, factor, maxMs, jitter } = { ...DEFAULT_RETRY_BACKOFF, ...options };
  return { initialMs: baseMs, factor, maxMs, jitter, ...(options?.random ? { random: options.random } : {}) };
}
