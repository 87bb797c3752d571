import type { TaskSpec } from '../protocol/plan.js';
import type { ExecutionGraph } from './execution-graph.js';
import { graphInternals } from './execution-graph.js';
import { row } from './csr.js';
import { edgeKey, type GraphData, idsOf } from './graph-data.js';

/** A dependency `task_id → depends_on`, with the ref that implies it when there is one. */
export interface DependencyEdge {
  readonly task_id: string;
  readonly depends_on: string;
  readonly ref_id?: string;
}

/** What the refs of a plan say about its dependencies. */
export interface DependencyReport {
  /** Per task, the dependencies its input refs imply (the sole producer of each ref it reads). */
  readonly inferred: ReadonlyMap<string, readonly string[]>;
  /** Refs that more than one task produces. */
  readonly multipleProducers: ReadonlyArray<{ readonly ref_id: string; readonly producers: readonly string[] }>;
  /** Declared dependencies already implied through other dependencies (removable). */
  readonly redundant: readonly DependencyEdge[];
  /** Dependencies a ref implies that the declared `depends_on` do not cover, even transitively. */
  readonly missing: readonly DependencyEdge[];
}

/**
 * Dependency analysis of a graph: which dependencies its refs imply, which declared ones are
 * redundant (the transitive reduction) and which the plan forgot.
 *
 * Inference and the forgotten-dependency check are linear. Redundancy needs reachability
 * between each task's direct dependencies; it searches ancestors only down to the lowest level
 * among them, which keeps it near-linear on layered plans, but is O(n·m) in the worst case —
 * no algorithm does transitive reduction in linear time in general.
 *
 * @example
 * const report = new DependencyResolver(graph).analyze();
 * report.missing; // [{ task_id: 'task_12', depends_on: 'task_7', ref_id: 'derived_3' }] when task_12 forgot it
 */
export class DependencyResolver {
  readonly #graph: ExecutionGraph;

  constructor(graph: ExecutionGraph) {
    this.#graph = graph;
  }

  /** Everything at once. */
  analyze(): DependencyReport {
    return {
      inferred: this.inferredDependencies(),
      multipleProducers: this.multipleProducers(),
      redundant: this.redundantDependencies(),
      missing: this.missingDependencies(),
    };
  }

  /** Per task (all tasks, plan order), the producers of the refs it reads, in input_refs order. */
  inferredDependencies(): Map<string, string[]> {
    const { data } = graphInternals(this.#graph);
    const out = new Map<string, string[]>();
    forEachTask(data, (v, task) => {
      const deps: string[] = [];
      for (const ref of task.input_refs) {
        const made = data.producers.get(ref);
        if (made?.length !== 1 || made[0] === v) continue;
        const id = data.ids[made[0]];
        if (!deps.includes(id)) deps.push(id);
      }
      out.set(task.id, deps);
    });
    return out;
  }

  /** Refs with more than one producer. */
  multipleProducers(): Array<{ ref_id: string; producers: string[] }> {
    const { data } = graphInternals(this.#graph);
    const out: Array<{ ref_id: string; producers: string[] }> = [];
    for (const [ref_id, made] of data.producers)
      if (made.length > 1) out.push({ ref_id, producers: idsOf(data, made) });
    return out;
  }

  /** Ref-implied dependencies not reachable through declared `depends_on` edges alone. */
  missingDependencies(): DependencyEdge[] {
    const { data } = graphInternals(this.#graph);
    const declared = declaredPreds(data);
    const stamp = new Int32Array(data.slots);
    const out: DependencyEdge[] = [];
    let search = 0;
    forEachTask(data, (v, task) => {
      for (const u of row(data.preds, v)) {
        const ref = data.refEdges.get(edgeKey(u, v));
        if (ref === undefined || task.depends_on.includes(data.ids[u])) continue;
        if (!reaches(declared, v, u, stamp, ++search))
          out.push({ task_id: task.id, depends_on: data.ids[u], ref_id: ref });
      }
    });
    return out;
  }

  /** Declared dependencies `v → u` where u is also an ancestor of another dependency of v. */
  redundantDependencies(): DependencyEdge[] {
    const { data, topology } = graphInternals(this.#graph);
    const { levels } = topology();
    const isPred = new Int32Array(data.slots);
    const seen = new Int32Array(data.slots);
    const out: DependencyEdge[] = [];
    forEachTask(data, (v, task) => {
      const ps = row(data.preds, v);
      if (ps.length < 2) return;
      const mark = v + 1;
      let floor = Number.MAX_SAFE_INTEGER;
      for (const u of ps) {
        isPred[u] = mark;
        floor = Math.min(floor, levels[u]);
      }
      const redundant = new Set<number>();
      const stack: number[] = [];
      for (const q of ps) for (const a of row(data.preds, q)) stack.push(a);
      while (stack.length > 0) {
        const x = stack.pop() as number;
        if (seen[x] === mark || levels[x] < floor) continue;
        seen[x] = mark;
        if (isPred[x] === mark) redundant.add(x);
        for (const a of row(data.preds, x)) stack.push(a);
      }
      for (const u of ps) {
        if (redundant.has(u) && task.depends_on.includes(data.ids[u]))
          out.push({ task_id: task.id, depends_on: data.ids[u] });
      }
    });
    return out;
  }

  /** The plan's tasks with `depends_on` completed from the refs and stripped of redundant entries. */
  normalizedTasks(): TaskSpec[] {
    const { data } = graphInternals(this.#graph);
    const drop = new Set(this.redundantDependencies().map((e) => `${e.task_id}>${e.depends_on}`));
    const out: TaskSpec[] = [];
    forEachTask(data, (v, task) => {
      const all = new Set([...task.depends_on, ...idsOf(data, row(data.preds, v))]);
      const depends_on = [...all].filter((dep) => !drop.has(`${task.id}>${dep}`));
      out.push({ ...task, depends_on });
    });
    return out;
  }
}

function forEachTask(data: GraphData, fn: (v: number, task: TaskSpec) => void): void {
  for (let v = 0; v < data.slots; v++) {
    const task = data.tasks[v];
    if (data.alive[v] && task) fn(v, task);
  }
}

function declaredPreds(data: GraphData): number[][] {
  const out: number[][] = Array.from({ length: data.slots }, () => []);
  forEachTask(data, (v, task) => {
    for (const dep of task.depends_on) {
      const u = data.index.get(dep);
      if (u !== undefined) out[v].push(u);
    }
  });
  return out;
}

/** Whether `target` is an ancestor of `from` along `preds`. `stamp`/`mark` avoid clearing between calls. */
function reaches(preds: number[][], from: number, target: number, stamp: Int32Array, mark: number): boolean {
  const stack = [...preds[from]];
  while (stack.length > 0) {
    const x = stack.pop() as number;
    if (x === target) return true;
    if (stamp[x] === mark) continue;
    stamp[x] = mark;
    for (const a of preds[x]) stack.push(a);
  }
  return false;
}
