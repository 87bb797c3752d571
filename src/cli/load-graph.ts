import { ExecutionGraph } from '../graph/execution-graph.js';
import { readJson } from './io.js';

/** Reads a plan file and builds its graph; every failure is a coded {@link SwitchyardError}. */
export function loadGraph(path: string): ExecutionGraph {
  return ExecutionGraph.fromPlan(readJson(path, 'plan'));
}
