import type { TaskSpec } from '../protocol/plan.js';
import type { Csr } from './csr.js';
import type { IdIndex } from './id-index.js';
import type { DeclaredRef } from './plan-input.js';
import type { Adjacency } from './topology.js';

/**
 * The mutable storage behind an {@link ExecutionGraph}: tasks at dense indices ("slots"),
 * adjacency lists both ways, and the facts edits must keep consistent.
 */
export interface GraphData extends Adjacency {
  slots: number;
  alive: Uint8Array;
  /** Critical-path weight per slot. */
  weights: Float64Array;
  /** `preds` row v: the slots v depends on (declared first, then ref-implied). */
  preds: Csr;
  /** `succs` row u: the slots that depend on u, ascending. */
  succs: Csr;
  /** Task id per slot (`''` for a removed slot). */
  ids: string[];
  index: IdIndex;
  /** Task spec per slot; `depends_on` always matches the declared edges. */
  tasks: Array<TaskSpec | undefined>;
  /** Edges `from → to` that a ref implies (`to` reads a ref only `from` produces), keyed by {@link edgeKey}. */
  refEdges: Map<number, string>;
  /** Planner group per slot (0 when absent), or `null` when groups are computed as levels. */
  plannerGroups: Int32Array | null;
  /** Every ref: declared by `resources`, or registered because a task produces it. */
  refs: Map<string, DeclaredRef>;
  /** Slots producing each ref. */
  producers: Map<string, number[]>;
}

/** A numeric key for the edge `from → to` (both below 2^26). */
export function edgeKey(from: number, to: number): number {
  return from * 0x4000000 + to;
}

/** Ids of `slots`, in the given order. */
export function idsOf(data: GraphData, slots: ArrayLike<number>): string[] {
  const out = new Array<string>(slots.length);
  for (let k = 0; k < slots.length; k++) out[k] = data.ids[slots[k]];
  return out;
}
