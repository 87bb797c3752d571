import { DependencyResolver } from '../graph/dependency-resolver.js';
import { countByType, type TypedEdge } from '../graph/edge-types.js';
import type { ExecutionGraph } from '../graph/execution-graph.js';
import type { DependencyType } from '../graph/typed-dependencies.js';

/** The facts `validate` and `graph --json` report about a graph. */
export interface GraphSummary {
  tasks: number;
  dependencies: number;
  ref_implied_dependencies: number;
  /** Edges by type (see `typedEdges`): every type, zero or not. */
  dependencies_by_type: Record<DependencyType, number>;
  refs: number;
  groups: number;
  group_source: 'planner' | 'computed';
  max_parallel_width: number;
  depth: number;
  critical_path: { tasks: readonly string[]; weight: number };
}

/** Counts and analyses of a graph, for people and for `--json`. */
export function summarize(graph: ExecutionGraph, edges: readonly TypedEdge[] = graph.typedEdges()): GraphSummary {
  let dependencies = 0;
  let implied = 0;
  for (const id of graph.taskIds()) {
    const declared = graph.task(id)?.depends_on ?? [];
    for (const dep of graph.dependenciesOf(id)) {
      dependencies++;
      if (!declared.includes(dep)) implied++;
    }
  }
  const groups = graph.groups();
  return {
    tasks: graph.size,
    dependencies,
    ref_implied_dependencies: implied,
    dependencies_by_type: countByType(edges),
    refs: graph.refs().size,
    groups: groups.length,
    group_source: graph.groupSource,
    max_parallel_width: graph.maxParallelWidth(),
    depth: graph.depth(),
    critical_path: graph.criticalPath(),
  };
}

/** Human lines about a valid graph: counts, warnings, and what the dependency resolver noticed. */
export function describe(graph: ExecutionGraph, summary: GraphSummary = summarize(graph)): string[] {
  const s = summary;
  const lines = [
    `  tasks ${s.tasks} · dependencies ${s.dependencies}${s.ref_implied_dependencies ? ` (${s.dependencies - s.ref_implied_dependencies} declared, ${s.ref_implied_dependencies} implied by the refs tasks read)` : ''} · refs ${s.refs}`,
    `  by type: data ${s.dependencies_by_type.data} · logical ${s.dependencies_by_type.logical} · resource ${s.dependencies_by_type.resource}`,
    `  groups ${s.groups} (${s.group_source === 'planner' ? "the planner's" : 'computed levels'}) · widest group ${s.max_parallel_width} · depth ${s.depth}`,
    `  critical path (weight ${s.critical_path.weight}): ${s.critical_path.tasks.join(' → ')}`,
  ];
  for (const w of graph.warnings) lines.push(`  warning [${w.reason}]: ${w.message}`);
  const report = new DependencyResolver(graph).analyze();
  for (const e of report.missing)
    lines.push(
      `  note: ${e.task_id} reads ${e.ref_id} from ${e.depends_on} but does not depend on it; Switchyard orders it after ${e.depends_on} anyway.`,
    );
  for (const e of report.redundant)
    lines.push(
      `  note: ${e.task_id}'s dependency on ${e.depends_on} is redundant: another of its dependencies already needs ${e.depends_on}.`,
    );
  return lines;
}
