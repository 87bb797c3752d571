import { z } from 'zod';
import { envelopeSchema } from '../protocol/envelope.js';
import {
  PlanContentSchema,
  PlanMessageSchema,
  type TaskSpec,
  WEIGHT_LABELS,
  WorkflowSchema,
} from '../protocol/plan.js';

/**
 * Reading a plan through zod copies every task: for a large plan that copy is most of what a
 * run allocates up front, and it lives as long as the run. Most plans a planner writes are
 * already exactly what the schema would return — every task a plain object with all its
 * fields, of the right kinds — and for those the schemas below check everything but the task
 * list, which {@link isCheckedTaskList} checks in place. Anything it does not accept (a missing
 * list that a default would fill in, a wrong kind, another prototype) goes through the full
 * schema, which gives the same value or the same errors as always.
 */

const WEIGHTS = new Set<string>(WEIGHT_LABELS);

function isStringList(value: unknown, nonEmptyItems: boolean): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || (nonEmptyItems && item.length === 0)) return false;
  }
  return true;
}

/** Whether `t` is a task `TaskSpecSchema` accepts unchanged: a plain object with every list given. */
function isCheckedTask(t: unknown): t is TaskSpec {
  if (typeof t !== 'object' || t === null || Object.getPrototypeOf(t) !== Object.prototype) return false;
  const task = t as Record<string, unknown>;
  if (typeof task.id !== 'string' || task.id.length === 0 || typeof task.action !== 'string') return false;
  if (!isStringList(task.capability_ids, true) || task.capability_ids.length === 0) return false;
  if (
    !isStringList(task.depends_on, false) ||
    !isStringList(task.input_refs, false) ||
    !isStringList(task.output_refs, false)
  )
    return false;
  const group = task.execution_group;
  if (group !== undefined && !(Number.isSafeInteger(group) && (group as number) > 0)) return false;
  const weight = task.estimated_weight;
  return (
    weight === undefined ||
    (typeof weight === 'string'
      ? WEIGHTS.has(weight)
      : typeof weight === 'number' && Number.isFinite(weight) && weight > 0)
  );
}

/**
 * Whether `tasks` (a list, or the seed's record keyed by id) holds only tasks the schema
 * would accept as they are: then the plan's tasks can be used in place of a copy.
 */
export function isCheckedTaskList(tasks: unknown): boolean {
  if (Array.isArray(tasks)) {
    for (let i = 0; i < tasks.length; i++) if (!isCheckedTask(tasks[i])) return false;
    return true;
  }
  if (
    typeof tasks !== 'object' ||
    tasks === null ||
    Object.getPrototypeOf(tasks) !== Object.prototype ||
    Object.hasOwn(tasks, '__proto__')
  )
    return false;
  for (const key in tasks)
    if (!Object.hasOwn(tasks, key) || !isCheckedTask((tasks as Record<string, unknown>)[key])) return false;
  return true;
}

/** A task list already checked by {@link isCheckedTaskList}: taken as it is. */
const CheckedTasks = z.custom<TaskSpec[] | Record<string, TaskSpec>>(() => true);

/** `WorkflowSchema` for a workflow whose task list is checked already. */
export const CheckedWorkflowSchema = WorkflowSchema.extend({ tasks: CheckedTasks });

/** `PlanMessageSchema` for a plan message whose task list is checked already. */
export const CheckedPlanMessageSchema = envelopeSchema(
  'plan',
  PlanContentSchema.extend({ workflow: CheckedWorkflowSchema }),
).extend({
  resources: PlanMessageSchema.shape.resources,
});
