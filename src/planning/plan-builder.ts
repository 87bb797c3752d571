import {
  breakCycles,
  reduceDependencies,
  type RemovedDependency,
  stronger,
  type TypedDependency,
  type TypedTask,
} from '../graph/typed-dependencies.js';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import type { PlanMessage } from '../protocol/plan.js';
import type { RefDeclaration } from '../protocol/refs.js';
import { weightOf } from './estimates.js';
import type { Priority, Requirement, Specification } from '../protocol/specification.js';
import type { PlanDraft, TaskDraft } from './task-draft.js';
import { regroup } from './regroup.js';
import { capabilityId } from './task-types.js';

/** A problem with a draft, coded so it can be sent back to a model for repair. */
export interface DraftProblem {
  readonly code: 'duplicate_task' | 'duplicate_artifact' | 'unknown_read' | 'reads_own_output' | 'unknown_task';
  readonly task?: string;
  readonly message: string;
}

/** How a plan is finished. */
export interface BuildOptions {
  /** Break cycles at their weakest dependency instead of refusing the plan. @default false */
  readonly resolveCycles?: boolean;
}

/** A built plan, with what building it changed. */
export interface BuiltPlan {
  readonly plan: PlanMessage;
  /** Dependencies taken out: cycles broken (with `resolveCycles`) and redundant ones. */
  readonly removed: readonly RemovedDependency[];
}

/** What the caller gives the plan message: its metadata and any compliance notes. */
type PlanEnvelope = Pick<PlanMessage, 'metadata'> & { compliance_notes?: string[] };

const PRIORITY_LABEL: Readonly<Record<Priority, 'high' | 'medium' | 'low'>> = {
  must: 'high',
  should: 'medium',
  could: 'low',
};

/** Everything wrong with a draft that would stop it from becoming a plan (empty when nothing is). */
export function draftProblems(draft: PlanDraft, spec: Specification): DraftProblem[] {
  const out: DraftProblem[] = [];
  const tasks = new Set<string>();
  const made = new Map<string, string>();
  for (const t of draft.tasks) {
    if (tasks.has(t.key))
      out.push({
        code: 'duplicate_task',
        task: t.key,
        message: `two tasks have the key ${t.key}; keys must be unique`,
      });
    tasks.add(t.key);
    for (const p of t.produces) {
      const other = made.get(p.key);
      if (other !== undefined)
        out.push({
          code: 'duplicate_artifact',
          task: t.key,
          message: `${t.key} and ${other} both produce the artifact ${p.key}; each artifact has one producer`,
        });
      made.set(p.key, t.key);
    }
  }
  const inputs = new Set(spec.inputs.map((i) => i.id));
  for (const t of draft.tasks) {
    for (const r of t.reads) {
      if (made.get(r) === t.key)
        out.push({ code: 'reads_own_output', task: t.key, message: `${t.key} reads ${r}, which it produces itself` });
      else if (!made.has(r) && !inputs.has(r))
        out.push({
          code: 'unknown_read',
          task: t.key,
          message: `${t.key} reads ${r}, which no task produces and the specification's inputs do not list (inputs: ${[...inputs].join(', ') || 'none'})`,
        });
    }
    for (const a of t.after)
      if (!tasks.has(a.task))
        out.push({
          code: 'unknown_task',
          task: t.key,
          message: `${t.key} comes after ${a.task}, which is not a task key`,
        });
  }
  return out;
}

/** The dependencies of each draft: data from its reads, logical from `after`, resource from shared exclusive resources; one entry per pair, the strongest. */
function dependencies(
  drafts: readonly TaskDraft[],
  idOf: ReadonlyMap<string, string>,
  refOf: ReadonlyMap<string, string>,
  producer: ReadonlyMap<string, string>,
): TypedDependency[][] {
  const holders = new Map<string, string>();
  return drafts.map((t) => {
    const deps = new Map<string, TypedDependency>();
    const put = (d: TypedDependency) => deps.set(d.task_id, stronger(deps.get(d.task_id), d));
    for (const r of t.reads) {
      const from = producer.get(r);
      if (from !== undefined)
        put({
          task_id: idOf.get(from) as string,
          type: 'data',
          origin: 'inferred',
          reason: `reads ${refOf.get(r)} (${r})`,
          ref_id: refOf.get(r) as string,
        });
    }
    for (const a of t.after)
      put({ task_id: idOf.get(a.task) as string, type: 'logical', origin: 'declared', reason: a.reason });
    for (const resource of t.exclusive_resources) {
      const previous = holders.get(resource);
      if (previous !== undefined)
        put({
          task_id: idOf.get(previous) as string,
          type: 'resource',
          origin: 'inferred',
          reason: `takes its turn on the exclusive resource ${resource}`,
          resource,
        });
      holders.set(resource, t.key);
    }
    return [...deps.values()];
  });
}

/** The refusal of a draft with problems: the first one named, all of them in `details.problems`. */
function refusal(problems: readonly DraftProblem[]): Result<never> {
  return {
    ok: false,
    error: new SwitchyardError(
      ErrorCodes.VALIDATION_ERROR,
      `The task drafts do not make a plan: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems in details.problems)` : ''}.`,
      { problems },
    ),
  };
}

/** Every artifact key's ref id and producing task, and the refs the plan declares for what the tasks produce. */
interface Artifacts {
  readonly refOf: ReadonlyMap<string, string>;
  readonly producer: ReadonlyMap<string, string>;
  readonly storage_refs: RefDeclaration[];
  readonly derived_refs: RefDeclaration[];
}

/** Ref ids in draft order: the specification's inputs `src_N`, stored artifacts `store_N`, derived ones `derived_N`. */
function artifacts(draft: PlanDraft, spec: Specification): Artifacts {
  const refOf = new Map<string, string>(spec.inputs.map((input, i) => [input.id, `src_${i + 1}`]));
  const producer = new Map<string, string>();
  const counts = { storage: 0, derived: 0 };
  const storage_refs: RefDeclaration[] = [];
  const derived_refs: RefDeclaration[] = [];
  for (const t of draft.tasks) {
    for (const p of t.produces) {
      const ref_id = p.kind === 'storage' ? `store_${++counts.storage}` : `derived_${++counts.derived}`;
      refOf.set(p.key, ref_id);
      producer.set(p.key, t.key);
      (p.kind === 'storage' ? storage_refs : derived_refs).push({
        ref_id,
        storage_uri: null,
        asset_type: p.asset_type,
        status: 'pending',
      });
    }
  }
  return { refOf, producer, storage_refs, derived_refs };
}

/** What a worker is told of the specification with a task: its requirements, its component, the constraints, and (for checking tasks) the acceptance criteria. */
function specContext(t: TaskDraft, spec: Specification, requirement: ReadonlyMap<string, Requirement>) {
  const component = spec.components.find((c) => c.id === t.component);
  const testing = t.type === 'testing' || t.type === 'integration' || t.type === 'review' || t.type === 'synthesis';
  return {
    title: spec.title,
    requirements: t.requirement_ids.flatMap((id) => {
      const r = requirement.get(id);
      return r ? [{ id: r.id, priority: r.priority, text: r.text }] : [];
    }),
    ...(component
      ? {
          component: {
            id: component.id,
            ...(component.name ? { name: component.name } : {}),
            ...(component.language ? { language: component.language } : {}),
          },
        }
      : {}),
    constraints: spec.constraints,
    ...(testing ? { acceptance_criteria: spec.acceptance_criteria } : {}),
  };
}

/** The plan's tasks, ids `task_1…` in draft order, with every typed dependency (none removed yet). */
function planTasks(draft: PlanDraft, spec: Specification, refs: Artifacts) {
  const idOf = new Map(draft.tasks.map((t, i) => [t.key, `task_${i + 1}`]));
  const requirement = new Map(spec.requirements.map((r) => [r.id, r]));
  const typed = dependencies(draft.tasks, idOf, refs.refOf, refs.producer);
  return draft.tasks.map((t, i) => ({
    id: idOf.get(t.key) as string,
    action: t.action,
    capability_ids: [capabilityId(t.type, t.capability)],
    depends_on: typed[i].map((d) => d.task_id),
    input_refs: t.reads.map((r) => refs.refOf.get(r) as string),
    output_refs: t.produces.map((p) => refs.refOf.get(p.key) as string),
    estimated_weight: weightOf(t.complexity),
    task_type: t.type,
    complexity: t.complexity,
    priority: PRIORITY_LABEL[t.priority],
    dependencies: typed[i],
    ...(t.exclusive_resources.length > 0 ? { exclusive_resources: t.exclusive_resources } : {}),
    spec_context: specContext(t, spec, requirement),
  }));
}

/** A plan task as {@link planTasks} writes it. */
type PlanTask = ReturnType<typeof planTasks>[number];

/** Cycles broken when asked, then redundant non-data dependencies removed; what was taken out, in that order. */
function pruned<T extends TypedTask>(
  tasks: readonly T[],
  options: BuildOptions,
): Result<{ tasks: T[]; removed: RemovedDependency[] }> {
  let current = [...tasks];
  const removed: RemovedDependency[] = [];
  if (options.resolveCycles) {
    const broken = breakCycles(current);
    if (!broken.ok) return broken;
    current = broken.value.tasks;
    removed.push(...broken.value.removed);
  }
  const reduced = reduceDependencies(current); // leaves a cyclic plan as it is: the graph below names the cycle
  removed.push(...reduced.removed);
  return { ok: true, value: { tasks: reduced.tasks, removed } };
}

/** The plan message around the tasks, in seed 003's planning-agent shape (groups and order still to come). */
function planMessage(tasks: readonly PlanTask[], spec: Specification, refs: Artifacts, envelope: PlanEnvelope) {
  const source_refs = spec.inputs.map((input, i) => ({
    ref_id: `src_${i + 1}`,
    storage_uri: input.uri,
    asset_type: input.asset_type ?? 'document',
  }));
  return {
    agent: { name: 'planning_agent', type: 'operational' },
    input: { source: 'specification' },
    output: {
      content: {
        workflow: { tasks: Object.fromEntries(tasks.map((t) => [t.id, t])) },
        specification: { title: spec.title, goal: spec.goal, requirements: spec.requirements.length },
      },
      content_type: 'plan' as const,
    },
    resources: { source_refs, storage_refs: refs.storage_refs, derived_refs: refs.derived_refs },
    next_agent: { name: 'dispatch_agent', reason: 'The workflow DAG is ready for runtime dispatch' },
    metadata: { ...envelope.metadata, sequence_number: 3 },
    audit: {
      governance_files_consulted: [
        'context/application.md',
        'context/governance/message_format.md',
        'context/governance/audit.md',
        'agent/operational/planning.md',
      ],
      compliance_notes: envelope.compliance_notes ?? [],
    },
  };
}

/**
 * Turns drafts into a plan in seed 003's planning-agent message shape: ids `task_1…` in draft
 * order, the specification's inputs as `src_N`, stored artifacts as `store_N` and derived ones
 * as `derived_N`, typed dependencies, redundant non-data dependencies removed, cycles broken
 * when asked (else refused), then groups, order and totals from the graph ({@link regroup}),
 * which checks the result as it checks any plan.
 */
export function buildPlan(
  draft: PlanDraft,
  spec: Specification,
  envelope: PlanEnvelope,
  options: BuildOptions = {},
): Result<BuiltPlan> {
  const problems = draftProblems(draft, spec);
  if (problems.length > 0) return refusal(problems);
  const refs = artifacts(draft, spec);
  const done = pruned(planTasks(draft, spec, refs), options);
  if (!done.ok) return done;
  const grouped = regroup(planMessage(done.value.tasks, spec, refs, envelope));
  return grouped.ok ? { ok: true, value: { plan: grouped.value, removed: done.value.removed } } : grouped;
}
