import { z } from 'zod';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';

/**
 * Why a task waits for another (seed 002's dependency types): `data` — it reads a ref the other
 * produces; `logical` — tests after the code they test, docs after the code they describe,
 * integration after its parts; `resource` — both hold an exclusive resource, so they take turns.
 */
export const DEPENDENCY_TYPES = ['data', 'logical', 'resource'] as const;
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];

/**
 * Who said so: `declared` by the planner, `inferred` from refs or shared resources, `model` —
 * proposed by a language model and kept because it was valid.
 */
export const DEPENDENCY_ORIGINS = ['declared', 'inferred', 'model'] as const;
export type DependencyOrigin = (typeof DEPENDENCY_ORIGINS)[number];

/** One typed dependency, as a task's `dependencies` entry lists it beside `depends_on`. */
export const TypedDependencySchema = z.looseObject({
  task_id: z.string().min(1),
  type: z.enum(DEPENDENCY_TYPES),
  origin: z.enum(DEPENDENCY_ORIGINS),
  reason: z.string(),
  ref_id: z.string().optional(),
  resource: z.string().optional(),
});
export type TypedDependency = z.infer<typeof TypedDependencySchema>;

/** The part of a task the functions below read and write. */
export interface TypedTask {
  readonly id: string;
  readonly depends_on: readonly string[];
  readonly dependencies?: readonly TypedDependency[];
}

/** A dependency taken out of a plan, and why. */
export interface RemovedDependency extends TypedDependency {
  /** The task that had the dependency. */
  readonly from: string;
  /** `cycle`: broken to make the plan acyclic; `redundant`: implied through other dependencies. */
  readonly because: 'cycle' | 'redundant';
  /** For a cycle, the cycle it broke (`task_3 → task_5 → task_3`). */
  readonly cycle?: readonly string[];
}

/** A dependency's type and origin: its strongest `dependencies` entry, else a declared logical one. */
export function typeOf(task: TypedTask, dep: string): TypedDependency {
  let best: TypedDependency | undefined;
  for (const d of task.dependencies ?? []) if (d.task_id === dep) best = stronger(best, d);
  return best ?? { task_id: dep, type: 'logical', origin: 'declared', reason: 'declared in depends_on' };
}

/** The stronger of two entries for the same pair ({@link typeOf}'s choice); `a` on a tie. */
export function stronger(a: TypedDependency | undefined, b: TypedDependency): TypedDependency {
  return a === undefined || weakness(b) > weakness(a) ? b : a;
}

/**
 * Lower is weaker: origin first — a model's proposal, then inferred, then declared — and within
 * an origin resource before logical; data never. The origins step by 2 so that the type only
 * breaks ties within one origin (with steps of 1, a model's logical proposal tied an inferred
 * resource dependency).
 */
function weakness(d: TypedDependency): number {
  if (d.type === 'data') return Infinity;
  const origin = d.origin === 'model' ? 0 : d.origin === 'inferred' ? 2 : 4;
  return origin + (d.type === 'resource' ? 0 : 1);
}

function without<T extends TypedTask>(task: T, dep: string): T {
  return {
    ...task,
    depends_on: task.depends_on.filter((d) => d !== dep),
    ...(task.dependencies ? { dependencies: task.dependencies.filter((d) => d.task_id !== dep) } : {}),
  };
}

/** One cycle among `tasks` as task ids (first id repeated at the end: each waits for the next), or `undefined`. */
export function findCycle(tasks: readonly TypedTask[]): string[] | undefined {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const state = new Uint8Array(tasks.length); // 0 new, 1 on the path, 2 done
  const path: number[] = [];
  for (let root = 0; root < tasks.length; root++) {
    if (state[root] !== 0) continue;
    const stack: Array<{ v: number; next: number }> = [{ v: root, next: 0 }];
    state[root] = 1;
    path.push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const deps = tasks[top.v].depends_on;
      if (top.next < deps.length) {
        const u = index.get(deps[top.next++]);
        if (u === undefined || state[u] === 2) continue;
        if (state[u] === 1) return [...path.slice(path.indexOf(u)), u].map((i) => tasks[i].id);
        state[u] = 1;
        path.push(u);
        stack.push({ v: u, next: 0 });
      } else {
        state[top.v] = 2;
        path.pop();
        stack.pop();
      }
    }
  }
  return undefined;
}

/**
 * Breaks every cycle at its weakest dependency — a model's proposal before an inferred one
 * before a declared one, resource and logical before data, the later in plan order on a tie —
 * and reports each one it removed. A cycle made of data dependencies alone cannot be broken
 * (a task would run without the input it reads): `PROCESSING_ERROR` naming it.
 *
 * Each round finds one cycle by depth-first search: O(cycles · (tasks + dependencies)).
 */
export function breakCycles<T extends TypedTask>(
  tasks: readonly T[],
): Result<{ tasks: T[]; removed: RemovedDependency[] }> {
  let current = [...tasks];
  const index = new Map(current.map((t, i) => [t.id, i]));
  const removed: RemovedDependency[] = [];
  for (let cycle = findCycle(current); cycle !== undefined; cycle = findCycle(current)) {
    // cycle = [a, b, …, a] where each waits for the next: a depends on b.
    let best: { at: number; dep: TypedDependency; w: number } | undefined;
    for (let i = 0; i + 1 < cycle.length; i++) {
      const at = index.get(cycle[i]) as number;
      const dep = typeOf(current[at], cycle[i + 1]);
      const w = weakness(dep);
      if (w !== Infinity && (best === undefined || w < best.w || (w === best.w && at > best.at))) best = { at, dep, w };
    }
    const shown = cycle.join(' → ');
    if (best === undefined) {
      return {
        ok: false,
        error: new SwitchyardError(
          ErrorCodes.PROCESSING_ERROR,
          `The plan has a cycle of data dependencies, ${shown}, which cannot be broken: each task reads a ref the next produces. Change which task produces or reads one of them.`,
          { reason: 'cycle', cycle },
        ),
      };
    }
    removed.push({ ...best.dep, from: current[best.at].id, because: 'cycle', cycle });
    current = current.map((t, i) => (i === best.at ? without(t, best.dep.task_id) : t));
  }
  return { ok: true, value: { tasks: current, removed } };
}

/**
 * Drops every dependency that is not `data` and is implied through the others (the transitive
 * reduction, on the edges a plan may lose without losing an input). A plan with a cycle is left
 * as it is (reducing it could hide the cycle): find or break cycles first.
 * O(dependencies · (tasks + dependencies)): for the plans a decomposer writes (up to a few
 * thousand tasks), not for million-task graphs.
 */
export function reduceDependencies<T extends TypedTask>(
  tasks: readonly T[],
): { tasks: T[]; removed: RemovedDependency[] } {
  let current = [...tasks];
  const index = new Map(current.map((t, i) => [t.id, i]));
  const removed: RemovedDependency[] = [];
  if (findCycle(current) !== undefined) return { tasks: current, removed };
  const reaches = (from: number, target: number, skip: string): boolean => {
    const seen = new Uint8Array(current.length);
    const stack = current[from].depends_on.filter((d) => d !== skip).map((d) => index.get(d) as number);
    while (stack.length > 0) {
      const x = stack.pop() as number;
      if (x === target) return true;
      if (x === undefined || seen[x]) continue;
      seen[x] = 1;
      for (const d of current[x].depends_on) stack.push(index.get(d) as number);
    }
    return false;
  };
  for (let v = current.length - 1; v >= 0; v--) {
    for (const dep of [...current[v].depends_on].reverse()) {
      const typed = typeOf(current[v], dep);
      const u = index.get(dep);
      if (typed.type === 'data' || u === undefined || !reaches(v, u, dep)) continue;
      removed.push({ ...typed, from: current[v].id, because: 'redundant' });
      current = current.map((t, i) => (i === v ? without(t, dep) : t));
    }
  }
  return { tasks: current, removed };
}
