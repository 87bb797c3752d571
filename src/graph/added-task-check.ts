import type { TaskSpec } from '../protocol/plan.js';
import type { GraphData } from './graph-data.js';
import { checkIds } from './id-check.js';
import { ProblemList, problemError } from './problems.js';

/** Where a task about to be added to a graph links in. */
export interface AddedTaskLinks {
  /** The slots it depends on: declared first, then the sole producers of refs it reads. */
  readonly preds: number[];
  /** The ref behind each ref-implied edge, by the producing slot. */
  readonly via: Map<number, string>;
}

/**
 * Checks a task (already parsed) against the graph it is to join, before anything changes:
 * its ids, that its dependencies and input refs exist, that it does not wait on itself or on a
 * ref nobody makes, and, with planner groups, that its group comes after its dependencies'.
 * @throws SwitchyardError `INVALID_ID` (its id or an output ref), `VALIDATION_ERROR` (duplicate or unknown id/ref, group order)
 */
export function checkAddedTask(d: GraphData, task: TaskSpec): AddedTaskLinks {
  const ids = new ProblemList();
  if (!checkIds({ tasks: [task], refs: [] }, ids)) throw ids.toError();
  if (d.index.has(task.id))
    throw problemError(
      'duplicate_task_id',
      `Task id ${JSON.stringify(task.id)} is already in the graph; give the new task a unique id.`,
      { task_id: task.id },
    );
  const ps: number[] = [];
  const via = new Map<number, string>();
  for (const dep of task.depends_on) {
    const u = d.index.get(dep);
    if (u === undefined)
      throw problemError(
        'unknown_dependency',
        `${task.id} depends on ${JSON.stringify(dep)}, which is not a task of this workflow.`,
        { task_id: task.id, depends_on: dep },
      );
    if (!ps.includes(u)) ps.push(u);
  }
  for (const ref of task.input_refs) {
    const made = d.producers.get(ref);
    if (!d.refs.has(ref) && !task.output_refs.includes(ref))
      throw problemError(
        'unknown_ref',
        `${task.id} reads input_ref ${JSON.stringify(ref)}, which is declared in no resources list and produced by no task.`,
        { task_id: task.id, ref_id: ref },
      );
    if (task.output_refs.includes(ref) && !made)
      throw problemError(
        'self_dependency',
        `${task.id} reads ${ref}, which only ${task.id} itself produces, so it could never become ready.`,
        { task_id: task.id, ref_id: ref },
      );
    if (made?.length === 1) {
      via.set(made[0], ref);
      if (!ps.includes(made[0])) ps.push(made[0]);
    } else if (!made && d.refs.get(ref)?.status === 'pending') {
      throw problemError(
        'unproduced_ref',
        `${task.id} reads ${ref}, which is pending and produced by no task, so ${task.id} could never become ready.`,
        { task_id: task.id, ref_id: ref },
      );
    }
  }
  if (d.plannerGroups) {
    const g = task.execution_group;
    if (g === undefined)
      throw problemError(
        'missing_group',
        `${task.id} has no execution_group, but this graph uses the planner's groups; give it one.`,
        { task_ids: [task.id] },
      );
    for (const u of ps) {
      if (d.plannerGroups[u] >= g)
        throw problemError(
          'group_order',
          `${task.id} (group ${g}) depends on ${d.ids[u]} (group ${d.plannerGroups[u]}); a task may only depend on tasks of earlier groups.`,
          { task_id: task.id, depends_on: d.ids[u], groups: [g, d.plannerGroups[u]] },
        );
    }
  }
  return { preds: ps, via };
}
