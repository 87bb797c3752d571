import fc from 'fast-check';
import type { TaskSpecInput } from '../../src/index.js';

/** A minimal task: `id` depending on `deps`, reading and producing the given refs. */
export function task(id: string, deps: string[] = [], extra: Partial<TaskSpecInput> = {}): TaskSpecInput {
  return {
    id,
    action: `do ${id}`,
    capability_ids: ['CAP-PRE-001'],
    depends_on: deps,
    input_refs: [],
    output_refs: [],
    ...extra,
  };
}

/** A bare workflow (keyed tasks) with optional resources. */
export function workflow(
  tasks: TaskSpecInput[],
  resources: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
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
      edges:
        n < 2
          ? fc.constant([])
          : fc.uniqueArray(
              fc
                .tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }))
                .filter(([a, b]) => a !== b)
                .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
              { maxLength: n * 3, selector: ([a, b]) => `${a}>${b}` },
            ),
      ids: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => `t${i}`),
        { minLength: n, maxLength: n },
      ),
      listing: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
      weights: fc.array(fc.constantFrom('light' as const, 'medium' as const, 'heavy' as const), {
        minLength: n,
        maxLength: n,
      }),
    }),
  );

/** The tasks of a random DAG, in its listing order. */
export function dagTasks(dag: RandomDag): TaskSpecInput[] {
  const deps: string[][] = Array.from({ length: dag.n }, () => []);
  for (const [a, b] of dag.edges) deps[b].push(dag.ids[a]);
  return dag.listing.map((r) => task(dag.ids[r], deps[r], { estimated_weight: dag.weights[r] }));
}

/** A random plan made by {@link planOf}, with what the tests check it against. */
export interface RandomPlan {
  readonly plan: Record<string, unknown>;
  readonly deps: ReadonlyMap<string, readonly string[]>;
  readonly fusion: ReadonlySet<string>;
  readonly group: ReadonlyMap<string, number>;
}

/** A random plan: task i produces derived_i and reads the refs of its direct dependencies. */
export function planOf(dag: RandomDag, fusionEvery: number, plannerGroups: boolean): RandomPlan {
  const deps = new Map<string, string[]>(dag.ids.map((id) => [id, []]));
  for (const [a, b] of dag.edges) deps.get(dag.ids[b])!.push(dag.ids[a]);
  const level = new Map<string, number>();
  for (let r = 0; r < dag.n; r++)
    level.set(dag.ids[r], 1 + Math.max(0, ...deps.get(dag.ids[r])!.map((d) => level.get(d)!)));
  const fusion = new Set(
    dag.ids.filter(
      (_, r) => fusionEvery > 0 && r % fusionEvery === fusionEvery - 1 && deps.get(dag.ids[r])!.length > 0,
    ),
  );
  const tasks = dag.listing.map((r) => {
    const id = dag.ids[r];
    return {
      id,
      action: `work ${id}`,
      capability_ids: [fusion.has(id) ? 'CAP-SYN-001' : 'CAP-PRE-001'],
      depends_on: deps.get(id),
      input_refs: deps.get(id)!.map((d) => `derived_${d}`),
      output_refs: [`derived_${id}`],
      ...(plannerGroups ? { execution_group: level.get(id)! } : {}),
    };
  });
  const plan = {
    agent: { name: 'planning_agent', type: 'operational' },
    output: { content: { workflow: { tasks } }, content_type: 'plan' },
    resources: { derived_refs: dag.ids.map((id) => ({ ref_id: `derived_${id}`, storage_uri: null })) },
    metadata: { session_id: 's', request_id: 'r', sequence_number: 3 },
  };
  return { plan, deps, fusion, group: level };
}
