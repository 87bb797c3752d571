import { z } from 'zod';
import type { Result } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { RouteRuleSchema } from '../protocol/routes.js';
import { DEFAULT_ROUTES, type RouteRule } from './routing.js';
import { parseOffset } from './time.js';

/** How tasks are released. */
export type DispatchPolicy = 'strict' | 'dependency';

/** Options of the dispatch core and of `step`. */
export interface DispatchOptions {
  /**
   * `strict`: a task of group g goes out only when every task of every earlier group is
   * terminal (seed 003). `dependency`: as soon as it is ready, ignoring groups.
   * @default 'strict'
   */
  policy?: DispatchPolicy;
  /** Most attempts a task may make (seed 003's `max_retries`). @default 3 */
  maxAttempts?: number;
  /** Routing rules, tried in order. @default DEFAULT_ROUTES (seed 003's table) */
  routes?: readonly RouteRule[];
  /** Capability prefixes that mark a fusion task, which may run on partial input. @default ['CAP-SYN-'] */
  fusionPrefixes?: readonly string[];
  /** Epoch milliseconds now. Without it, time comes from the message's `metadata.timestamp`. */
  clock?: () => number;
  /** Offset timestamps are written with (`+08:00`). @default the plan's `metadata.timestamp` offset, else `+00:00` */
  utcOffset?: string;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly policy: DispatchPolicy;
  readonly maxAttempts: number;
  readonly routes: readonly RouteRule[];
  readonly fusionPrefixes: readonly string[];
  readonly clock: (() => number) | undefined;
  readonly utcOffset: number | undefined;
}

/** The schema options are checked with; a bad one is `INVALID_INPUT` naming the field. */
export const DispatchOptionsSchema = z.strictObject({
  policy: z.enum(['strict', 'dependency']).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  routes: z.array(RouteRuleSchema).min(1).optional(),
  fusionPrefixes: z.array(z.string().min(1)).optional(),
  clock: z
    .custom<() => number>((v) => typeof v === 'function', 'expected a function returning epoch milliseconds')
    .optional(),
  utcOffset: z
    .string()
    .refine((v) => parseOffset(v) !== undefined, 'expected an offset like +08:00, -05:30 or Z')
    .optional(),
});

/** Checks options and applies the defaults. */
export function resolveOptions(options: DispatchOptions | undefined): Result<ResolvedOptions> {
  const parsed = parseWith(DispatchOptionsSchema, options ?? {}, 'dispatch options');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  return {
    ok: true,
    value: {
      policy: o.policy ?? 'strict',
      maxAttempts: o.maxAttempts ?? 3,
      routes: o.routes ?? DEFAULT_ROUTES,
      fusionPrefixes: o.fusionPrefixes ?? ['CAP-SYN-'],
      clock: o.clock,
      utcOffset: o.utcOffset === undefined ? undefined : parseOffset(o.utcOffset),
    },
  };
}
