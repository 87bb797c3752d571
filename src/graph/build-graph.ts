import type { TaskSpec } from '../protocol/plan.js';
import { CsrBuilder, row, transpose } from './csr.js';
import { edgeKey, type GraphData, idsOf } from './graph-data.js';
import { checkIds } from './id-check.js';
import { IdIndex } from './id-index.js';
import type { DeclaredRef, PlanInput } from './plan-input.js';
import { ProblemList } from './problems.js';
import { pauseAt, type Steps } from './steps.js';
import { type Topology, topology } from './topology.js';
import type { WeightOf } from './weights.js';

const quote = JSON.stringify;
/** Placeholder adjacency before edges are linked (linking replaces it). */
const NO_EDGES = { start: new Int32Array(1), list: new Int32Array(0) };

function* indexTasks(input: PlanInput, list: ProblemList) {
  const index = new IdIndex();
  const ids: string[] = [];
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < input.tasks.length; i++) {
    if (pauseAt(i)) yield;
    const task = input.tasks[i];
    const key = input.taskKeys?.[i];
    if (key !== undefined && key !== task.id) {
      list.add(
        'task_key_mismatch',
        `The task stored under key ${quote(key)} says its id is ${quote(task.id)}; the key and the id must be the same.`,
        { key, task_id: task.id },
      );
    }
    if (index.has(task.id)) {
      list.add(
        'duplicate_task_id',
        `Task id ${quote(task.id)} is used by more than one task; give each task a unique id.`,
        { task_id: task.id },
      );
      continue;
    }
    index.set(task.id, ids.length);
    ids.push(task.id);
    tasks.push(task);
  }
  return { index, ids, tasks };
}

function* indexRefs(input: PlanInput, tasks: readonly TaskSpec[], list: ProblemList) {
  const refs = new Map<string, DeclaredRef>();
  for (let i = 0; i < input.refs.length; i++) {
    if (pauseAt(i)) yield;
    const ref = input.refs[i];
    const prev = refs.get(ref.ref_id);
    if (!prev) refs.set(ref.ref_id, ref);
    else if (prev.kind !== ref.kind || prev.storage_uri !== ref.storage_uri) {
      list.add(
        'conflicting_ref',
        `Ref ${quote(ref.ref_id)} is declared twice, as a ${prev.kind} ref (${quote(prev.storage_uri)}) and as a ${ref.kind} ref (${quote(ref.storage_uri)}); declare it once.`,
        { ref_id: ref.ref_id },
      );
    }
  }
  const producers = new Map<string, number[]>();
  for (let v = 0; v < tasks.length; v++) {
    if (pauseAt(v)) yield;
    for (const ref of tasks[v].output_refs) {
      const slots = producers.get(ref);
      if (!slots) producers.set(ref, [v]);
      else if (slots[slots.length - 1] !== v) slots.push(v);
    }
  }
  let i = 0;
  for (const [ref, slots] of producers) {
    if (pauseAt(i++)) yield;
    if (refs.has(ref)) continue;
    refs.set(ref, { ref_id: ref, kind: 'derived', storage_uri: null, status: 'pending' });
    list.warn(
      'undeclared_output_ref',
      `${tasks[slots[0]].id} produces ${ref}, which resources do not declare; it is registered as a pending derived ref.`,
      { ref_id: ref, task_id: tasks[slots[0]].id },
    );
  }
  return { refs, producers };
}

function* linkEdges(data: GraphData, list: ProblemList, weightOf: WeightOf): Steps<void> {
  const { tasks, index, refs, producers, refEdges } = data;
  const stamp = new Int32Array(data.slots);
  const ambiguous = new Set<string>();
  const ps = new CsrBuilder(data.slots, data.slots * 3);
  for (let v = 0; v < data.slots; v++) {
    if (pauseAt(v)) yield;
    const task = tasks[v] as TaskSpec;
    data.weights[v] = weightOf(task.estimated_weight);
    const mark = v + 1;
    for (const dep of task.depends_on) {
      const u = index.get(dep);
      if (u === undefined)
        list.add('unknown_dependency', `${task.id} depends on ${quote(dep)}, which is not a task of this workflow.`, {
          task_id: task.id,
          depends_on: dep,
        });
      else if (u === v)
        list.add(
          'self_dependency',
          `${task.id} depends on itself: ${task.id} → ${task.id}. Remove it from its own depends_on.`,
          { task_id: task.id, cycle: [task.id, task.id] },
        );
      else if (stamp[u] === mark)
        list.warn('duplicate_dependency', `${task.id} lists ${dep} more than once in depends_on.`, {
          task_id: task.id,
          depends_on: dep,
        });
      else {
        stamp[u] = mark;
        ps.push(u);
      }
    }
    for (const ref of task.input_refs) {
      const decl = refs.get(ref);
      const made = producers.get(ref);
      if (!decl) {
        list.add(
          'unknown_ref',
          `${task.id} reads input_ref ${quote(ref)}, which is declared in no resources list and produced by no task.`,
          { task_id: task.id, ref_id: ref },
        );
      } else if (!made) {
        if (decl.status === 'pending')
          list.add(
            'unproduced_ref',
            `${task.id} reads ${ref}, which is pending and produced by no task, so ${task.id} could never become ready.`,
            { task_id: task.id, ref_id: ref },
          );
      } else if (made.length > 1) {
        if (!ambiguous.has(ref)) {
          ambiguous.add(ref);
          list.warn(
            'ambiguous_producer',
            `${ref} is produced by ${idsOf(data, made).join(', ')}; its readers wait for whichever completes first.`,
            { ref_id: ref, producers: idsOf(data, made) },
          );
        }
      } else if (made[0] === v) {
        list.add(
          'self_dependency',
          `${task.id} reads ${ref}, which only ${task.id} itself produces, so it could never become ready.`,
          { task_id: task.id, ref_id: ref, cycle: [task.id, task.id] },
        );
      } else {
        const u = made[0];
        refEdges.set(edgeKey(u, v), ref);
        if (stamp[u] !== mark) {
          stamp[u] = mark;
          ps.push(u);
        }
      }
    }
    ps.endRow();
  }
  data.preds = ps.finish();
  yield;
  data.succs = transpose(data.preds);
}

function* plannerGroups(data: GraphData, input: PlanInput, list: ProblemList): Steps<Int32Array | null> {
  const fromMap = new Int32Array(data.slots);
  for (const [key, group] of Object.entries(input.workflow?.execution_groups ?? {})) {
    const g = Number(key);
    for (const id of group.tasks) {
      const v = data.index.get(id);
      if (v === undefined)
        list.add(
          'unknown_group_task',
          `execution_groups["${key}"] lists ${quote(id)}, which is not a task of this workflow.`,
          { group: g, task_id: id },
        );
      else if (fromMap[v] !== 0 && fromMap[v] !== g)
        list.add(
          'conflicting_group',
          `${id} is listed in execution_groups ${fromMap[v]} and ${g}; a task belongs to one group.`,
          { task_id: id, groups: [fromMap[v], g] },
        );
      else fromMap[v] = g;
    }
  }
  const groups = new Int32Array(data.slots);
  const missing: string[] = [];
  let without = 0;
  for (let v = 0; v < data.slots; v++) {
    if (pauseAt(v)) yield;
    const own = (data.tasks[v] as TaskSpec).execution_group ?? 0;
    const listed = fromMap[v];
    if (own !== 0 && listed !== 0 && own !== listed) {
      list.add(
        'conflicting_group',
        `${data.ids[v]} says execution_group ${own} but execution_groups lists it in group ${listed}.`,
        { task_id: data.ids[v], groups: [own, listed] },
      );
    }
    groups[v] = own || listed;
    if (groups[v] === 0 && without++ < 100) missing.push(data.ids[v]);
  }
  if (without === data.slots) return null;
  if (without > 0) {
    const shown = missing.slice(0, 5).join(', ') + (without > 5 ? `, … (${without} in all)` : '');
    list.add(
      'missing_group',
      `Some tasks have an execution group and some do not (${shown}); give every task a group, or none so Switchyard computes them.`,
      { task_ids: missing },
    );
  }
  return groups;
}

function* checkGroupOrder(data: GraphData, groups: Int32Array, list: ProblemList): Steps<void> {
  for (let v = 0; v < data.slots; v++) {
    if (pauseAt(v)) yield;
    for (const u of row(data.preds, v)) {
      if (groups[u] < groups[v]) continue;
      const via = data.refEdges.get(edgeKey(u, v));
      const what =
        via !== undefined && !(data.tasks[v] as TaskSpec).depends_on.includes(data.ids[u])
          ? `reads ${via}, produced by`
          : 'depends on';
      list.add(
        'group_order',
        `${data.ids[v]} (group ${groups[v]}) ${what} ${data.ids[u]} (group ${groups[u]}); a task may only depend on tasks of earlier groups.`,
        { task_id: data.ids[v], depends_on: data.ids[u], groups: [groups[v], groups[u]] },
      );
    }
  }
}

function* checkPlannerFacts(data: GraphData, input: PlanInput, list: ProblemList): Steps<void> {
  const total = input.workflow?.total_tasks;
  if (total !== undefined && total !== data.slots) {
    list.warn(
      'total_tasks_mismatch',
      `total_tasks says ${total} but the workflow has ${data.slots} tasks; Switchyard counts the tasks.`,
      { total_tasks: total, actual: data.slots },
    );
  }
  const order = input.workflow?.execution_order;
  if (!order) return;
  const pos = new Int32Array(data.slots).fill(-1);
  const unknown: string[] = [];
  const repeated: string[] = [];
  for (let i = 0; i < order.length; i++) {
    if (pauseAt(i)) yield;
    const id = order[i];
    const v = data.index.get(id);
    if (v === undefined) unknown.push(id);
    else if (pos[v] !== -1) repeated.push(id);
    else pos[v] = i;
  }
  const missing = data.ids.filter((_, v) => pos[v] === -1);
  let inversion: string | undefined;
  for (let v = 0; v < data.slots && inversion === undefined; v++) {
    if (pauseAt(v)) yield;
    for (const u of row(data.preds, v)) {
      if (pos[u] > pos[v] && pos[v] !== -1)
        inversion = `${data.ids[v]} comes before ${data.ids[u]}, which it depends on`;
    }
  }
  const parts = [
    unknown.length > 0 ? `names unknown tasks ${unknown.slice(0, 5).join(', ')}` : '',
    repeated.length > 0 ? `repeats ${repeated.slice(0, 5).join(', ')}` : '',
    missing.length > 0
      ? `omits ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (${missing.length} in all)` : ''}`
      : '',
    inversion ?? '',
  ].filter((p) => p !== '');
  if (parts.length > 0) {
    list.warn(
      'execution_order_mismatch',
      `execution_order ${parts.join('; ')}. Switchyard orders tasks by their dependencies and groups, not by execution_order.`,
      { unknown, repeated, missing: missing.slice(0, 100) },
    );
  }
}

/** What {@link buildGraphSteps} returns: the graph's storage, every problem found, and its topology when it has one. */
export interface BuiltGraph {
  readonly data: GraphData;
  readonly list: ProblemList;
  readonly topology?: Topology;
}

/**
 * Checks a plan and builds the storage of its graph. The list holds every problem found (bad
 * ids alone if there are any, else structure, then cycles, then groups); the graph is usable
 * only when it is empty. As {@link Steps}: each pass over the tasks pauses every `PAUSE_EVERY`
 * of them, so a large plan can be built in time slices (`runSteps` builds it at once).
 */
export function* buildGraphSteps(input: PlanInput, weightOf: WeightOf): Steps<BuiltGraph> {
  const list = new ProblemList();
  // Bad ids first, and alone: every later check names tasks and refs by them.
  const idsGood = checkIds(input, list);
  const { index, ids, tasks } = idsGood ? yield* indexTasks(input, list) : { index: new IdIndex(), ids: [], tasks: [] };
  const slots = ids.length;
  const { refs, producers } = idsGood
    ? yield* indexRefs(input, tasks, list)
    : { refs: new Map<string, DeclaredRef>(), producers: new Map<string, number[]>() };
  const data: GraphData = {
    slots,
    alive: new Uint8Array(slots).fill(1),
    weights: new Float64Array(slots),
    preds: NO_EDGES,
    succs: NO_EDGES,
    ids,
    index,
    tasks,
    refEdges: new Map(),
    plannerGroups: null,
    refs,
    producers,
  };
  if (!idsGood) return { data, list };
  if (input.tasks.length === 0) {
    list.add(
      'empty_workflow',
      'The workflow has no tasks, so there is nothing to dispatch; give the plan at least one task.',
    );
    return { data, list };
  }
  yield* linkEdges(data, list, weightOf);
  const before = list.problems.length;
  data.plannerGroups = yield* plannerGroups(data, input, list);
  const groupsUsable = list.problems.length === before;
  yield;
  const topo = topology(data);
  if (!topo.ok) {
    const cycle = idsOf(data, topo.cycle);
    list.add(
      'cycle',
      `The dependencies form a cycle: ${cycle.join(' → ')} (each task needs the one before it). Break the cycle by removing one of these dependencies.`,
      { cycle },
    );
    return { data, list };
  }
  yield;
  if (data.plannerGroups && groupsUsable) yield* checkGroupOrder(data, data.plannerGroups, list);
  yield* checkPlannerFacts(data, input, list);
  return { data, list, topology: topo.value };
}
