import type { CompiledPlan } from './compiled-plan.js';
import { graphInternals } from '../graph/execution-graph.js';

/**
 * Per task, the weight of the heaviest path from it to the end of the graph (itself included):
 * a run sends the attempts with the most work still behind them first.
 */
export function remainingPath(plan: CompiledPlan): Float64Array {
  const { data, topology } = graphInternals(plan.graph);
  const { order } = topology();
  const rank = new Float64Array(plan.n);
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    let best = 0;
    for (let j = plan.succs.start[v]; j < plan.succs.start[v + 1]; j++) best = Math.max(best, rank[plan.succs.list[j]]);
    rank[v] = best + data.weights[v];
  }
  return rank;
}
