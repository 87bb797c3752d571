import { z } from 'zod';
import type { Result } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import type { EstimatedWeight } from '../protocol/plan.js';

/** Options of an {@link ExecutionGraph}. */
export interface GraphOptions {
  /**
   * Weight of each `estimated_weight` label on the critical path.
   * @default { light: 1, medium: 2, heavy: 4 }
   */
  weights?: Partial<Record<'light' | 'medium' | 'heavy', number>>;
  /**
   * Weight of a task that gives no `estimated_weight`.
   * @default 1
   */
  defaultWeight?: number;
}

const positive = z.number().positive().finite();

/** The schema {@link GraphOptions} are checked with when a graph is built. */
export const GraphOptionsSchema = z.strictObject({
  weights: z
    .strictObject({ light: positive.optional(), medium: positive.optional(), heavy: positive.optional() })
    .optional(),
  defaultWeight: positive.optional(),
});

/** Resolved weights: a function from a task's `estimated_weight` to a number. */
export type WeightOf = (weight: EstimatedWeight | undefined) => number;

/** Checks graph options and resolves the weight function; a bad option is `INVALID_INPUT` naming it. */
export function resolveWeights(options: GraphOptions | undefined): Result<WeightOf> {
  const parsed = parseWith(GraphOptionsSchema, options ?? {}, 'graph options');
  if (!parsed.ok) return parsed;
  const table = { light: 1, medium: 2, heavy: 4, ...parsed.value.weights };
  const fallback = parsed.value.defaultWeight ?? 1;
  return {
    ok: true,
    value: (weight) => (weight === undefined ? fallback : typeof weight === 'number' ? weight : table[weight]),
  };
}
