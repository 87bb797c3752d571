import type { TaskSpec } from '../dist/index.js';

/** A deterministic pseudo-random generator (mulberry32), so every run benches the same DAG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Edges of a layered random DAG: task i depends on up to `degree` distinct tasks among the `window` before it. */
export function dagEdges(n: number, degree = 3, window = 1000, seed = 42): Int32Array[] {
  const random = rng(seed);
  const deps: Int32Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.min(i, degree);
    const picked = new Int32Array(k);
    let m = 0;
    while (m < k) {
      const j = i - 1 - Math.floor(random() * Math.min(i, window));
      let dup = false;
      for (let x = 0; x < m; x++) if (picked[x] === j) dup = true;
      if (!dup) picked[m++] = j;
    }
    deps[i] = picked;
  }
  return deps;
}

const WEIGHTS = ['light', 'medium', 'heavy'] as const;

/** Plan tasks (already in the parsed shape) for the DAG of {@link dagEdges}. */
export function dagTasks(deps: readonly Int32Array[]): TaskSpec[] {
  return deps.map((ds, i) => ({
    id: `task_${i}`,
    action: 'noop',
    capability_ids: ['CAP-PRE-001'],
    depends_on: Array.from(ds, (j) => `task_${j}`),
    input_refs: [],
    output_refs: [],
    estimated_weight: WEIGHTS[i % 3],
  }));
}

/** A minimal hand-written Kahn executor: CSR successors, indegree counts, a queue, a no-op per task. */
export function kahnExecutor(deps: readonly Int32Array[], work: (v: number) => void): number {
  const n = deps.length;
  const indegree = new Int32Array(n);
  const start = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    indegree[v] = deps[v].length;
    for (const u of deps[v]) start[u + 1]++;
  }
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const fill = start.slice(0, n);
  const succ = new Int32Array(start[n]);
  for (let v = 0; v < n; v++) for (const u of deps[v]) succ[fill[u]++] = v;
  const queue = new Int32Array(n);
  let tail = 0;
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue[tail++] = v;
  for (let head = 0; head < tail; head++) {
    const v = queue[head];
    work(v);
    for (let k = start[v]; k < start[v + 1]; k++) if (--indegree[succ[k]] === 0) queue[tail++] = succ[k];
  }
  return tail;
}

/** A plan of `n` tasks with no dependencies and no refs, one no-op capability each: the pool benches' load. */
export function independentTasks(n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ({
    id: `task_${i}`,
    action: 'noop',
    capability_ids: ['CAP-PRE-001'],
    depends_on: [],
    input_refs: [],
    output_refs: [],
  }));
  return {
    agent: { name: 'planning_agent', type: 'operational' },
    output: { content: { workflow: { tasks } }, content_type: 'plan' },
  };
}
