import type { Csr } from './csr.js';

/**
 * Linear-time algorithms over a DAG stored as CSR adjacency of dense indices.
 * Nodes whose `alive` flag is 0 are holes left by removals and are ignored.
 */
export interface Adjacency {
  /** Number of node slots (alive or not). */
  readonly slots: number;
  readonly alive: Uint8Array;
  /** Row v: the nodes `v` depends on. */
  readonly preds: Csr;
  /** Row v: the nodes that depend on `v`. */
  readonly succs: Csr;
}

/** A topological order and each node's level (1 + the deepest predecessor's level; roots are 1). */
export interface Topology {
  /** Alive nodes in Kahn order (FIFO, ties by index): every edge goes forward. */
  readonly order: Int32Array;
  /** Level per slot; 0 for holes. */
  readonly levels: Int32Array;
  /** The deepest level. */
  readonly depth: number;
}

/**
 * Kahn's algorithm. Returns the order and levels, or — when the graph has a cycle — one cycle
 * as node indices in dependency order (`[a, b, a]`: b depends on a, a depends on b).
 */
export function topology(g: Adjacency): { ok: true; value: Topology } | { ok: false; cycle: number[] } {
  const { slots, alive, preds, succs } = g;
  const indegree = new Int32Array(slots);
  const levels = new Int32Array(slots);
  const order = new Int32Array(slots);
  let tail = 0;
  let live = 0;
  for (let v = 0; v < slots; v++) {
    if (!alive[v]) continue;
    live++;
    const d = preds.start[v + 1] - preds.start[v];
    indegree[v] = d;
    if (d === 0) {
      order[tail++] = v;
      levels[v] = 1;
    }
  }
  let depth = tail > 0 ? 1 : 0;
  for (let head = 0; head < tail; head++) {
    const v = order[head];
    const next = levels[v] + 1;
    for (let k = succs.start[v], end = succs.start[v + 1]; k < end; k++) {
      const w = succs.list[k];
      if (levels[w] < next) levels[w] = next;
      if (--indegree[w] === 0) {
        order[tail++] = w;
        if (next > depth) depth = next;
      }
    }
  }
  if (tail < live) return { ok: false, cycle: findCycle(g, indegree) };
  return { ok: true, value: { order: order.subarray(0, tail), levels, depth } };
}

/**
 * After an incomplete Kahn pass every node left with indegree > 0 has a predecessor that is
 * also left, so walking predecessors from one of them must revisit a node: that loop is a cycle.
 * It is returned starting at its earliest node in plan order, so the same graph names it the same way.
 */
function findCycle(g: Adjacency, indegree: Int32Array): number[] {
  const seenAt = new Int32Array(g.slots).fill(-1);
  let start = 0;
  while (!(g.alive[start] && indegree[start] > 0)) start++;
  const walk: number[] = [];
  let v = start;
  while (seenAt[v] < 0) {
    seenAt[v] = walk.length;
    walk.push(v);
    let next = -1;
    for (let k = g.preds.start[v]; k < g.preds.start[v + 1]; k++) {
      const p = g.preds.list[k];
      if (indegree[p] > 0) {
        next = p;
        break;
      }
    }
    v = next;
  }
  const loop = walk.slice(seenAt[v]).reverse();
  let first = 0;
  for (let k = 1; k < loop.length; k++) if (loop[k] < loop[first]) first = k;
  const cycle = [...loop.slice(first), ...loop.slice(0, first)];
  cycle.push(cycle[0]);
  return cycle;
}

/** A path `from … target` following successors (depth-first), or `undefined` when there is none. */
export function findPath(g: Adjacency, from: number, target: number): number[] | undefined {
  const parent = new Map<number, number>([[from, -1]]);
  const stack = [from];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === target) {
      const path: number[] = [];
      for (let x = v; x !== -1; x = parent.get(x)!) path.push(x);
      return path.reverse();
    }
    for (let k = g.succs.start[v]; k < g.succs.start[v + 1]; k++) {
      const w = g.succs.list[k];
      if (!parent.has(w)) {
        parent.set(w, v);
        stack.push(w);
      }
    }
  }
  return undefined;
}
