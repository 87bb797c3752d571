import type { ProducedRef } from '../protocol/refs.js';
import { hasEdge, row } from '../graph/csr.js';
import { type CompiledPlan, R } from './compiled-plan.js';

/** A produced ref as the core takes it: ref index, URI, and the status and asset type the agent stated. */
export interface ProducedOutput {
  readonly ref: number;
  readonly uri: string;
  readonly status?: number;
  readonly asset?: string;
}

/**
 * Sorts the refs a result for task `v` reports into those it declares as outputs (kept) and
 * those it does not (returned by id, to be refused): a result may never overwrite a ref
 * another task owns.
 */
export function producedRefs(
  plan: CompiledPlan,
  v: number,
  reported: readonly ProducedRef[],
): { produced: ProducedOutput[]; undeclared: string[] } {
  const produced: ProducedOutput[] = [];
  const undeclared: string[] = [];
  if (reported.length === 0) return { produced, undeclared };
  // Most tasks declare a few outputs: scanned in place. Many, against many reported: a set.
  const { start } = plan.outputs;
  const many = start[v + 1] - start[v] > 16 && reported.length > 16;
  const declared = many ? new Set(row(plan.outputs, v)) : undefined;
  for (const p of reported) {
    const r = plan.refIndex.get(p.ref_id);
    if (r === undefined || !(declared ? declared.has(r) : hasEdge(plan.outputs, v, r))) {
      undeclared.push(p.ref_id);
      continue;
    }
    produced.push({
      ref: r,
      uri: p.storage_uri,
      ...(p.status === undefined ? {} : { status: R[p.status] }),
      ...(p.asset_type === undefined ? {} : { asset: p.asset_type }),
    });
  }
  return { produced, undeclared };
}
