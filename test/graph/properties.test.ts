import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencyResolver, ExecutionGraph } from '../../src/index.js';
import { dagTasks, randomDag, type RandomDag, task } from '../helpers/plans.js';

const WEIGHT = { light: 1, medium: 2, heavy: 4 } as const;

function build(dag: RandomDag): ExecutionGraph {
  return ExecutionGraph.fromPlan({ tasks: dagTasks(dag) });
}

/** Predecessor ids per task id, straight from the random DAG. */
function predsOf(dag: RandomDag): Map<string, string[]> {
  const preds = new Map(dag.ids.map((id) => [id, [] as string[]]));
  for (const [a, b] of dag.edges) preds.get(dag.ids[b])!.push(dag.ids[a]);
  return preds;
}

describe('graph invariants over random DAGs', () => {
  it('a topological order lists every task once, after all it depends on', () => {
    fc.assert(
      fc.property(randomDag(), (dag) => {
        const order = build(dag).topologicalOrder();
        expect([...order].sort()).toEqual([...dag.ids].sort());
        const pos = new Map(order.map((id, i) => [id, i]));
        for (const [a, b] of dag.edges) expect(pos.get(dag.ids[a])!).toBeLessThan(pos.get(dag.ids[b])!);
      }),
    );
  });

  it('computed groups are levels: 1 for roots, else 1 + the deepest dependency', () => {
    fc.assert(
      fc.property(randomDag(), (dag) => {
        const graph = build(dag);
        const preds = predsOf(dag);
        for (const id of dag.ids) {
          const ps = preds.get(id)!;
          const expected = ps.length === 0 ? 1 : 1 + Math.max(...ps.map((p) => graph.groupOf(p)));
          expect(graph.groupOf(id)).toBe(expected);
        }
        const sizes = graph.groups().map((g) => g.tasks.length);
        expect(graph.maxParallelWidth()).toBe(Math.max(...sizes));
        expect(sizes.reduce((s, x) => s + x, 0)).toBe(dag.n);
      }),
    );
  });

  it('the critical path is a chain of dependencies with the greatest total weight', () => {
    fc.assert(
      fc.property(randomDag(), (dag) => {
        const graph = build(dag);
        const preds = predsOf(dag);
        const weightOf = new Map(dag.ids.map((id, r) => [id, WEIGHT[dag.weights[r]]]));
        const best = new Map<string, number>();
        const longest = (id: string): number => {
          if (!best.has(id)) best.set(id, weightOf.get(id)! + Math.max(0, ...preds.get(id)!.map(longest)));
          return best.get(id)!;
        };
        const max = Math.max(...dag.ids.map(longest));
        const { tasks, weight } = graph.criticalPath();
        expect(weight).toBe(max);
        expect(tasks.reduce((s, id) => s + weightOf.get(id)!, 0)).toBe(max);
        for (let i = 1; i < tasks.length; i++) expect(preds.get(tasks[i])).toContain(tasks[i - 1]);
      }),
    );
  });

  it('a random back edge is always reported as a cycle that contains it', () => {
    fc.assert(
      fc.property(
        randomDag().filter((d) => d.edges.length > 0),
        fc.nat(),
        (dag, pick) => {
          const [a, b] = dag.edges[pick % dag.edges.length];
          const tasks = dagTasks(dag).map((t) =>
            t.id === dag.ids[a] ? { ...t, depends_on: [...(t.depends_on ?? []), dag.ids[b]] } : t,
          );
          const built = ExecutionGraph.tryFromPlan({ tasks });
          expect(built.ok).toBe(false);
          if (built.ok) return;
          expect(built.error.code).toBe('PROCESSING_ERROR');
          const cycle = built.error.details.cycle as string[];
          expect(cycle[0]).toBe(cycle[cycle.length - 1]);
          const preds = predsOf(dag);
          preds.get(dag.ids[a])!.push(dag.ids[b]);
          for (let i = 1; i < cycle.length; i++) expect(preds.get(cycle[i])).toContain(cycle[i - 1]);
        },
      ),
    );
  });

  it('adding a random edge is refused exactly when it would close a cycle', () => {
    fc.assert(
      fc.property(randomDag(12), fc.nat(), fc.nat(), (dag, x, y) => {
        const graph = build(dag);
        const from = dag.ids[x % dag.n];
        const to = dag.ids[y % dag.n];
        const reachable = (src: string, dst: string): boolean =>
          src === dst || graph.dependentsOf(src).some((s) => reachable(s, dst));
        const closes = reachable(to, from);
        let refused = false;
        try {
          graph.addDependency(to, from);
        } catch {
          refused = true;
        }
        expect(refused).toBe(closes);
        expect(graph.topologicalOrder()).toHaveLength(dag.n);
      }),
    );
  });

  it('dropping the redundant dependencies keeps reachability, and none is left redundant', () => {
    fc.assert(
      fc.property(randomDag(20), (dag) => {
        const graph = build(dag);
        const reduced = ExecutionGraph.fromPlan({ tasks: new DependencyResolver(graph).normalizedTasks() });
        const closure = (g: ExecutionGraph) => {
          const out = new Map<string, Set<string>>();
          for (const id of g.topologicalOrder()) {
            const set = new Set<string>();
            for (const p of g.dependenciesOf(id)) {
              set.add(p);
              for (const q of out.get(p)!) set.add(q);
            }
            out.set(id, set);
          }
          return out;
        };
        const before = closure(graph);
        const after = closure(reduced);
        for (const id of dag.ids) expect([...after.get(id)!].sort()).toEqual([...before.get(id)!].sort());
        expect(new DependencyResolver(reduced).redundantDependencies()).toEqual([]);
      }),
    );
  });

  it('is linear enough to build a 20k-task chain without recursion limits', () => {
    const tasks = Array.from({ length: 20_000 }, (_, i) => task(`t${i}`, i === 0 ? [] : [`t${i - 1}`]));
    const graph = ExecutionGraph.fromPlan({ tasks: tasks.reverse() });
    expect(graph.depth()).toBe(20_000);
    expect(graph.criticalPath().tasks).toHaveLength(20_000);
  });
});
