import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExecutionGraph } from '../../src/graph/execution-graph.js';
import { type GraphLayout, layoutGraph } from '../../src/server/graph-layout.js';
import { largePlan } from '../helpers/large-plan.js';
import { dagTasks, randomDag, workflow } from '../helpers/plans.js';

/** Checks the layout's invariants against its graph. */
function checkLayout(graph: ExecutionGraph, layout: GraphLayout): void {
  const ids = graph.taskIds();
  expect(layout.nodes.map((n) => n.id).sort()).toEqual([...ids].sort());
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  for (const n of layout.nodes) {
    expect(n.group).toBe(graph.groupOf(n.id));
    expect(n.x).toBeGreaterThanOrEqual(0);
    expect(n.y).toBeGreaterThanOrEqual(0);
    expect(n.x + n.width).toBeLessThanOrEqual(layout.width + 0.5);
    expect(n.y + n.height).toBeLessThanOrEqual(layout.height + 0.5);
  }
  const nodes = layout.nodes;
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) {
      const [a, b] = [nodes[i], nodes[j]];
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
    }
  const expected = ids.flatMap((to) => graph.dependenciesOf(to).map((from) => `${from}>${to}`));
  expect(layout.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(expected.sort());
  const onBorder = (id: string, p: { x: number; y: number }) => {
    const n = at.get(id);
    if (!n) return false;
    const inside = p.x >= n.x - 1 && p.x <= n.x + n.width + 1 && p.y >= n.y - 1 && p.y <= n.y + n.height + 1;
    const edge = Math.min(
      Math.abs(p.x - n.x),
      Math.abs(p.x - n.x - n.width),
      Math.abs(p.y - n.y),
      Math.abs(p.y - n.y - n.height),
    );
    return inside && edge <= 1;
  };
  for (const e of layout.edges) {
    expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect(onBorder(e.from, e.points[0]), `${e.from}>${e.to} starts at ${e.from}`).toBe(true);
    expect(onBorder(e.to, e.points[e.points.length - 1]), `${e.from}>${e.to} ends at ${e.to}`).toBe(true);
  }
  // Groups are columns: every task of a lower group stands left of every task of a higher one.
  for (const a of layout.groups)
    for (const b of layout.groups) if (a.group < b.group) expect(a.x + a.width).toBeLessThanOrEqual(b.x);
  expect(JSON.parse(JSON.stringify(layout))).toEqual(layout);
}

describe('layoutGraph', () => {
  it('places every task of a random DAG apart, edges from box to box, groups as columns, the same twice (elkjs)', async () => {
    await fc.assert(
      fc.asyncProperty(randomDag(14), async (dag) => {
        const graph = ExecutionGraph.fromPlan(workflow(dagTasks(dag)));
        const layout = await layoutGraph(graph);
        expect(layout.engine).toBe('elk');
        checkLayout(graph, layout);
        expect(await layoutGraph(graph)).toEqual(layout);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('holds the same invariants for the columns layout of random DAGs', async () => {
    await fc.assert(
      fc.asyncProperty(randomDag(40), async (dag) => {
        const graph = ExecutionGraph.fromPlan(workflow(dagTasks(dag)));
        const layout = await layoutGraph(graph, { elkMaxTasks: 0 });
        expect(layout.engine).toBe('columns');
        checkLayout(graph, layout);
        expect(await layoutGraph(graph, { elkMaxTasks: 0 })).toEqual(layout);
      }),
      { numRuns: 100 },
    );
  });

  it('lays a 2,000-task plan out with the columns layering, every task placed', async () => {
    const graph = ExecutionGraph.fromPlan(largePlan(2000));
    const layout = await layoutGraph(graph);
    expect(layout.engine).toBe('columns');
    expect(layout.nodes).toHaveLength(2000);
    expect(new Set(layout.nodes.map((n) => `${n.x},${n.y}`)).size).toBe(2000);
  });
});
