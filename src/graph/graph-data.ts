import type { TaskSpec } from '../protocol/plan.js';
import type { DeclaredRef } from './plan-input.js';
import type { Adjacency } from './topology.js';

/**
 * The mutable storage behind an {@link ExecutionGraph}: tasks at dense indices ("slots"),
 * adjacency lists both ways, and the facts edits must keep consistent.
 */
export interface GraphData extends Adjacency {
  slots: number;
  alive: Uint8Array;
  preds: number[][];
  succs: number[][];
  /** Task id per slot (`''` for a removed slot). */
  ids: string[];
  index: Map<string, number>;
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
export function idsOf(data: GraphData, slots: Iterable<number>): string[] {
  const out: string[] = [];
  for (const v of slots) out.push(data.ids[v]);
  return out;
}
