import type { TaskSpec } from '../src/index.js';

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
