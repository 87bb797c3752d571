import { type Result, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { type TaskSpec, type TaskSpecInput, TaskSpecSchema } from '../protocol/plan.js';
import { checkAddedTask } from './added-task-check.js';
import { buildGraphSteps } from './build-graph.js';
import { fromLists, hasEdge, row, toLists, transpose } from './csr.js';
import { type TypedEdge, typedEdges } from './edge-types.js';
import { edgeKey, type GraphData, idsOf } from './graph-data.js';
import { type MermaidOptions, toMermaid } from './mermaid.js';
import { type DeclaredRef, type PlanInput, readPlan } from './plan-input.js';
import { type GraphWarning, problemError } from './problems.js';
import { runSteps, type Steps } from './steps.js';
import { findPath, type Topology, topology } from './topology.js';
import { type GraphOptions, resolveWeights, type WeightOf } from './weights.js';

/** What modules of `graph/` may see of a graph beyond its public API. */
export interface GraphInternals {
  readonly data: GraphData;
  topology(): Topology;
}

const internalsOf = new WeakMap<ExecutionGraph, GraphInternals>();

/** The storage and topology behind a graph, for the analyses of `graph/` (not public). */
export function graphInternals(graph: ExecutionGraph): GraphInternals {
  return internalsOf.get(graph) as GraphInternals;
}

/** The longest weighted path through the graph. */
export interface CriticalPath {
  /** Task ids from first to last. */
  readonly tasks: readonly string[];
  /** Sum of the tasks' weights. */
  readonly weight: number;
}

/** One execution group and its tasks, in plan order. */
export interface ExecutionGroup {
  readonly group: number;
  readonly tasks: readonly string[];
}

/**
 * The workflow DAG of a plan: validated when built, analysed in linear time, editable.
 * An edge `a → b` means b depends on a — declared in `depends_on`, or implied because b
 * reads a ref that only a produces.
 *
 * @example
 * const graph = ExecutionGraph.fromPlan(JSON.parse(planText)); // throws SwitchyardError on a bad plan
 * graph.groups();        // [{ group: 1, tasks: ['task_1'] }, …]
 * graph.criticalPath();  // { tasks: ['task_1', 'task_2', …], weight: 17 }
 * graph.toMermaid({ status: { task_5: 'failed' } });
 */
export class ExecutionGraph {
  /** Oddities that do not stop the plan from running (total_tasks mismatch, …). */
  readonly warnings: readonly GraphWarning[];
  readonly #data: GraphData;
  readonly #weightOf: WeightOf;
  #topology: Topology | undefined;
  #live: number;

  private constructor(
    data: GraphData,
    weightOf: WeightOf,
    warnings: readonly GraphWarning[],
    topo: Topology | undefined,
  ) {
    this.#data = data;
    this.#weightOf = weightOf;
    this.warnings = warnings;
    this.#topology = topo;
    this.#live = data.slots;
    internalsOf.set(this, { data, topology: () => this.#topo() });
  }

  /**
   * Builds and validates a graph from a plan (a planning agent message or a bare workflow).
   * Every problem found is in `error.details.problems`; the error carries the first one's code.
   */
  static tryFromPlan(plan: unknown, options?: GraphOptions): Result<ExecutionGraph> {
    const input = readPlan(plan);
    return input.ok ? ExecutionGraph.tryFromInput(input.value, options) : input;
  }

  /** Like {@link tryFromPlan}, for a plan already read with `readPlan`. */
  static tryFromInput(input: PlanInput, options?: GraphOptions): Result<ExecutionGraph> {
    return runSteps(ExecutionGraph.tryFromInputSteps(input, options));
  }

  /** {@link tryFromInput} as {@link Steps}, pausing between chunks of tasks (to build a large plan's graph in time slices). */
  static *tryFromInputSteps(input: PlanInput, options?: GraphOptions): Steps<Result<ExecutionGraph>> {
    const weights = resolveWeights(options);
    if (!weights.ok) return weights;
    const { data, list, topology: topo } = yield* buildGraphSteps(input, weights.value);
    if (!list.empty) return { ok: false, error: list.toError() };
    return { ok: true, value: new ExecutionGraph(data, weights.value, list.warnings, topo) };
  }

  /** Like {@link tryFromPlan}, throwing the {@link SwitchyardError}. */
  static fromPlan(plan: unknown, options?: GraphOptions): ExecutionGraph {
    const built = ExecutionGraph.tryFromPlan(plan, options);
    if (!built.ok) throw built.error;
    return built.value;
  }

  /** Number of tasks. */
  get size(): number {
    return this.#live;
  }

  /** Whether groups come from the planner (checked against dependencies) or are computed levels. */
  get groupSource(): 'planner' | 'computed' {
    return this.#data.plannerGroups ? 'planner' : 'computed';
  }

  /** Task ids in plan order (tasks added later come last). */
  taskIds(): string[] {
    const d = this.#data;
    const out: string[] = [];
    for (let v = 0; v < d.slots; v++) if (d.alive[v]) out.push(d.ids[v]);
    return out;
  }

  has(id: string): boolean {
    return this.#data.index.has(id);
  }

  /** The task's spec; its `depends_on` reflects edits. */
  task(id: string): TaskSpec | undefined {
    const v = this.#data.index.get(id);
    return v === undefined ? undefined : this.#data.tasks[v];
  }

  /** Tasks `id` depends on, declared or implied by refs. */
  dependenciesOf(id: string): string[] {
    return idsOf(this.#data, row(this.#data.preds, this.#slot(id)));
  }

  /** Tasks that depend on `id`. */
  dependentsOf(id: string): string[] {
    return idsOf(this.#data, row(this.#data.succs, this.#slot(id)));
  }

  /** The ref through which `from → to` is implied, if `to` reads a ref only `from` produces. */
  edgeRef(from: string, to: string): string | undefined {
    return this.#data.refEdges.get(edgeKey(this.#slot(from), this.#slot(to)));
  }

  /** Every ref: declared in `resources`, or registered as pending because a task produces it. */
  refs(): ReadonlyMap<string, DeclaredRef> {
    return this.#data.refs;
  }

  /** Tasks that produce `refId`. */
  producersOf(refId: string): string[] {
    return idsOf(this.#data, this.#data.producers.get(refId) ?? []);
  }

  /** The critical-path weight of one task. */
  weightOf(id: string): number {
    return this.#data.weights[this.#slot(id)];
  }

  /** A topological order (Kahn, ties by plan order): every task after all it depends on. */
  topologicalOrder(): string[] {
    return idsOf(this.#data, this.#topo().order);
  }

  /** The task's execution group: the planner's, or its level (1 + deepest dependency's). */
  groupOf(id: string): number {
    const v = this.#slot(id);
    return this.#data.plannerGroups ? this.#data.plannerGroups[v] : this.#topo().levels[v];
  }

  /** Execution groups in ascending order, each with its tasks in plan order. */
  groups(): ExecutionGroup[] {
    const d = this.#data;
    const source = d.plannerGroups ?? this.#topo().levels;
    const byGroup = new Map<number, string[]>();
    for (let v = 0; v < d.slots; v++) {
      if (!d.alive[v]) continue;
      const g = source[v];
      const list = byGroup.get(g);
      if (list) list.push(d.ids[v]);
      else byGroup.set(g, [d.ids[v]]);
    }
    return [...byGroup.entries()].sort((a, b) => a[0] - b[0]).map(([group, tasks]) => ({ group, tasks }));
  }

  /** The most tasks any one execution group holds. */
  maxParallelWidth(): number {
    let width = 0;
    for (const g of this.groups()) width = Math.max(width, g.tasks.length);
    return width;
  }

  /** Number of levels: the longest chain of dependencies, in tasks. */
  depth(): number {
    return this.#topo().depth;
  }

  /** The longest path by task weight (ties go to the earlier task in plan order). */
  criticalPath(): CriticalPath {
    const d = this.#data;
    const { order } = this.#topo();
    const dist = new Float64Array(d.slots);
    const via = new Int32Array(d.slots).fill(-1);
    let end = -1;
    for (let k = 0; k < order.length; k++) {
      const v = order[k];
      let best = 0;
      let arg = -1;
      for (let k = d.preds.start[v], end = d.preds.start[v + 1]; k < end; k++) {
        const u = d.preds.list[k];
        if (dist[u] > best || (dist[u] === best && u < arg)) {
          best = dist[u];
          arg = u;
        }
      }
      via[v] = arg;
      dist[v] = best + d.weights[v];
      if (end === -1 || dist[v] > dist[end] || (dist[v] === dist[end] && v < end)) end = v;
    }
    const path: number[] = [];
    for (let v = end; v !== -1; v = via[v]) path.push(v);
    return { tasks: idsOf(d, path.reverse()), weight: end === -1 ? 0 : dist[end] };
  }

  /**
   * Adds a task. Its dependencies and input refs must exist; with planner groups it needs an
   * `execution_group` later than those of the tasks it depends on.
   * @throws SwitchyardError `INVALID_INPUT` (schema), `INVALID_ID` (its id or an output ref), `VALIDATION_ERROR` (unknown id/ref, group order)
   */
  addTask(spec: TaskSpecInput): void {
    const parsed = parseWith(TaskSpecSchema, spec, 'task');
    if (!parsed.ok) throw parsed.error;
    const task = parsed.value;
    const d = this.#data;
    const { preds: ps, via } = checkAddedTask(d, task);
    const v = this.#grow();
    d.ids[v] = task.id;
    d.index.set(task.id, v);
    d.tasks[v] = task;
    d.weights[v] = this.#weightOf(task.estimated_weight);
    this.#relink((preds) => {
      preds[v] = ps;
    });
    for (const [u, ref] of via) d.refEdges.set(edgeKey(u, v), ref);
    if (d.plannerGroups) d.plannerGroups[v] = task.execution_group as number;
    for (const ref of task.output_refs) {
      if (!d.refs.has(ref)) d.refs.set(ref, { ref_id: ref, kind: 'derived', storage_uri: null, status: 'pending' });
      const made = d.producers.get(ref);
      if (made) made.push(v);
      else d.producers.set(ref, [v]);
    }
    this.#changed();
  }

  /**
   * Removes a task nothing depends on.
   * @throws SwitchyardError `VALIDATION_ERROR` when the task is unknown or others depend on it
   */
  removeTask(id: string): void {
    const d = this.#data;
    const v = this.#slot(id);
    const dependents = idsOf(d, row(d.succs, v));
    if (dependents.length > 0) {
      throw problemError(
        'has_dependents',
        `${id} cannot be removed: ${dependents.join(', ')} depend on it. Remove those dependencies (or tasks) first.`,
        { task_id: id, dependents },
      );
    }
    for (const u of row(d.preds, v)) d.refEdges.delete(edgeKey(u, v));
    for (const ref of (d.tasks[v] as TaskSpec).output_refs) {
      const rest = (d.producers.get(ref) ?? []).filter((w) => w !== v);
      if (rest.length > 0) d.producers.set(ref, rest);
      else d.producers.delete(ref);
    }
    d.index.delete(id);
    d.alive[v] = 0;
    d.ids[v] = '';
    d.tasks[v] = undefined;
    this.#relink((preds) => {
      preds[v] = [];
    });
    this.#live--;
    this.#changed();
  }

  /**
   * Makes `taskId` depend on `dependsOn`. Refused if it would close a cycle (the error names
   * it) or, with planner groups, if `dependsOn` is not in an earlier group.
   * @throws SwitchyardError `PROCESSING_ERROR` (cycle), `VALIDATION_ERROR` (unknown id, group order)
   */
  addDependency(taskId: string, dependsOn: string): void {
    const d = this.#data;
    const v = this.#slot(taskId);
    const u = this.#slot(dependsOn);
    if (u === v)
      throw problemError('self_dependency', `${taskId} cannot depend on itself: ${taskId} → ${taskId}.`, {
        task_id: taskId,
        cycle: [taskId, taskId],
      });
    const spec = d.tasks[v] as TaskSpec;
    if (spec.depends_on.includes(dependsOn)) return;
    if (!hasEdge(d.preds, v, u)) {
      const path = findPath(d, v, u);
      if (path) {
        const cycle = [...idsOf(d, path), taskId];
        throw problemError(
          'cycle',
          `Making ${taskId} depend on ${dependsOn} would close the cycle ${cycle.join(' → ')}.`,
          { cycle },
        );
      }
      const groups = d.plannerGroups;
      if (groups && groups[u] >= groups[v]) {
        throw problemError(
          'group_order',
          `${taskId} (group ${groups[v]}) cannot depend on ${dependsOn} (group ${groups[u]}); a task may only depend on tasks of earlier groups.`,
          { task_id: taskId, depends_on: dependsOn, groups: [groups[v], groups[u]] },
        );
      }
      this.#relink((preds) => {
        preds[v].push(u);
      });
    }
    d.tasks[v] = { ...spec, depends_on: [...spec.depends_on, dependsOn] };
    this.#changed();
  }

  /**
   * Removes a declared dependency. An edge that a ref also implies stays (the task still reads
   * what the other produces), and the call says so.
   * @throws SwitchyardError `VALIDATION_ERROR` when there is no such declared dependency or a ref implies it
   */
  removeDependency(taskId: string, dependsOn: string): void {
    const d = this.#data;
    const v = this.#slot(taskId);
    const u = this.#slot(dependsOn);
    const spec = d.tasks[v] as TaskSpec;
    if (!spec.depends_on.includes(dependsOn))
      throw problemError('unknown_dependency', `${taskId} does not declare a dependency on ${dependsOn}.`, {
        task_id: taskId,
        depends_on: dependsOn,
      });
    const ref = d.refEdges.get(edgeKey(u, v));
    if (ref !== undefined)
      throw problemError(
        'ref_dependency',
        `${taskId} reads ${ref}, which ${dependsOn} produces, so it keeps depending on ${dependsOn}; remove ${ref} from its input_refs first.`,
        { task_id: taskId, depends_on: dependsOn, ref_id: ref },
      );
    this.#relink((preds) => {
      preds[v] = preds[v].filter((w) => w !== u);
    });
    d.tasks[v] = { ...spec, depends_on: spec.depends_on.filter((x) => x !== dependsOn) };
    this.#changed();
  }

  /** Every edge with its type (`data`, `logical`, `resource`), origin and reason, tasks in plan order. */
  typedEdges(): TypedEdge[] {
    return typedEdges(this);
  }

  /** The graph as a Mermaid `flowchart`, optionally coloured by task status, edges drawn by type. */
  toMermaid(options: MermaidOptions = {}): string {
    return toMermaid(this, options);
  }

  #slot(id: string): number {
    const v = this.#data.index.get(id);
    if (v === undefined)
      throw problemError('unknown_task', `${JSON.stringify(id)} is not a task of this workflow.`, { task_id: id });
    return v;
  }

  #topo(): Topology {
    if (this.#topology) return this.#topology;
    const topo = topology(this.#data);
    if (!topo.ok)
      throw new SwitchyardError('PROCESSING_ERROR', 'Internal error: an edit left the graph cyclic.', {
        cycle: idsOf(this.#data, topo.cycle),
      });
    this.#topology = topo.value;
    return topo.value;
  }

  /**
   * Applies an edit to the predecessor rows and repacks both directions: O(tasks + edges) per
   * edit, which keeps the analyses on compact arrays.
   */
  #relink(edit: (preds: number[][]) => void): void {
    const d = this.#data;
    const preds = toLists(d.preds);
    while (preds.length < d.slots) preds.push([]);
    edit(preds);
    d.preds = fromLists(preds);
    d.succs = transpose(d.preds);
  }

  #grow(): number {
    const d = this.#data;
    const v = d.slots;
    if (v === d.alive.length) {
      const alive = new Uint8Array(Math.max(8, v * 2));
      alive.set(d.alive);
      d.alive = alive;
      const weights = new Float64Array(alive.length);
      weights.set(d.weights);
      d.weights = weights;
      if (d.plannerGroups) {
        const groups = new Int32Array(alive.length);
        groups.set(d.plannerGroups);
        d.plannerGroups = groups;
      }
    }
    d.alive[v] = 1;
    d.slots = v + 1;
    this.#live++;
    return v;
  }

  #changed(): void {
    this.#topology = undefined;
  }
}
