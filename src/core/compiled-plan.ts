import { type Csr, CsrBuilder, transpose } from '../graph/csr.js';
import { ExecutionGraph, graphInternals } from '../graph/execution-graph.js';
import type { GraphData } from '../graph/graph-data.js';
import type { PlanInput, RefKind } from '../graph/plan-input.js';
import { pauseAt, runSteps, type Steps } from '../graph/steps.js';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import type { TaskSpec } from '../protocol/plan.js';
import type { RefStatus } from '../protocol/refs.js';
import type { ResolvedOptions } from './options.js';
import { routeOf } from './routing.js';

/** Ref statuses in the order the compact arrays number them. */
export const REF_STATUSES = ['reference', 'pending', 'stored', 'created'] as const satisfies readonly RefStatus[];
export const R = { reference: 0, pending: 1, stored: 2, created: 3 } as const;

/**
 * Everything about a plan that does not change during a run, in dense arrays: tasks and refs
 * by index, adjacency both ways, groups, routes. Built once per run from a validated graph.
 */
export interface CompiledPlan {
  readonly input: PlanInput;
  readonly graph: ExecutionGraph;
  readonly n: number;
  readonly ids: readonly string[];
  readonly tasks: readonly TaskSpec[];
  readonly index: (id: string) => number | undefined;
  readonly preds: Csr;
  readonly succs: Csr;
  /** Group number per task, and its ordinal among the distinct groups. */
  readonly group: Int32Array;
  readonly groupOrd: Int32Array;
  /** Group number per ordinal, and the tasks of each ordinal in plan order. */
  readonly groupNumbers: Int32Array;
  readonly groupTasks: Csr;
  /** Routing rule per task and the capability that matched it. */
  readonly route: Int32Array;
  readonly routeCapability: readonly string[];
  /** 1 for fusion tasks (may run on partial input). */
  readonly fusion: Uint8Array;
  readonly refIds: readonly string[];
  readonly refIndex: ReadonlyMap<string, number>;
  readonly refKind: readonly RefKind[];
  readonly refAsset: ReadonlyArray<string | undefined>;
  readonly refStatus0: Uint8Array;
  readonly refUri0: ReadonlyArray<string | null>;
  /** Task → distinct input refs; task → output refs; ref → readers; ref → producers. */
  readonly inputs: Csr;
  readonly outputs: Csr;
  readonly readers: Csr;
  readonly producers: Csr;
}

function* refLists(
  n: number,
  tasks: readonly TaskSpec[],
  refIndex: ReadonlyMap<string, number>,
  field: 'input_refs' | 'output_refs',
): Steps<Csr> {
  const builder = new CsrBuilder(n, n);
  const seen = new Int32Array(refIndex.size).fill(-1);
  for (let v = 0; v < n; v++) {
    if (pauseAt(v)) yield;
    for (const ref of tasks[v][field]) {
      const r = refIndex.get(ref) as number;
      if (seen[r] === v) continue;
      seen[r] = v;
      builder.push(r);
    }
    builder.endRow();
  }
  return builder.finish();
}

/** Validates a plan read with `readPlan` and compiles it; every refusal is a coded error. */
export function compilePlan(input: PlanInput, options: ResolvedOptions): Result<CompiledPlan> {
  return runSteps(compilePlanSteps(input, options));
}

/**
 * {@link compilePlan} as {@link Steps}: it pauses every `PAUSE_EVERY` tasks of each pass, so
 * a large plan can be compiled in time slices without blocking the event loop.
 */
export function* compilePlanSteps(input: PlanInput, options: ResolvedOptions): Steps<Result<CompiledPlan>> {
  const built = yield* ExecutionGraph.tryFromInputSteps(input);
  if (!built.ok) return built;
  const graph = built.value;
  const { data } = graphInternals(graph);
  const n = data.slots;
  const tasks = data.tasks as TaskSpec[];
  const routed = yield* routeTasks(data, options);
  if (!routed.ok) return routed;
  const { route, routeCapability, fusion } = routed.value;
  const { group, groupOrd, groupNumbers, groupTasks } = yield* groupTasksOf(graph, data);
  const { refIds, refIndex, refKind, refAsset, refStatus0, refUri0 } = yield* refTable(data);
  const inputs = yield* refLists(n, tasks, refIndex, 'input_refs');
  const outputs = yield* refLists(n, tasks, refIndex, 'output_refs');
  yield;
  return {
    ok: true,
    value: {
      input,
      graph,
      n,
      ids: data.ids,
      tasks,
      index: (id) => data.index.get(id),
      preds: data.preds,
      succs: data.succs,
      group,
      groupOrd,
      groupNumbers,
      groupTasks,
      route,
      routeCapability,
      fusion,
      refIds,
      refIndex,
      refKind,
      refAsset,
      refStatus0,
      refUri0,
      inputs,
      outputs,
      readers: transpose(inputs, refIds.length),
      producers: transpose(outputs, refIds.length),
    },
  };
}

/** The routing pass: each task's rule and matched capability, and whether it is a fusion task. */
function* routeTasks(
  data: GraphData,
  options: ResolvedOptions,
): Steps<Result<Pick<CompiledPlan, 'route' | 'routeCapability' | 'fusion'>>> {
  const n = data.slots;
  const tasks = data.tasks as TaskSpec[];
  const route = new Int32Array(n);
  const routeCapability: string[] = new Array<string>(n);
  const fusion = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    if (pauseAt(v)) yield;
    const caps = tasks[v].capability_ids;
    const found = routeOf(options.routes, caps);
    if (!found) {
      return {
        ok: false,
        error: new SwitchyardError(
          ErrorCodes.VALIDATION_ERROR,
          `${data.ids[v]} has capabilities ${caps.join(', ')}, which no routing rule serves; rules cover ${options.routes.map((r) => `${r.prefix}*`).join(', ')}.`,
          { task_id: data.ids[v], capability_ids: caps },
        ),
      };
    }
    route[v] = found.rule;
    routeCapability[v] = found.capability;
    if (caps.some((c) => options.fusionPrefixes.some((p) => c.startsWith(p)))) fusion[v] = 1;
  }
  return { ok: true, value: { route, routeCapability, fusion } };
}

/** The group pass: each task's group (the planner's or its level), the groups' ordinals, and their tasks. */
function* groupTasksOf(
  graph: ExecutionGraph,
  data: GraphData,
): Steps<Pick<CompiledPlan, 'group' | 'groupOrd' | 'groupNumbers' | 'groupTasks'>> {
  const n = data.slots;
  const groupSource =
    graph.groupSource === 'planner' ? (data.plannerGroups as Int32Array) : graphInternals(graph).topology().levels;
  const group = groupSource.slice(0, n);
  const distinct = [...new Set(group)].sort((a, b) => a - b);
  const ordOf = new Map(distinct.map((g, i) => [g, i]));
  const groupOrd = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    if (pauseAt(v)) yield;
    groupOrd[v] = ordOf.get(group[v]) as number;
  }
  const byOrd = new CsrBuilder(n, n);
  // Transposing task → ordinal gives ordinal → tasks in plan order.
  for (let v = 0; v < n; v++) {
    byOrd.push(groupOrd[v]);
    byOrd.endRow();
  }
  const groupTasks = transpose(byOrd.finish(), distinct.length);
  yield;
  return { group, groupOrd, groupNumbers: Int32Array.from(distinct), groupTasks };
}

/** The ref pass: every ref of the graph numbered, with its kind, asset type and initial status and URI. */
function* refTable(
  data: GraphData,
): Steps<Pick<CompiledPlan, 'refIds' | 'refIndex' | 'refKind' | 'refAsset' | 'refStatus0' | 'refUri0'>> {
  const refCount = data.refs.size;
  const refIds = new Array<string>(refCount);
  const refIndex = new Map<string, number>();
  const refKind = new Array<RefKind>(refCount);
  const refAsset = new Array<string | undefined>(refCount);
  const refStatus0 = new Uint8Array(refCount);
  const refUri0 = new Array<string | null>(refCount);
  let r = 0;
  for (const [id, decl] of data.refs) {
    if (pauseAt(r)) yield;
    refIds[r] = id;
    refIndex.set(id, r);
    refKind[r] = decl.kind;
    refAsset[r] = decl.asset_type;
    refStatus0[r] = R[decl.status];
    refUri0[r] = decl.storage_uri;
    r++;
  }
  return { refIds, refIndex, refKind, refAsset, refStatus0, refUri0 };
}
