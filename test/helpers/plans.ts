import fc from 'fast-check';
import type { TaskSpecInput } from '../../src/index.js';

/** A minimal task: `id` depending on `deps`, reading and producing the given refs. */
export function task(id: string, deps: string[] = [], extra: Partial<TaskSpecInput> = {}): TaskSpecInput {
  return { id, action: `do ${id}`, capability_ids: ['CAP-PRE-001'], depends_on: deps, input_refs: [], output_refs: [], ...extra };
}

/** A bare workflow (keyed tasks) with optional resources. */
export function workflow(tasks: TaskSpecInput[], resources: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { tasks: Object.fromEntries(tasks.map((t) => [t.id, t])), resources, ...extra };
}

/** A random DAG: `n` tasks, edges only from lower to higher rank, tasks listed in shuffled order. */
export interface RandomDag {
  readonly n: number;
  /** Edges `[from, to]` by rank: `to` depends on `from`. */
  readonly edges: ReadonlyArray<readonly [number, number]>;
  /** Task id of each rank (ranks are a topological order, ids are not). */
  readonly ids: readonly string[];
  /** Listing order of the ranks in the plan. */
  readonly listing: readonly number[];
  /** Weight label per rank. */
  readonly weights: ReadonlyArray<'light' | 'medium' | 'heavy'>;
}

export const randomDag = (maxTasks = 30): fc.Arbitrary<RandomDag> =>
  fc.integer({ min: 1, max: maxTasks }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: n < 2 ? fc.constant([]) : fc.uniqueArray(
        fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })).filter(([a, b]) => a !== b).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
        { maxLength: n * 3, selector: ([a, b]) => `${a}>${b}` },
      ),
      ids: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => `t${i}`), { minLength: n, maxLength: n }),
      listing: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
      weights: fc.array(fc.constantFrom('light' as const, 'medium' as const, 'heavy' as const), { minLength: n, maxLength: n }),
    }),
  );

/** The tasks of a random DAG, in its listing order. */
export function dagTasks(dag: RandomDag): TaskSpecInput[] {
  const deps: string[][] = Array.from({ length: dag.n }, () => []);
  for (const [a, b] of dag.edges) deps[b].push(dag.ids[a]);
  return dag.listing.map((r) => task(dag.ids[r], deps[r], { estimated_weight: dag.weights[r] }));
}
