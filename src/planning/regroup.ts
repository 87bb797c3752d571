import { ExecutionGraph } from '../graph/execution-graph.js';
import type { Result } from '../protocol/errors.js';
import type { PlanMessage, TaskSpec } from '../protocol/plan.js';

type Workflow = PlanMessage['output']['content']['workflow'];

/** The tasks of a plan message, in plan order, whether it keys them by id or lists them. */
export function planTasks(plan: PlanMessage): TaskSpec[] {
  const { tasks } = plan.output.content.workflow;
  return Array.isArray(tasks) ? [...tasks] : Object.values(tasks);
}

/** `plan` with its workflow replaced by `workflow`, everything else as it was. */
export function withWorkflow(plan: PlanMessage, workflow: Workflow): PlanMessage {
  return { ...plan, output: { ...plan.output, content: { ...plan.output.content, workflow } } };
}

/** What an execution group holds, by task type (`code writing, testing`): empty when no task says its type. */
function describeGroup(tasks: readonly TaskSpec[]): string {
  const types = new Set<string>();
  for (const t of tasks) if (typeof t.task_type === 'string') types.add(t.task_type.replace('_', ' '));
  return [...types].join(', ');
}

/**
 * Recomputes a plan's execution groups from its dependencies: each task's `execution_group`
 * becomes its level (1 + the deepest group it depends on), and `execution_groups`,
 * `execution_order` and `total_tasks` are written to match, in the shape the planner writes
 * (tasks keyed by id stay keyed, listed ones stay listed). Whatever groups the plan had are
 * dropped first — after dependencies change they may contradict them. The result is checked
 * as any plan is; a plan whose dependencies are wrong (a cycle, an unknown task) gets the
 * graph's error.
 *
 * @example
 * const plan = regroup(withNewDependency); // { ok: true, value: plan whose groups follow its dependencies }
 */
export function regroup(plan: PlanMessage): Result<PlanMessage> {
  const workflow = plan.output.content.workflow;
  const bare = planTasks(plan).map(({ execution_group, ...task }) => task);
  const { execution_groups, execution_order, ...rest } = workflow;
  const graph = ExecutionGraph.tryFromPlan(withWorkflow(plan, { ...rest, tasks: bare }));
  if (!graph.ok) return graph;
  const grouped: TaskSpec[] = bare.map((t) => ({ ...t, execution_group: graph.value.groupOf(t.id) }));
  const byId = new Map(grouped.map((t) => [t.id, t]));
  const groups: Record<string, { tasks: string[]; description?: string; parallel: boolean }> = {};
  for (const g of graph.value.groups()) {
    const description = describeGroup(g.tasks.map((id) => byId.get(id) as TaskSpec));
    groups[String(g.group)] = {
      tasks: [...g.tasks],
      ...(description ? { description } : {}),
      parallel: g.tasks.length > 1,
    };
  }
  const next = withWorkflow(plan, {
    ...workflow,
    tasks: Array.isArray(workflow.tasks) ? grouped : Object.fromEntries(grouped.map((t) => [t.id, t])),
    execution_order: Object.values(groups).flatMap((g) => g.tasks),
    execution_groups: groups,
    total_tasks: grouped.length,
  });
  const checked = ExecutionGraph.tryFromPlan(next);
  return checked.ok ? { ok: true, value: next } : checked;
}
