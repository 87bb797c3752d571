import { z } from 'zod';
import { ExecutionGraph } from '../graph/execution-graph.js';
import { findCycle, type TypedDependency } from '../graph/typed-dependencies.js';
import type { Result } from '../protocol/errors.js';
import type { PlanMessage, TaskSpec } from '../protocol/plan.js';
import { readJsonAnswer } from './json-answer.js';
import type { LlmBackend, LlmUsage } from './llm-backend.js';
import { planTasks, regroup, withWorkflow } from './regroup.js';

/** The answer asked of the model: dependencies it thinks the plan is missing. */
export const ProposedDependenciesSchema = z.object({
  dependencies: z.array(
    z.object({
      task_id: z.string().describe('the task that must wait'),
      depends_on: z.string().describe('the task it must wait for'),
      reason: z.string().describe('why, in one sentence'),
    }),
  ),
});
export type ProposedDependency = z.infer<typeof ProposedDependenciesSchema>['dependencies'][number];

/** The JSON Schema of {@link ProposedDependenciesSchema}, sent as the structured-output format. */
export const PROPOSED_DEPENDENCIES_JSON_SCHEMA: Readonly<Record<string, unknown>> = z.toJSONSchema(
  ProposedDependenciesSchema,
  { target: 'draft-7' },
);

/** A dependency the model proposed and the plan now has: `from` waits for `task_id` (as in `RemovedDependency`). */
export interface AddedDependency extends TypedDependency {
  /** The task that got the dependency. */
  readonly from: string;
}

/** Why a proposal was not taken. */
export type RejectionCode = 'self_dependency' | 'unknown_task' | 'duplicate' | 'cycle';

/** A proposal left out, with a code to match on and a sentence saying why. */
export interface RejectedDependency {
  readonly edge: ProposedDependency;
  readonly code: RejectionCode;
  readonly why: string;
  /** For `cycle`: the cycle the proposal would close, each task waiting for the next. */
  readonly cycle?: readonly string[];
}

/** What {@link proposeDependencies} came to. */
export interface ProposedDependencies {
  /** The plan with the kept proposals and groups recomputed; the plan given, unchanged, when none was kept. */
  readonly plan: PlanMessage;
  readonly added: readonly AddedDependency[];
  readonly rejected: readonly RejectedDependency[];
  readonly usage?: LlmUsage;
  readonly latencyMs: number;
}

/** Options of {@link proposeDependencies}. */
export interface ProposeOptions {
  /** Aborts the model request. */
  readonly signal?: AbortSignal;
  /** Most tokens the answer may take. @default the backend's */
  readonly maxTokens?: number;
}

const SYSTEM = `You review the task graph of a workflow plan for missing logical dependencies: a task that must wait for another although it reads none of its outputs — tests after the code they test, documentation after the code it describes, integration after its parts, review after what it reviews. Propose only dependencies between the tasks listed, only ones their depends_on lists do not already hold, and never one that would make a task wait for itself through others. Answer with JSON only: {"dependencies": [{"task_id": the task that must wait, "depends_on": the task it waits for, "reason": one sentence}]}, an empty list when nothing is missing.`;

/** What the model is shown of each task. */
function describeTasks(graph: ExecutionGraph): string {
  const tasks = graph.taskIds().map((id) => {
    const task = graph.task(id) as TaskSpec;
    return {
      id,
      type: typeof task.task_type === 'string' ? task.task_type : null,
      action: task.action,
      depends_on: graph.dependenciesOf(id),
    };
  });
  return `Tasks:\n${JSON.stringify(tasks, null, 2)}`;
}

/** The tasks with `dep` added to `task`'s `depends_on` and `dependencies`. */
function withDependency(task: TaskSpec, dep: TypedDependency): TaskSpec {
  const listed: unknown[] = Array.isArray(task.dependencies) ? task.dependencies : [];
  return { ...task, depends_on: [...task.depends_on, dep.task_id], dependencies: [...listed, dep] };
}

/**
 * Asks a model for logical dependencies the plan is missing between its tasks (it sees each
 * task's id, type, action and current dependencies) and keeps each proposal that names two
 * distinct tasks of the plan, is not already a direct dependency (declared or implied by a ref),
 * and keeps the plan acyclic; it joins the waiting task's `depends_on` and `dependencies` as
 * `type: 'logical', origin: 'model'` with the model's reason. Every other proposal is in
 * `rejected` with a code and why. Proposals are judged in the order given, each against the plan
 * with the earlier ones added. Groups, order and totals are then recomputed ({@link regroup}),
 * so the plan still validates; any groups the planner set are replaced by levels.
 *
 * A failed model call returns the backend's error (`LLM_FAILED`, `REQUEST_TIMEOUT`,
 * `LLM_REFUSED`); an answer that is not JSON or not the schema is `INVALID_INPUT`; a plan that
 * does not validate is refused with the graph's error before the model is asked. In every
 * failure the caller keeps the plan it has.
 *
 * @example
 * const proposed = await proposeDependencies(plan, openAiCompatible({ baseURL, model }));
 * if (proposed.ok) plan = proposed.value.plan; // proposed.value.added: what the model added, and why
 */
export async function proposeDependencies(
  plan: PlanMessage,
  llm: LlmBackend,
  options: ProposeOptions = {},
): Promise<Result<ProposedDependencies>> {
  const graph = ExecutionGraph.tryFromPlan(plan);
  if (!graph.ok) return graph;
  const answer = await llm.complete({
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: describeTasks(graph.value) },
    ],
    json: { name: 'proposed_dependencies', schema: PROPOSED_DEPENDENCIES_JSON_SCHEMA },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  });
  if (!answer.ok) return answer;
  const { usage, latencyMs } = answer.value;
  const proposals = readJsonAnswer(answer.value.text, ProposedDependenciesSchema, 'proposed dependencies');
  if (!proposals.ok) return proposals;

  const tasks = planTasks(plan);
  const at = new Map(tasks.map((t, i) => [t.id, i]));
  // Every edge, ref-implied ones too: a cycle may close through a ref a task reads.
  const edges = tasks.map((t) => ({ id: t.id, depends_on: graph.value.dependenciesOf(t.id) }));
  const added: AddedDependency[] = [];
  const rejected: RejectedDependency[] = [];
  const reject = (edge: ProposedDependency, code: RejectionCode, why: string, cycle?: string[]) =>
    rejected.push({ edge, code, why, ...(cycle ? { cycle } : {}) });
  for (const edge of proposals.value.dependencies) {
    const v = at.get(edge.task_id);
    const u = at.get(edge.depends_on);
    if (edge.task_id === edge.depends_on) {
      reject(edge, 'self_dependency', `${edge.task_id} cannot wait for itself.`);
    } else if (v === undefined || u === undefined) {
      const unknown = [edge.task_id, edge.depends_on].filter((id) => !at.has(id));
      reject(
        edge,
        'unknown_task',
        `${unknown.map((id) => JSON.stringify(id)).join(' and ')} ${unknown.length === 1 ? 'is not a task' : 'are not tasks'} of this plan.`,
      );
    } else if (edges[v].depends_on.includes(edge.depends_on)) {
      reject(edge, 'duplicate', `${edge.task_id} already depends on ${edge.depends_on}.`);
    } else {
      edges[v] = { id: edge.task_id, depends_on: [...edges[v].depends_on, edge.depends_on] };
      const cycle = findCycle(edges); // the plan was acyclic: any cycle now runs through the new edge
      if (cycle) {
        edges[v] = { id: edge.task_id, depends_on: edges[v].depends_on.slice(0, -1) };
        reject(
          edge,
          'cycle',
          `Making ${edge.task_id} wait for ${edge.depends_on} would close the cycle ${cycle.join(' → ')}.`,
          cycle,
        );
      } else {
        const dep: TypedDependency = {
          task_id: edge.depends_on,
          type: 'logical',
          origin: 'model',
          reason: edge.reason,
        };
        tasks[v] = withDependency(tasks[v], dep);
        added.push({ ...dep, from: edge.task_id });
      }
    }
  }
  const cost = { latencyMs, ...(usage ? { usage } : {}) };
  if (added.length === 0) return { ok: true, value: { plan, added, rejected, ...cost } };
  const { workflow } = plan.output.content;
  const changed = withWorkflow(plan, {
    ...workflow,
    tasks: Array.isArray(workflow.tasks) ? tasks : Object.fromEntries(tasks.map((t) => [t.id, t])),
  });
  const regrouped = regroup(changed);
  return regrouped.ok ? { ok: true, value: { plan: regrouped.value, added, rejected, ...cost } } : regrouped;
}
