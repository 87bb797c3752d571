import type { ExecutionGraph } from './execution-graph.js';
import {
  DEPENDENCY_TYPES,
  type DependencyOrigin,
  type DependencyType,
  stronger,
  type TypedDependency,
  TypedDependencySchema,
} from './typed-dependencies.js';

/** One edge of a graph with why it is there: `task_id` waits for `depends_on`. */
export interface TypedEdge {
  /** The task that waits. */
  readonly task_id: string;
  /** The task it waits for. */
  readonly depends_on: string;
  readonly type: DependencyType;
  readonly origin: DependencyOrigin;
  readonly reason: string;
  /** For a `data` edge, the ref `task_id` reads from `depends_on` (when one is known). */
  readonly ref_id?: string;
  /** For a `resource` edge, the exclusive resource the two take turns on. */
  readonly resource?: string;
}

/** What {@link typedEdgesOf} reads of a graph: an {@link ExecutionGraph} is one. */
export type EdgeTypeSource = Pick<ExecutionGraph, 'task' | 'dependenciesOf' | 'edgeRef' | 'producersOf'>;

/** The well-formed `dependencies` entries of a task, the strongest per task it names. Malformed entries are skipped. */
function listedOf(dependencies: unknown): Map<string, TypedDependency> {
  const out = new Map<string, TypedDependency>();
  if (!Array.isArray(dependencies)) return out;
  for (const entry of dependencies) {
    const parsed = TypedDependencySchema.safeParse(entry);
    if (parsed.success) out.set(parsed.data.task_id, stronger(out.get(parsed.data.task_id), parsed.data));
  }
  return out;
}

/**
 * The ref `id` reads from each task that produces one of its input refs (the first such ref
 * in `input_refs` order), producers of shared refs included. Built only for a task that has an
 * edge {@link ExecutionGraph.edgeRef} does not explain.
 */
function sharedRefs(graph: EdgeTypeSource, id: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const ref of graph.task(id)?.input_refs ?? []) {
    for (const producer of graph.producersOf(ref)) if (!out.has(producer)) out.set(producer, ref);
  }
  return out;
}

/**
 * The type, origin and reason of every edge into `taskId`, in {@link ExecutionGraph.dependenciesOf}
 * order. An edge whose task lists it in `dependencies` takes that entry (the strongest, if it is
 * listed twice); an edge without one is `data` (origin `inferred`) when the waiting task reads a
 * ref the other produces, and a declared `logical` one otherwise — which is how plans from
 * planners that write no `dependencies` read. A ref read wins over an entry that calls the edge
 * `logical` or `resource`: the task still needs the input, so the edge cannot be dropped like a
 * logical one. O(dependencies + dependencies entries + input refs) for the task.
 */
export function typedEdgesOf(graph: EdgeTypeSource, taskId: string): TypedEdge[] {
  const task = graph.task(taskId);
  const listed = listedOf(task?.dependencies);
  let shared: Map<string, string> | undefined;
  return graph.dependenciesOf(taskId).map((from): TypedEdge => {
    let ref = graph.edgeRef(from, taskId);
    if (ref === undefined) ref = (shared ??= sharedRefs(graph, taskId)).get(from);
    const entry = listed.get(from);
    if (entry !== undefined && (entry.type === 'data' || ref === undefined)) {
      const ref_id = entry.ref_id ?? (entry.type === 'data' ? ref : undefined);
      return {
        task_id: taskId,
        depends_on: from,
        type: entry.type,
        origin: entry.origin,
        reason: entry.reason,
        ...(ref_id === undefined ? {} : { ref_id }),
        ...(entry.resource === undefined ? {} : { resource: entry.resource }),
      };
    }
    if (ref !== undefined)
      return {
        task_id: taskId,
        depends_on: from,
        type: 'data',
        origin: 'inferred',
        reason: `reads ${ref}, which ${from} produces`,
        ref_id: ref,
      };
    return { task_id: taskId, depends_on: from, type: 'logical', origin: 'declared', reason: 'declared in depends_on' };
  });
}

/** Every edge of the graph with its type ({@link typedEdgesOf}), tasks in plan order. O(tasks + edges + refs read). */
export function typedEdges(graph: EdgeTypeSource & Pick<ExecutionGraph, 'taskIds'>): TypedEdge[] {
  return graph.taskIds().flatMap((id) => typedEdgesOf(graph, id));
}

/** How many edges there are of each type (every type present, zero or not). */
export function countByType(edges: Iterable<Pick<TypedEdge, 'type'>>): Record<DependencyType, number> {
  const counts = Object.fromEntries(DEPENDENCY_TYPES.map((t) => [t, 0])) as Record<DependencyType, number>;
  for (const e of edges) counts[e.type]++;
  return counts;
}
